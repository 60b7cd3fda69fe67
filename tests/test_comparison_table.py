"""The 人大 完成情况对照表 (/comparison/<year>/): the figures of the public page, done or not,
the office's explanations (saved through the gate, frozen once published), and its Word and
Excel files read back against ``published.state``."""

import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook

from audit.models import Action, AuditRecord
from indicators import numbers, progress
from indicators.models import Department, Indicator, Region, Report, Section
from opendata import comparison, published, publishing
from opendata.models import ComparisonNote, Publication
from reporting.navigation import nav_links

from .conftest import add_indicators, approve, make_next_year, make_user

YEAR = 2023
PAGE = f"/comparison/{YEAR}/"

# code: values of months 1..12 (None: nothing that month)
FIGURES = {
    "LV-01": [100 * m for m in range(1, 12)] + [1600],  # cumulative 1500 人: done in December
    "PP-10": [300 * m for m in range(1, 13)],  # cumulative 5000 亩: 3600, short
    "LV-02": ["4.1"] * 12,  # ceiling 4.5 %: holds
    "LV-03": [0] * 11 + [2],  # ceiling 0 户: exceeded in December
    "LV-09": [8 * m for m in range(1, 12)] + [100],  # year-end only milestone
}


def approve_year(report, through=12):
    for code, values in FIGURES.items():
        indicator = Indicator.objects.get(report=report, code=code)
        for month, value in enumerate(values[:through], 1):
            approve(indicator, month, value)


def publish_through(report, user, month):
    for m in range(1, month + 1):
        publishing.publish(report, m, user=user)


@pytest.fixture
def year_end(report, office):
    """A year of figures for five targets, approved and published through December."""
    approve_year(report)
    publish_through(report, office, 12)
    return report


def row_by_code(table, code):
    return next(row for row in table.rows if row.target.code == code)


def here(report):
    return f"{PAGE}?report={report.pk}"


# --- Done or not ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind", "month", "expected"),
    [
        (progress.DONE, progress.CUMULATIVE, 6, comparison.COMPLETED),
        (progress.DONE, progress.MILESTONE, 12, comparison.COMPLETED),
        (progress.ON_TRACK, progress.CUMULATIVE, 6, comparison.PENDING),
        (progress.BEHIND, progress.CUMULATIVE, 11, comparison.PENDING),
        (progress.ON_TRACK, progress.CEILING, 11, comparison.PENDING),
        (progress.YEAR_END, progress.MILESTONE, 11, comparison.PENDING),
        (progress.ON_TRACK, progress.CEILING, 12, comparison.COMPLETED),
        (progress.ON_TRACK, progress.FLOOR, 12, comparison.COMPLETED),
        (progress.ON_TRACK, progress.CUMULATIVE, 12, comparison.NOT_COMPLETED),
        (progress.BEHIND, progress.STOCK, 12, comparison.NOT_COMPLETED),
        (progress.FAR_BEHIND, progress.CEILING, 12, comparison.NOT_COMPLETED),
        (progress.NO_DATA, progress.CUMULATIVE, 12, comparison.NO_FIGURE),
        (progress.NO_DATA, progress.CUMULATIVE, 3, comparison.NO_FIGURE),
        (progress.ANNUAL, progress.FLOOR, 12, comparison.AWAITING_STATISTICS),
    ],
)
def test_done_or_not_follows_the_status_and_the_month(status, kind, month, expected):
    assert comparison.outcome(status, kind, month) == expected


def test_the_table_reads_the_public_state_as_of_the_last_published_month(report, office):
    approve_year(report, through=9)
    publish_through(report, office, 6)
    table = comparison.table(report)
    state = published.state(report)
    assert table.month == state.month == 6
    assert [row.target for row in table.rows] == state.targets
    assert [row.number for row in table.rows] == list(range(1, len(state.targets) + 1))
    assert row_by_code(table, "LV-01").result == "600人"  # June's, not September's 900
    assert row_by_code(table, "LV-03").outcome == comparison.PENDING


def test_at_year_end_the_table_states_the_years_result(year_end):
    table = comparison.table(year_end)
    outcomes = {code: row_by_code(table, code).outcome for code in FIGURES}
    assert outcomes == {
        "LV-01": comparison.COMPLETED,
        "PP-10": comparison.NOT_COMPLETED,
        "LV-02": comparison.COMPLETED,
        "LV-03": comparison.NOT_COMPLETED,
        "LV-09": comparison.COMPLETED,
    }
    assert row_by_code(table, "LV-01").result == "1,600人"


# --- The gate ------------------------------------------------------------------------------------


def test_the_office_writes_every_explanation_on_one_form(client, year_end, office):
    client.force_login(office)
    page = client.get(here(year_end))
    assert page.status_code == 200
    form = page.context["form"]
    lv01 = Indicator.objects.get(report=year_end, code="LV-01")
    pp10 = Indicator.objects.get(report=year_end, code="PP-10")
    assert len([name for name in form.fields if name.startswith("note_")]) == 40
    response = client.post(
        here(year_end),
        {
            "stamp": form["stamp"].value(),
            f"note_{lv01.pk}": "  全年新增就业1600人，超额完成。\r\n  ",
            f"note_{pp10.pk}": "征地受用地指标影响，剩余1400亩结转下年。",
        },
    )
    assert response.status_code == 302
    notes = dict(ComparisonNote.objects.values_list("indicator__code", "explanation"))
    assert notes == {
        "LV-01": "全年新增就业1600人，超额完成。",
        "PP-10": "征地受用地指标影响，剩余1400亩结转下年。",
    }
    record = AuditRecord.objects.filter(action=Action.CHANGED).latest("id")
    assert record.actor_id == office.pk
    assert record.detail["comparison_notes"]["LV-01"] == {
        "from": "",
        "to": "全年新增就业1600人，超额完成。",
    }
    shown = client.get(here(year_end)).content.decode()
    assert "征地受用地指标影响" in shown


def test_a_save_over_newer_words_is_refused_and_keeps_them(client, year_end, office):
    lv01 = Indicator.objects.get(report=year_end, code="LV-01")
    stale = comparison.table(year_end).stamp
    comparison.save_notes(year_end, {lv01.pk: "先写的说明"}, office)
    client.force_login(office)
    response = client.post(
        here(year_end), {"stamp": stale, f"note_{lv01.pk}": "后写的说明"}, follow=True
    )
    assert "说明已被他人修改，请刷新页面后重新填写。" in response.content.decode()
    assert "后写的说明" in response.content.decode()  # what was typed is not lost
    assert ComparisonNote.objects.get(indicator=lv01).explanation == "先写的说明"


def test_the_gate_refuses_bad_input_whole(year_end, office):
    lv01 = Indicator.objects.get(report=year_end, code="LV-01")
    other = make_next_year(year_end).indicators.get()
    with pytest.raises(ValidationError, match="不属于这份报告"):
        comparison.save_notes(year_end, {lv01.pk: "本报告的", other.pk: "别的报告的"}, office)
    with pytest.raises(ValidationError, match="LV-01的说明超过2000字"):
        comparison.save_notes(year_end, {lv01.pk: "字" * 2001}, office)
    assert not ComparisonNote.objects.exists()


def test_publishing_waits_for_december(client, report, office):
    approve_year(report)
    publish_through(report, office, 11)
    with pytest.raises(ValidationError, match="12月的数据公开后才能发布对照表"):
        comparison.publish_table(report, office)
    client.force_login(office)
    response = client.post(f"/comparison/{YEAR}/publish/?report={report.pk}", {"confirm": "on"})
    assert response.status_code == 302
    assert not Publication.objects.filter(table_published_at__isnull=False).exists()
    page = client.get(here(report)).content.decode()
    assert "12月的数据公开后才能发布对照表（目前已公开到11月）。" in page


def test_a_published_table_freezes_its_explanations(client, year_end, office):
    lv01 = Indicator.objects.get(report=year_end, code="LV-01")
    comparison.save_notes(year_end, {lv01.pk: "超额完成"}, office)
    client.force_login(office)
    unconfirmed = client.post(f"/comparison/{YEAR}/publish/?report={year_end.pk}", {})
    assert unconfirmed.status_code == 302
    assert not Publication.objects.filter(table_published_at__isnull=False).exists()
    client.post(f"/comparison/{YEAR}/publish/?report={year_end.pk}", {"confirm": "on"})
    publication = Publication.objects.get(report=year_end)
    assert publication.table_published_at is not None
    assert publication.table_published_by == office
    record = AuditRecord.objects.filter(action=Action.PUBLISHED).latest("id")
    assert record.detail == {"comparison_table": True, "month": 12}

    with pytest.raises(ValidationError, match=r"对照表已于.*发布，说明已冻结，不能再修改。"):
        comparison.save_notes(year_end, {lv01.pk: "改过的说明"}, office)
    response = client.post(here(year_end), {"stamp": "x", f"note_{lv01.pk}": "改过的"}, follow=True)
    assert "说明不能修改" in response.content.decode()
    assert ComparisonNote.objects.get(indicator=lv01).explanation == "超额完成"
    page = client.get(here(year_end)).content.decode()
    assert "<textarea" not in page and "超额完成" in page
    assert comparison.publish_table(year_end, office).table_published_at == (
        publication.table_published_at
    )  # publishing again changes nothing


# --- Who may do what -----------------------------------------------------------------------------


@pytest.fixture
def other_county(report):
    """鹿寨县 with its own 2023 report and office."""
    region = Region.objects.create(name="鹿寨县", code="450223")
    other = Report.objects.create(
        region=region, year=YEAR, title="2023年鹿寨县政府工作报告", state=Report.State.ACTIVE
    )
    section = Section.objects.create(report=other, name="经济", order=1)
    department = Department.objects.create(
        region=region, code="lz", name="鹿寨发改", short_name="发改"
    )
    Indicator.objects.create(
        report=other, section=section, code="LZ-01", name="鹿寨目标", kind="cumulative",
        target=Decimal(10), unit="个", lead_department=department,
    )  # fmt: skip
    office = make_user("lz-office", "reviewer", region=region)
    return other, office


def test_readers_download_the_office_edits_others_are_refused(
    year_end, office, leader, fgj, other_county
):
    _other_report, other_office = other_county
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    Region.objects.filter(pk=year_end.region_id).update(parent=city)
    city_office = make_user("lzs-office", "reviewer", region=city)
    urls = [here(year_end), f"/comparison/{YEAR}.docx?report={year_end.pk}"]
    urls.append(f"/comparison/{YEAR}.xlsx?report={year_end.pk}")
    lv01 = Indicator.objects.get(report=year_end, code="LV-01")
    post = {"stamp": comparison.table(year_end).stamp, f"note_{lv01.pk}": "越权"}
    publish = f"/comparison/{YEAR}/publish/?report={year_end.pk}"

    def answers(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        gets = [client.get(u).status_code for u in urls]
        return gets, client.post(urls[0], post).status_code, client.post(publish).status_code

    assert answers(leader) == ([200, 200, 200], 403, 403)
    assert answers(city_office) == ([200, 200, 200], 403, 403)
    assert answers(fgj) == ([403, 403, 403], 403, 403)
    assert answers(other_office) == ([404, 404, 404], 404, 404)
    anonymous = answers(None)
    assert anonymous == ([302, 302, 302], 302, 302)
    assert not ComparisonNote.objects.exists()
    assert not Publication.objects.filter(table_published_at__isnull=False).exists()
    for user in (leader, city_office, other_office, fgj):
        with pytest.raises(PermissionDenied):
            comparison.save_notes(year_end, {lv01.pk: "越权"}, user)
        with pytest.raises(PermissionDenied):
            comparison.publish_table(year_end, user)
    assert answers(office) == ([200, 200, 200], 302, 302)
    assert ComparisonNote.objects.get().explanation == "越权"  # the office's own is saved
    # Another county's office reads its own table, never this one.
    mine = Client()
    mine.force_login(other_office)
    assert "鹿寨目标" not in mine.get(PAGE).content.decode()  # nothing published yet
    assert mine.get(PAGE).status_code == 200


def test_the_header_links_the_office_to_its_table(report, office, leader, fgj):
    def labels(user):
        return [str(label) for label, _url in nav_links(user, report.pk)]

    assert "对照表" in labels(office)
    assert (dict((str(k), v) for k, v in nav_links(office, report.pk)))["对照表"] == (
        f"/comparison/?report={report.pk}"
    )
    assert "对照表" not in labels(leader) and "对照表" not in labels(fgj)
    client = Client()
    client.force_login(office)
    response = client.get(f"/comparison/?report={report.pk}")
    assert response.status_code == 302 and response["Location"] == here(report)


# --- The files -----------------------------------------------------------------------------------


def figure(target):
    """The figure as the public page prints a target's value: amount and unit."""
    return "—" if target.value is None else f"{numbers.amount(target.value)}{target.unit}"


def test_the_word_file_is_an_a4_landscape_table_with_the_public_numbers(client, year_end, office):
    lv01 = Indicator.objects.get(report=year_end, code="LV-01")
    comparison.save_notes(year_end, {lv01.pk: "=1+1 超额完成"}, office)
    client.force_login(office)
    response = client.get(f"/comparison/{YEAR}.docx?report={year_end.pk}")
    assert response["Content-Disposition"] == 'attachment; filename="450222-2023-comparison.docx"'
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert section.page_width > section.page_height
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    (table,) = document.tables
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [cell.text for cell in header.cells] == [
        "序号",
        "目标任务",
        "报告原文",
        "完成情况",
        "是否完成",
        "说明",
    ]
    sizes = {
        run.font.size
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
    }
    assert sizes and None not in sizes and min(sizes) >= Pt(10.5)
    rows = {
        row.cells[0].text: [cell.text for cell in row.cells]
        for row in table.rows[1:]
        if row.cells[0].text.isdigit()
    }
    state = published.state(year_end)
    assert len(rows) == len(state.targets)
    explanations = {lv01.pk: "=1+1 超额完成"}
    for number, target in enumerate(state.targets, 1):
        cells = rows[str(number)]
        assert cells[1:4] == [target.name, target.promise, figure(target)], target.code
        outcome = comparison.outcome(target.status, target.kind, state.month)
        assert cells[4] == str(comparison.OUTCOME_LABELS[outcome])
        assert cells[5] == explanations.get(target.id, "")
    sections = [row.cells[0].text for row in table.rows[1:] if not row.cells[0].text.isdigit()]
    assert sections == [section.name for section in state.sections]
    assert "截至12月底" in "\n".join(p.text for p in document.paragraphs)


def test_the_excel_file_holds_the_public_numbers_as_numbers(client, year_end, office):
    lv01 = Indicator.objects.get(report=year_end, code="LV-01")
    comparison.save_notes(year_end, {lv01.pk: "=SUM(A1:A9)"}, office)
    client.force_login(office)
    response = client.get(f"/comparison/{YEAR}.xlsx?report={year_end.pk}")
    assert response["Content-Disposition"] == 'attachment; filename="450222-2023-comparison.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.page_setup.orientation == "landscape"
    header = [cell.value for cell in sheet[2]]
    assert header == [
        "序号", "板块", "编号", "目标任务", "报告原文", "年度目标", "单位", "完成值", "数据月份",
        "是否完成", "说明",
    ]  # fmt: skip
    rows = {row[2].value: row for row in sheet.iter_rows(min_row=3) if row[2].value}
    state = published.state(year_end)
    assert list(rows) == [target.code for target in state.targets]
    for target in state.targets:
        row = rows[target.code]
        value = row[7].value
        assert (None if value is None else Decimal(str(value))) == target.value, target.code
        assert Decimal(str(row[5].value)) == target.target
        assert (row[3].value, row[4].value, row[6].value) == (
            target.name, target.promise, target.unit,
        )  # fmt: skip
        assert row[8].value == target.value_month
    explanation = rows["LV-01"][10]
    assert (explanation.value, explanation.data_type) == ("=SUM(A1:A9)", "s")
    assert rows["LV-01"][9].value == "完成"


def test_the_published_table_is_public_beside_the_open_data(year_end, office):
    anonymous = Client()
    public = f"/public/450222/{YEAR}/comparison"
    publishing.switch_site(year_end.region, True, user=office)
    assert anonymous.get(public + ".docx").status_code == 404  # not published yet
    assert (
        "comparison_docx" not in anonymous.get(f"/public/450222/{YEAR}/data.json").json()["links"]
    )
    comparison.publish_table(year_end, office)
    docx = anonymous.get(public + ".docx")
    assert docx.status_code == 200
    assert anonymous.get(public + ".xlsx").status_code == 200
    assert Document(io.BytesIO(docx.content)).tables[0].rows[0].cells[0].text == "序号"
    links = anonymous.get(f"/public/450222/{YEAR}/data.json").json()["links"]
    assert links["comparison_docx"] == public + ".docx"
    publishing.switch_site(year_end.region, False, user=office)
    assert anonymous.get(public + ".docx").status_code == 404
    assert anonymous.get(public + ".xlsx").status_code == 404


def test_the_page_and_files_cost_the_same_queries_at_ten_times_the_size(client, year_end, office):
    client.force_login(office)
    urls = (here(year_end), f"/comparison/{YEAR}.docx?report={year_end.pk}")
    urls += (f"/comparison/{YEAR}.xlsx?report={year_end.pk}",)

    def counts():
        result = []
        for url in urls:
            client.get(url)  # the session settles
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    small = counts()
    extra = add_indicators(year_end, 360)
    comparison.save_notes(year_end, {i.pk: f"说明{i.pk}" for i in extra[:50]}, office)
    assert counts() == small
    assert len(comparison.table(year_end).rows) == 400
    assert re.search(r"说明\d+", client.get(here(year_end)).content.decode())
