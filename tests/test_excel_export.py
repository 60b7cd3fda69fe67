"""The meeting summary: /export/summary.xlsx and `manage.py export_summary`.

Every sheet is read back with openpyxl and checked against the status module for the demo data.
"""

import zipfile
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from indicators import progress
from indicators.models import ProgressEntry
from indicators.xlsx import XLSX_CONTENT_TYPE
from projects.models import Project
from reporting import demo
from reporting import summary as summary_workbook
from reporting.standing import judged

MONTH = 9
URL = reverse("reporting:export-summary")


@pytest.fixture
def demo_report(db):
    return demo.load_demo()["report"]


def download(client, user, month=MONTH, year=2023):
    client.force_login(user)
    response = client.get(URL, {"year": year, "month": month})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(BytesIO(response.content))


def rows(ws, first=3):
    return list(ws.iter_rows(min_row=first, values_only=True))


def number(value):
    return None if value is None else pytest.approx(float(value), rel=1e-12, abs=1e-12)


@pytest.fixture
def workbook(client, demo_report, leader):
    return download(client, leader)


def test_leader_downloads_the_summary_with_its_six_sheets_in_order(workbook):
    assert workbook.sheetnames == list(summary_workbook.SUMMARY_SHEETS)
    assert workbook.sheetnames[:3] == ["总览", "指标明细", "进展情况"]


def test_reviewer_downloads_the_summary(client, demo_report, reviewer):
    assert download(client, reviewer).sheetnames[0] == "总览"


def test_reporter_cannot_download_the_summary(client, demo_report, fgj):
    client.force_login(fgj)
    assert client.get(URL, {"year": 2023, "month": MONTH}).status_code == 403


def test_anonymous_is_sent_to_login(client, demo_report):
    response = client.get(URL, {"year": 2023, "month": MONTH})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_unknown_year_is_404(client, demo_report, leader):
    client.force_login(leader)
    assert client.get(URL, {"year": 1999, "month": 1}).status_code == 404


def test_title_row_names_county_year_month_and_time(workbook):
    for ws in workbook:
        title = ws["A1"].value
        assert "柳城县" in title and "2023年" in title and "截至9月底" in title
        assert "制表时间" in title


def test_overview_sheet_agrees_with_the_status_module(workbook, demo_report):
    indicators = judged(demo_report, MONTH)
    sections = {}
    for indicator in indicators:
        sections.setdefault(indicator.section.name, []).append(indicator.progress)
    expected = [(name, progress.summarise(p)) for name, p in sections.items()]
    expected.append(("合计", progress.summarise(i.progress for i in indicators)))
    ws = workbook["总览"]
    assert [c.value for c in ws[2]] == [
        "板块",
        "目标数",
        "已完成",
        "达到序时进度",
        "滞后",
        "严重滞后",
        "无数据",
        "待年终确定",
        "待统计年报",
        "平均完成率",
        "序时进度",
    ]
    found = rows(ws)[: len(expected)]
    for row, (name, summary) in zip(found, expected, strict=True):
        counts = summary.counts
        assert row[:9] == (
            name,
            summary.total,
            counts["done"],
            counts["on_track"],
            counts["behind"],
            counts["far_behind"],
            counts["no_data"],
            counts["year_end"],
            counts["annual"],
        )
        assert row[9] == number(summary.average_completion)
        assert row[10] == number(summary.average_expected)
    total = expected[-1][1]
    verdict = ws.cell(row=3 + len(expected) + 1, column=1).value
    assert verdict.startswith(f"截至9月底，{total.total}项目标中已完成{total.counts['done']}项")


def test_detail_sheet_has_every_indicator_as_the_dashboard_judges_it(workbook, demo_report):
    indicators = judged(demo_report, MONTH)
    ws = workbook["指标明细"]
    assert ws["F2"].value == "截至9月底"
    found = rows(ws)
    assert len(found) == len(indicators) == 40
    for index, (row, indicator) in enumerate(zip(found, indicators, strict=True), 3):
        standing = indicator.progress
        assert row[0] == indicator.section.name
        assert row[1] == indicator.code
        assert row[2] == indicator.name
        assert row[3] == indicator.unit
        assert row[4] == number(indicator.target)
        assert row[5] == number(standing.actual)
        assert row[6] == number(standing.completion)
        assert row[7] == number(standing.expected)
        assert row[8] == standing.label  # a ceiling that holds: 控制在目标内
        assert row[9] == (progress.gap_phrase(standing, indicator.kind, indicator.unit) or None)
        assert row[10].splitlines()[0] == indicator.forecast.label  # 全年预计
        assert row[11] == str(indicator.lead_department)
        assert row[12] == indicator.lead_department.leader.display_name  # the real name
        fill = ws.cell(row=index, column=9).fill.fgColor.rgb
        assert fill == "00" + progress.STATUS_COLOURS[standing.status].lstrip("#").upper()


def test_notes_sheet_has_every_targets_note_and_problems_in_full(workbook, demo_report):
    indicators = judged(demo_report, MONTH)
    ws = workbook["进展情况"]
    found = rows(ws)
    assert [r[0] for r in found] == [i.code for i in indicators]
    for row, indicator in zip(found, indicators, strict=True):
        assert row[3] == (indicator.latest_note or None)
        assert row[4] == (indicator.latest_problems or None)


def test_behind_sheet_lists_far_behind_then_behind_with_problems(workbook, demo_report):
    indicators = judged(demo_report, MONTH)
    far = [i for i in indicators if i.progress.status == progress.FAR_BEHIND]
    behind = [i for i in indicators if i.progress.status == progress.BEHIND]
    found = rows(workbook["滞后事项"])
    assert [r[0] for r in found] == [i.code for i in far + behind]
    assert far and behind
    for row, indicator in zip(found, far + behind, strict=True):
        assert row[2] == progress.STATUS_LABELS[indicator.progress.status]
        assert row[6] == str(indicator.lead_department)
        assert row[7] == indicator.lead_department.leader.display_name
        assert row[8] == (indicator.latest_problems or None)


def test_project_sheet_lists_every_project_with_this_years_investment(workbook, demo_report):
    projects = {p.code: p for p in Project.objects.as_of(demo_report, MONTH)}
    found = rows(workbook["项目清单"])
    assert len(found) == len(projects) == 335
    for row in found:
        project = projects[row[0]]
        assert row[1] == project.name
        assert row[2] == project.get_category_display()
        assert row[3] == project.get_build_type_display()
        assert row[5] == str(project.lead_department)
        assert row[6] == number(project.total_investment / 10000)
        assert row[7] == number(project.planned_investment / 10000)
        assert row[8] == number(project.invested / 10000 if project.invested is not None else None)
    # The same approved figures the register-derived targets add up (PP-02 in 亿元).
    pp02 = next(i for i in judged(demo_report, MONTH) if i.code == "PP-02")
    implementation = sum(Decimal(str(r[6])) for r in found if r[2] == "实施类")
    assert float(implementation) == pytest.approx(float(pp02.progress.actual))


def test_every_sheet_is_set_up_for_printing_and_filtering(workbook):
    for ws in workbook:
        assert ws.freeze_panes == "A3", ws.title
        assert ws.print_title_rows == "$1:$2", ws.title
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert int(ws.page_setup.fitToWidth) == 1
        assert int(ws.page_setup.fitToHeight) == 0
        assert ws.auto_filter.ref.startswith("A2:")
        assert all(ws.column_dimensions[letter].width >= 6 for letter in "ABC"), (
            "column widths are set"
        )


def test_number_formats(workbook):
    ws = workbook["指标明细"]
    by_code = {ws.cell(row=r, column=2).value: r for r in range(3, ws.max_row + 1)}
    pp02 = by_code["PP-02"]  # 392.73 亿元
    assert ws.cell(row=pp02, column=5).number_format == "#,##0.00"
    assert ws.cell(row=pp02, column=6).number_format == "#,##0.00"
    lv01 = by_code["LV-01"]  # 1500 人
    assert ws.cell(row=lv01, column=5).number_format == "#,##0"
    assert ws.cell(row=lv01, column=7).number_format == "0.0%"
    assert ws.cell(row=lv01, column=8).number_format == "0.0%"
    assert workbook["总览"]["J3"].number_format == "0.0%"
    assert workbook["项目清单"]["G3"].number_format == "#,##0.00"


def test_user_text_that_looks_like_a_formula_is_written_as_text(client, demo_report, leader):
    entry = (
        ProgressEntry.objects.filter(indicator__code="UC-07", month=MONTH).select_related().get()
    )
    texts = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2", "@SUM(A1)"]
    entry.note = texts[0]
    entry.problems = "\n".join(texts[1:])
    entry.save()
    response_book = download(client, leader)
    ws = response_book["进展情况"]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=1).value == "UC-07")
    assert ws.cell(row=row, column=4).value == texts[0]
    assert ws.cell(row=row, column=4).data_type == "s"
    assert ws.cell(row=row, column=5).value == "\n".join(texts[1:])
    client.force_login(leader)
    raw = client.get(URL, {"year": 2023, "month": MONTH}).content
    with zipfile.ZipFile(BytesIO(raw)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), name


def test_other_months_agree_too(client, demo_report, leader):
    workbook = download(client, leader, month=12)
    indicators = judged(demo_report, 12)
    found = rows(workbook["指标明细"])
    assert [r[8] for r in found] == [i.progress.label for i in indicators]


def test_export_summary_command_writes_the_same_workbook(demo_report, tmp_path):
    path = tmp_path / "summary.xlsx"
    call_command("export_summary", "--year", "2023", "--month", "9", "-o", str(path))
    workbook = load_workbook(path)
    assert workbook.sheetnames == list(summary_workbook.SUMMARY_SHEETS)
    indicators = judged(demo_report, MONTH)
    assert [r[1] for r in rows(workbook["指标明细"])] == [i.code for i in indicators]


@pytest.mark.parametrize("region", ["柳城县", "450222"])
def test_export_summary_command_chooses_the_region_by_its_name_or_code(
    demo_report, tmp_path, region
):
    # Beside a second county's report of the same year, --region chooses 柳城县's.
    from indicators.models import Region, Report

    other = Region.objects.create(name="鹿寨县", code="450223")
    Report.objects.create(
        region=other, year=2023, title="鹿寨县2023年政府工作报告", state=Report.State.ACTIVE
    )
    path = tmp_path / "summary.xlsx"
    said = StringIO()
    call_command(
        "export_summary",
        "--year",
        "2023",
        "--month",
        "9",
        "--region",
        region,
        "-o",
        str(path),
        stdout=said,
    )
    assert said.getvalue().startswith(demo_report.title)
    with pytest.raises(CommandError, match="No report"):
        call_command(
            "export_summary", "--year", "2023", "--month", "9", "--region", "没有", "-o", str(path)
        )


def test_summary_export_runs_a_fixed_number_of_queries(demo_report, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        summary_workbook.write_summary(demo_report, MONTH, BytesIO())


def test_timeliness_sheet_agrees_with_the_departments_page(workbook, demo_report):
    from indicators.timeliness import department_timeliness

    table = department_timeliness(demo_report)
    ws = workbook["报送情况"]
    header = [c.value for c in ws[2]]
    assert header == ["责任单位", "分管县领导", "应报目标数"] + [f"{m}月" for m in range(1, 10)] + [
        "逾期或未报月数"
    ]
    found = rows(ws)
    assert len(found) == len(table)
    for index, (row, expected) in enumerate(zip(found, table, strict=True), 3):
        assert row[0] == str(expected.department)
        assert row[2] == expected.due
        assert list(row[3:12]) == [str(cell.label) for cell in expected.months[:MONTH]]
        assert row[12] == expected.months_behind(until=MONTH)
        for month, cell in enumerate(expected.months[:MONTH]):
            fill = ws.cell(row=index, column=4 + month).fill
            if cell.state == "on_time":
                assert fill.fgColor.rgb == "00" + progress.STATUS_COLOURS["done"][1:].upper()
