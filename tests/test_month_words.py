"""Words (issue 21): a month reads 9月 / September and 2023年9月 / September 2023 wherever it is
written, through `progress.month_label` and `progress.year_month_label`; numbers in refusals and
check messages are grouped as the tables group them (`numbers.amount`), in both languages."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from indicators import checks, progress
from indicators.models import Indicator, ProgressEntry

from .conftest import approve, make_user

# "Month 9", "month 9's", "months 1–9": how English pages said a month before.
NUMBERED_MONTH = re.compile(r"\b[Mm]onths? \d")


def speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(
    ("language", "month", "with_year", "january"),
    [("en", "September", "September 2023", "January"), ("zh-hans", "9月", "2023年9月", "1月")],
)
def test_a_month_is_named_in_the_language_of_the_reader(language, month, with_year, january):
    with translation.override(language):
        assert progress.month_label(9) == month
        assert progress.year_month_label(2023, 9) == with_year
        assert progress.month_label(1) == january


def test_english_pages_name_the_month(client, report, fgj, leader):
    approve(Indicator.objects.get(report=report, code="EC-05"), 9, 80)
    client.force_login(fgj)
    form = speaking(client, "en").get(reverse("reporting:monthly-form", args=[2023, 9]))
    html = form.content.decode()
    assert "Monthly report, September 2023" in html
    assert not NUMBERED_MONTH.search(html)
    client.force_login(leader)
    overview = client.get("/", {"year": 2023, "month": 9}).content.decode()
    assert '<option value="9" selected>end of September</option>' in overview
    assert "At the end of September, of " in overview  # the verdict
    assert not NUMBERED_MONTH.search(overview)
    speaking(client, "zh-hans")
    assert "截至9月底，" in client.get("/", {"year": 2023, "month": 9}).content.decode()


def summary_cells(client, language):
    response = speaking(client, language).get(
        reverse("reporting:export-summary"), {"year": 2023, "month": 9}
    )
    book = load_workbook(BytesIO(response.content), read_only=True)
    return {
        sheet.title: [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
        for sheet in book.worksheets
    }


def test_the_excel_summary_names_the_month_in_english(client, report, leader):
    approve(Indicator.objects.get(report=report, code="EC-05"), 9, 80)
    client.force_login(leader)
    english = summary_cells(client, "en")
    timeliness = english["Reporting"]
    assert {"January", "February", "September"} <= set(timeliness)
    assert "October" not in timeliness
    assert "To date (end of September)" in english["Target details"]
    assert any("(to the end of September)" in cell for cell in english["Overview"])
    assert not any(NUMBERED_MONTH.search(c) for cells in english.values() for c in cells)
    chinese = summary_cells(client, "zh-hans")
    assert {"1月", "9月"} <= set(chinese["报送情况"])
    assert "截至9月底" in chinese["指标明细"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "September is locked: departments can no longer change it."),
        ("zh-hans", "9月已锁定，填报单位不能再修改。"),
    ],
)
def test_a_message_names_the_month(client, report, reviewer, language, words):
    client.force_login(reviewer)
    speaking(client, language).post(
        reverse("reporting:month-lock", args=[2023, 9]), {"action": "lock"}
    )
    said = [str(m) for m in get_messages(client.get(reverse("reporting:review")).wsgi_request)]
    assert words in said


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "the stored value is 29,938,900.5."),
        ("zh-hans", "当前保存的值为 29,938,900.5。"),
    ],
)
def test_a_refusal_groups_its_number_as_the_tables_do(client, report, language, words):
    land = Indicator.objects.get(report=report, code="PP-10")  # 亩, led by 自然资源局
    stored = ProgressEntry.objects.create(
        indicator=land, kind=land.kind, month=9, value=Decimal("29938900.5"), version=2
    )
    client.force_login(make_user("t-zrzyj", "reporter", land.lead_department))
    fields = {f"i{land.pk}-{name}": "" for name in ("note", "problems", "explanation")}
    refused = speaking(client, language).post(  # a window opened before the last save
        reverse("reporting:monthly-form", args=[2023, 9]),
        {
            "action": "save",
            "rows": f"i{land.pk}",
            **fields,
            f"i{land.pk}-value": "70",
            f"i{land.pk}-version": 1,
        },
    )
    assert refused.status_code == 409
    assert words in refused.content.decode()
    stored.refresh_from_db()
    assert (stored.value, stored.version) == (Decimal("29938900.5"), 2)


@pytest.mark.parametrize(
    ("language", "fall", "part"),
    [
        (
            "en",
            "the cumulative figure 2,900万元 is below November's approved 2,993.89万元",
            "工业增加值 is 3,120.5 万元, above 地区生产总值's 2,993.89 万元.",
        ),
        (
            "zh-hans",
            "累计值2,900万元低于11月已审核的2,993.89万元",
            "工业增加值为3,120.5万元，大于地区生产总值的2,993.89万元。",
        ),
    ],
)
def test_check_messages_group_their_numbers(language, fall, part):
    # As stored on an entry: plain numbers (the flags keep data, the words are written when read).
    dropped = checks.Flag(
        checks.FALL,
        False,
        {"value": "2900", "previous": "2993.89", "month": 11, "unit": "万元"},
    )
    above = checks.Flag(
        checks.PART_OF_TOTAL,
        False,
        {
            "part": "工业增加值",
            "part_value": "3120.5",
            "total": "地区生产总值",
            "total_value": "2993.89",
            "unit": "万元",
            "tolerance": "0",
        },
    )
    with translation.override(language):
        assert dropped.message == fall
        assert above.message == part


@pytest.mark.parametrize(("language", "words"), [("en", "1,500"), ("zh-hans", "低于目标1,500户")])
def test_a_margin_in_words_is_grouped_as_the_tables_group_it(language, words):
    short = progress.judge("floor", 12000, 10500, 9)
    with translation.override(language):
        assert words in progress.gap_phrase(short, "floor", "户")
