"""Early warning outside the pages: the 通报's paragraph, the meeting summary's 全年预计 column and
预计难以完成 sheet, and the reminders' escalation of a target projected to miss two months running.

Each names exactly the targets ``reporting.standing.judged`` (what the pages read) projects to miss;
the expected lists here are taken from the judged list's verdicts directly, never through
``reporting.foresight``."""

import datetime
import re
import statistics
import subprocess
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from indicators import forecast, numbers, progress
from indicators.models import Department, Indicator, Report
from indicators.xlsx import Sheet, write_workbook
from indicators.xlsx.writing import PERCENT, WRAP, Column
from reporting import demo as demo_cycle
from reporting import summary
from reporting.standing import judged
from supervision import bulletins
from supervision.bulletin_docx import bulletin_document
from supervision.models import Bulletin, Channel, Dispatch, Notice
from supervision.reminders import messages_for, run

from .conftest import approve, make_next_year, make_user
from .test_bulletins import reopen_and_change
from .test_printouts import tool
from .test_reminders import Robot

SUMMARY_URL = reverse("reporting:export-summary")
OPENING = "预计难以完成全年目标的有"


@pytest.fixture
def demo_year(report):
    demo_cycle.load_demo()
    return report


def at_risk_codes(report, month):
    """What the pages call 预计难以完成 as of ``month``, straight from the judged list."""
    return [i.code for i in judged(report, month) if i.forecast.verdict == forecast.AT_RISK]


def warning_lines(body):
    return [line for line in body.splitlines() if line.startswith(OPENING)]


def percent(fraction):
    return f"{Decimal(fraction) * 100:.1f}%"


# --- The 通报 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("month", [3, 6, 9])
def test_the_bulletin_names_exactly_the_targets_projected_to_miss(demo_year, month):
    report = demo_year
    expected = {i.code: i for i in judged(report, month) if i.forecast.verdict == forecast.AT_RISK}
    assert expected, "the demo has targets projected to miss"
    bulletin = bulletins.generate(report, month)
    listed = bulletin.numbers["outlook"]["at_risk"]
    assert [item["code"] for item in listed] == list(expected)

    (line,) = warning_lines(bulletin.body)
    assert line.startswith(f"{OPENING}{len(expected)}项：")
    # In 一、总体情况, before 二、各板块推进情况.
    lines = bulletin.body.splitlines()
    assert lines.index("一、总体情况") < lines.index(line) < lines.index("二、各板块推进情况")
    for code, indicator in expected.items():
        made = indicator.forecast
        assert f"{code} {indicator.name}（牵头单位：{indicator.lead_department.name}）" in line
        if made.completion is not None:
            low, high = (percent(end / indicator.target) for end in (made.low, made.high))
            said = f"预计全年完成率{percent(made.completion)}（{low}～{high}）"
        else:
            # In the tables' style: "4.3%", "2 户".
            suffix = indicator.unit if indicator.unit == "%" else f" {indicator.unit}"
            ends = (numbers.amount(end) + suffix for end in (made.low, made.high))
            said = f"预计12月底为{numbers.amount(made.value)}{suffix}（{'～'.join(ends)}）"
        assert said in line, (code, line)
    # No other target's code is named.
    others = {i.code for i in judged(report, month)} - set(expected)
    assert not [code for code in others if re.search(rf"(^|；|：){re.escape(code)} ", line)]


def test_the_bulletin_page_and_word_file_carry_the_paragraph(client, demo_year, leader):
    report = demo_year
    client.force_login(leader)
    (line,) = warning_lines(bulletins.generate(report, 9).body)
    page = client.get(reverse("supervision:bulletin", args=[2023, 9]) + f"?report={report.pk}")
    assert line in page.content.decode()
    url = reverse("supervision:bulletin-docx", args=[2023, 9]) + f"?report={report.pk}"
    document = Document(BytesIO(client.get(url).content))
    texts = [p.text for p in document.paragraphs]
    assert line in texts
    assert texts.index(line) > texts.index("一、总体情况")
    assert texts.index(line) < texts.index("二、各板块推进情况")
    paragraph = document.paragraphs[texts.index(line)]
    assert paragraph.runs[0].font.size.pt == 16  # body text, 三号


def test_none_projected_to_miss_says_so_and_too_early_says_nothing(report):
    # A report of one target (cumulative, 100), typed in ahead of its plan: projected to be met.
    small = make_next_year(report, state=Report.State.ACTIVE)
    indicator = small.indicators.get()
    for month, value in ((1, 10), (2, 20), (3, 30)):
        approve(indicator, month, value)
    (made,) = [i.forecast for i in judged(small, 3)]
    assert made.verdict == forecast.LIKELY
    body = bulletins.generate(small, 3).body
    assert not warning_lines(body)
    assert "按目前进度预计，已作预计的1项目标均能完成全年目标。" in body.splitlines()
    # February: nothing is projected before the third month, and the bulletin says nothing.
    assert [i.forecast.verdict for i in judged(small, 2)] == [forecast.TOO_EARLY]
    assert "预计" not in bulletins.generate(small, 2).body


def test_a_bulletin_stored_before_projections_reads_as_before(report):
    stored = bulletins.generate(report, 9).numbers
    del stored["outlook"]
    assert "预计" not in bulletins.body_for(report, stored)


def test_a_published_bulletin_keeps_its_paragraph_when_the_data_changes(
    client, demo_year, reviewer, leader
):
    report, month = demo_year, 9
    bulletins.regenerate(reviewer, report, month)
    draft = Bulletin.objects.get(report=report, month=month)
    bulletin = bulletins.publish(reviewer, report, month, draft.version)
    (frozen_line,) = warning_lines(bulletin.body)
    frozen = (bulletin.body, bulletin.numbers)

    # A typed-in target projected to miss is corrected to its full target for September.
    typed = {
        i.code: i
        for i in judged(report, month)
        if i.forecast.is_at_risk and not i.register_rule and i.actual_month == month
    }
    code = next(iter(typed))
    indicator = Indicator.objects.get(report=report, code=code)
    reporter = make_user("t-fix", "reporter", indicator.lead_department)
    reopen_and_change(reporter, reviewer, indicator, month, indicator.target)
    assert code not in at_risk_codes(report, month)
    fresh = bulletins.generate(report, month)
    assert code not in [i["code"] for i in fresh.numbers["outlook"]["at_risk"]]
    assert warning_lines(fresh.body) != [frozen_line]

    bulletin.refresh_from_db()
    assert (bulletin.body, bulletin.numbers) == frozen
    client.force_login(leader)
    page = client.get(reverse("supervision:bulletin", args=[2023, month]) + f"?report={report.pk}")
    assert frozen_line in page.content.decode()
    url = reverse("supervision:bulletin-docx", args=[2023, month]) + f"?report={report.pk}"
    assert frozen_line in [p.text for p in Document(BytesIO(client.get(url).content)).paragraphs]
    document = Document(BytesIO(bulletin_document(bulletin)))
    assert frozen_line in [p.text for p in document.paragraphs]


# --- The meeting summary ---------------------------------------------------------------------


def download(client, user, month=9):
    client.force_login(user)
    response = client.get(SUMMARY_URL, {"year": 2023, "month": month})
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content))


def header(ws):
    return [c.value for c in ws[2]]


def table(ws):
    """The sheet's rows below the header, up to the first empty row (the notes follow it)."""
    found = []
    for row in ws.iter_rows(min_row=3, values_only=True):
        if not any(v is not None for v in row):
            break
        found.append(row)
    return found


def test_the_summary_lists_exactly_the_targets_projected_to_miss(client, demo_year, leader):
    report = demo_year
    workbook = download(client, leader)
    assert workbook.sheetnames.index("预计难以完成") == workbook.sheetnames.index("滞后事项") + 1
    ws = workbook["预计难以完成"]
    assert header(ws) == [
        "编号",
        "目标任务",
        "牵头单位",
        "分管县领导",
        "单位",
        "年度目标",
        "截至9月底",
        "完成率",
        "序时进度",
        "预计12月底",
        "预计完成率",
        "预计区间",
        "全年预计",
    ]
    expected = {i.code: i for i in judged(report, 9) if i.forecast.verdict == forecast.AT_RISK}
    rows = table(ws)
    assert [r[0] for r in rows] == list(expected)
    leaders = {
        d.pk: d.leader.display_name
        for d in Department.objects.filter(region=report.region).select_related("leader")
    }
    for index, row in enumerate(rows, 3):
        indicator = expected[row[0]]
        made, standing = indicator.forecast, indicator.progress
        assert row[1:5] == (
            indicator.name,
            str(indicator.lead_department),
            leaders[indicator.lead_department_id],
            indicator.unit,
        )
        assert row[6] == pytest.approx(float(standing.actual))
        assert row[7] == pytest.approx(float(standing.completion))
        assert row[8] == pytest.approx(float(standing.expected))
        assert row[9] == pytest.approx(float(made.value))
        assert row[10] == pytest.approx(float(made.completion))
        low, high = (percent(end / indicator.target) for end in (made.low, made.high))
        assert row[11] == f"{low}～{high}"
        assert row[12] == "预计难以完成"
        fill = ws.cell(row=index, column=13).fill.fgColor.rgb
        assert fill == "00" + progress.STATUS_COLOURS["far_behind"].lstrip("#").upper()
        assert ws.cell(row=index, column=11).number_format == "0.0%"
    notes = [r[0] for r in ws.iter_rows(min_row=3 + len(rows), values_only=True) if r[0]]
    projected = sum(1 for i in judged(report, 9) if i.forecast.is_projected)
    assert notes[0] == (
        f"截至9月底，已作预计的{projected}项目标中，预计难以完成全年目标的有{len(expected)}项。"
    )


def test_the_detail_sheet_has_the_projection_of_every_target(client, demo_year, leader):
    report = demo_year
    ws = download(client, leader)["指标明细"]
    assert header(ws)[10] == "全年预计"
    indicators = judged(report, 9)
    rows = table(ws)
    assert [r[1] for r in rows] == [i.code for i in indicators]
    verdicts = set()
    for row, indicator in zip(rows, indicators, strict=True):
        made = indicator.forecast
        lines = row[10].splitlines()
        assert lines[0] == made.label
        verdicts.add(made.verdict)
        if made.completion is not None:
            low, high = (percent(end / indicator.target) for end in (made.low, made.high))
            assert lines[1:] == [percent(made.completion), f"{low}～{high}"]
        elif made.is_projected:
            suffix = indicator.unit if indicator.unit == "%" else f" {indicator.unit}"
            assert lines[1] == numbers.amount(made.value) + suffix
        else:
            assert lines == [made.label]
    assert {forecast.LIKELY, forecast.AT_RISK, forecast.NOT_APPLICABLE} <= verdicts


def test_before_any_projection_the_sheet_is_empty_and_says_why(client, demo_year, leader):
    ws = download(client, leader, month=2)["预计难以完成"]
    assert table(ws) == []
    notes = [r[0] for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert notes[0] == "截至2月底已审核的数据还不够，暂不作全年预计。"


def test_a_reporter_still_cannot_download_the_summary(client, demo_year, fgj):
    client.force_login(fgj)
    assert client.get(SUMMARY_URL, {"year": 2023, "month": 9}).status_code == 403


def test_the_summary_export_still_runs_a_fixed_number_of_queries(
    demo_year, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        summary.write_summary(demo_year, 9, BytesIO())


# The detail sheet's columns before the 全年预计 column was added, as they were on main.
DETAIL_BEFORE = [
    ("板块", 12, WRAP),
    ("编号", 7, "text"),
    ("目标任务", 22, WRAP),
    ("单位", 5, "text"),
    ("年度目标", 10, "text"),
    ("截至9月底", 10, "text"),
    ("完成率", 8, PERCENT),
    ("序时进度", 8, PERCENT),
    ("状态", 13, "text"),
    ("进度对比", 20, WRAP),
    ("牵头单位", 11, WRAP),
    ("分管县领导", 11, WRAP),
]


def word_heights(pdf):
    """The median height of the words' boxes on the PDF's first page: the printed text size."""
    found = subprocess.run(
        [tool("pdftotext"), "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', found)
    return statistics.median(float(bottom) - float(top) for top, bottom in boxes[1:])


def test_the_detail_sheet_prints_no_smaller_than_before_the_column(demo_year, tmp_path):
    """LibreOffice prints the sheet fitted to one A4 landscape page wide: the new column took
    its width from the others, so the text is no smaller on paper than without it."""
    soffice = tool("soffice")
    indicators = judged(demo_year, 9)
    now = list(summary.detail_rows(indicators))
    before = [row[:10] + row[11:] for row in now]
    sheets = {
        "now": Sheet("指标明细", summary.detail_columns(9), now, title="指标明细"),
        "before": Sheet(
            "指标明细", [Column(*spec) for spec in DETAIL_BEFORE], before, title="指标明细"
        ),
    }
    for name, sheet in sheets.items():
        write_workbook([sheet], tmp_path / f"{name}.xlsx")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "now.xlsx"),
            str(tmp_path / "before.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    heights = {name: word_heights(tmp_path / f"{name}.pdf") for name in sheets}
    print(f"detail sheet's word boxes (points): {heights}")
    assert heights["now"] >= heights["before"] - 0.01, heights


# --- Reminders -------------------------------------------------------------------------------


@pytest.fixture
def robot(settings):
    robot = Robot()
    settings.WEBHOOK_TEST_RECEIVERS = [robot.url.removeprefix("http://")]
    yield robot
    robot.server.shutdown()
    robot.server.server_close()


@pytest.fixture
def cycle(report, reviewer, leader, robot):
    """The report with the office's robot and every department's leader in charge set."""
    report.webhook_url = f"{robot.url}/office"
    report.save()
    Department.objects.filter(region=report.region).update(leader=leader)
    return report


SEPT_6 = datetime.date(2023, 9, 6)  # August closed on 5 September


def escalated(kind, report, indicator, month=8):
    return Dispatch.objects.filter(key=f"escalate-{kind}:{report.pk}:{month}:{indicator.pk}")


def pp10(report):
    return Indicator.objects.get(report=report, code="PP-10")  # cumulative, monthly, 5000 亩


def approve_percent(indicator, series):
    """Approve ``series`` ({month: percent of the annual target}) for ``indicator``."""
    for month, share in series.items():
        approve(indicator, month, indicator.target * share / 100)


def test_projected_to_miss_two_months_running_escalates_once(
    cycle, leader, reviewer, robot, settings, mailoutbox
):
    settings.EMAIL_HOST = "mail.example.test"  # the locmem backend keeps what is sent
    leader.email = "leader@example.test"
    leader.save()
    indicator = pp10(cycle)
    # Behind, not far behind (58.3 % and 66.7 % expected), and short of the pace both months.
    approve_percent(indicator, {5: 38, 6: 45, 7: 52, 8: 60})
    for month in (7, 8):
        (made,) = [i.forecast for i in judged(cycle, month) if i.pk == indicator.pk]
        assert made.verdict == forecast.AT_RISK
    (standing,) = [i.progress for i in judged(cycle, 8) if i.pk == indicator.pk]
    assert standing.status == progress.BEHIND

    run(SEPT_6, reports=[cycle])
    found = escalated("risk", cycle, indicator)
    assert set(found.values_list("channel", flat=True)) == {
        Channel.NOTICE,
        Channel.EMAIL,
        Channel.WEBHOOK,
    }
    (mail,) = [m for m in mailoutbox if indicator.code in m.subject]
    assert mail.to == ["leader@example.test"] and "预计难以完成" in mail.subject
    assert set(found.filter(channel=Channel.NOTICE).values_list("user", flat=True)) == {
        leader.pk,
        reviewer.pk,
    }
    notice = Notice.objects.get(user=leader, title__contains=indicator.code)
    assert notice.title.startswith("【预计难以完成】")
    assert "7月、8月底的数据，连续两个月预计难以完成全年目标" in notice.body
    assert "预计全年完成率" in notice.body and "～" in notice.body
    assert notice.url == f"/indicators/{indicator.pk}/?month=8"
    assert len(robot.paths(f"【预计难以完成】{indicator.code}")) == 1
    assert not escalated("far", cycle, indicator).exists()

    def sent():
        return (
            Dispatch.objects.filter(key__startswith="escalate-risk:").count(),
            Notice.objects.filter(title__startswith="【预计难以完成】").count(),
            len(robot.paths("【预计难以完成】")),
            len(mailoutbox),
        )

    before = sent()
    run(SEPT_6, reports=[cycle])
    run(SEPT_6 + datetime.timedelta(days=1), reports=[cycle])
    assert sent() == before


@pytest.mark.parametrize(
    "series",
    [
        {5: 40, 6: 50, 7: 60, 8: 60},  # on pace in July: one month is not two
        {8: 60},  # nothing before August: too early to project July
        {5: 38, 6: 45, 7: 52, 8: 70},  # recovered in August
    ],
)
def test_one_month_projected_to_miss_is_not_escalated(cycle, series):
    indicator = pp10(cycle)
    approve_percent(indicator, series)
    run(SEPT_6, reports=[cycle])
    assert not escalated("risk", cycle, indicator).exists()
    assert not escalated("far", cycle, indicator).exists()


def test_far_behind_and_projected_to_miss_is_one_message_saying_both(cycle, leader):
    indicator = pp10(cycle)
    approve_percent(indicator, {5: 8, 6: 9, 7: 10, 8: 20})
    run(SEPT_6, reports=[cycle])
    assert escalated("far", cycle, indicator).exists()
    assert not escalated("risk", cycle, indicator).exists()
    (notice,) = Notice.objects.filter(user=leader, title__contains=indicator.code)
    assert "7月、8月连续严重滞后" in notice.body
    assert "该目标7月、8月底均预计难以完成全年目标，预计全年完成率" in notice.body


def test_planning_the_escalations_runs_the_same_queries_at_ten_times_the_targets(demo_year):
    day = datetime.date(2023, 10, 6)  # September closed on 5 October
    with CaptureQueriesContext(connection) as small:
        said = messages_for(demo_year, day)
    assert any(m.key.startswith("escalate-risk:") for m in said)
    demo_cycle.grow(demo_year, 10)
    with CaptureQueriesContext(connection) as grown:
        said_grown = messages_for(demo_year, day)
    # The typed-in targets' copies are projected to miss as their originals are (the derived
    # ones read a register ten times the size).
    risky = sum(m.key.startswith("escalate-risk:") for m in said)
    assert sum(m.key.startswith("escalate-risk:") for m in said_grown) > risky
    assert len(grown.captured_queries) == len(small.captured_queries), [
        q["sql"][:120] for q in grown.captured_queries
    ]


def test_an_approved_december_reads_as_the_result_without_a_range(demo_year):
    """Once December is approved the figure is the year's result: the tables said
    "预计完成92.7%（92.7%～92.7%）"; they now say "全年完成率92.7%"."""
    from reporting import foresight

    results = [i for i in judged(demo_year, 12) if i.forecast.as_of == 12]
    assert results
    for indicator in results:
        assert "～" not in foresight.phrase(indicator)
        assert "～" not in foresight.running_phrase(indicator)
        assert "～" not in foresight.cell_text(indicator)
        if indicator.forecast.completion is not None:
            expected = f"全年完成率{percent(indicator.forecast.completion)}"
            assert foresight.phrase(indicator) == expected
    still_projected = [i for i in judged(demo_year, 12) if i.forecast.is_projected]
    assert any(i.forecast.as_of != 12 for i in still_projected) or still_projected == results
