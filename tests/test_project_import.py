"""The register workbook: projects set up and monthly investment loaded all or nothing, with
the monthly form's own rules."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from indicators.models import EntryState, RegisterRule
from indicators.xlsx import ExcelImportError
from projects.excel import (
    EXPLANATION,
    MONTHLY_HEADERS,
    MONTHLY_SHEET,
    SETUP_HEADERS,
    SETUP_SHEET,
)
from projects.excel import load_register_file as load
from projects.models import Project, ProjectProgress, Stage
from projects.register import derived_values

SETUP_ROWS = [
    ["T-001", "测试道路项目", "实施类", "新建", "具备开工条件", "", "", "12000", "3000", "zjj",
     "交通提升工程", "", "", ""],
    ["T-002", "测试厂房项目", "implementation", "续建", "已开工", "2022-05-01", "", "8,000.5",
     "2000", "县发展和改革局", "产业振兴工程", "是", "2023/2/18", "广东深圳"],
    ["T-003", "测试前期项目", "前期类", "新建", "", "", "", "5000", "", "发改局", "", "", "", ""],
]  # fmt: skip


def workbook(setup=None, monthly=None):
    book = Workbook()
    book.remove(book.active)
    for name, headers, rows in (
        (SETUP_SHEET, SETUP_HEADERS, setup),
        (MONTHLY_SHEET, [*MONTHLY_HEADERS, EXPLANATION], monthly),
    ):
        if rows is None:
            continue
        sheet = book.create_sheet(name)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    out = BytesIO()
    book.save(out)
    return SimpleUploadedFile("register.xlsx", out.getvalue())


def problems(error):
    return [str(p) for p in error.value.problems]


def test_setup_creates_projects_and_loading_twice_changes_nothing(report, reviewer):
    counts = load(workbook(SETUP_ROWS), report, reviewer)
    assert counts["created"] == 3
    factory = Project.objects.get(report=report, code="T-002")
    assert factory.total_investment == Decimal("8000.5")
    assert factory.lead_department.code == "fgj"
    assert factory.stage == Stage.STARTED
    assert factory.start_date == datetime.date(2022, 5, 1)
    assert factory.signed_on == datetime.date(2023, 2, 18)
    assert factory.history.first().history_user == reviewer
    preliminary = Project.objects.get(report=report, code="T-003")
    assert (preliminary.stage, preliminary.planned_investment) == (Stage.PLANNED, 0)
    again = load(workbook(SETUP_ROWS), report, reviewer)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_setup_updates_a_project_with_history(report, reviewer):
    load(workbook(SETUP_ROWS), report, reviewer)
    rows = [list(SETUP_ROWS[0])]
    rows[0][8] = "3500"
    assert load(workbook(rows), report, reviewer)["updated"] == 1
    road = Project.objects.get(report=report, code="T-001")
    assert road.planned_investment == 3500
    assert road.history.first().prev_record.planned_investment == 3000


def test_any_problem_refuses_the_whole_workbook_and_lists_every_one(report, reviewer):
    rows = [list(r) for r in SETUP_ROWS]
    rows[0][2] = "其他类"  # unknown category
    rows[1][9] = "不存在的局"  # unknown department
    rows[2][7] = "-5"  # negative investment
    with pytest.raises(ExcelImportError) as error:
        load(workbook(rows), report, reviewer)
    found = problems(error)
    assert len(found) == 3
    assert "工作表“项目库”第2行C列（类别）" in found[0]
    assert "第3行J列（牵头单位）" in found[1]
    assert "第4行H列（总投资（万元））" in found[2] and "不能为负数" in found[2]
    assert not Project.objects.filter(report=report, code__startswith="T-").exists()


def test_setup_checks_dates_and_stages(report, reviewer):
    rows = [list(SETUP_ROWS[0]), list(SETUP_ROWS[1])]
    rows[0][4] = "已竣工"  # completed, but no dates
    rows[1][6] = "2021-01-01"  # completion before the start
    with pytest.raises(ExcelImportError) as error:
        load(workbook(rows), report, reviewer)
    text = "\n".join(problems(error))
    assert "须填写开工日期" in text and "须填写竣工日期" in text
    assert "竣工日期不能早于开工日期" in text


def test_monthly_rows_are_submitted_for_review(report, reviewer):
    load(workbook(SETUP_ROWS), report, reviewer)
    monthly = [["T-002", 9, "1500", "", "", "主体封顶", "", ""]]
    assert load(workbook(monthly=monthly), report, reviewer)["progress"] == 1
    row = ProjectProgress.objects.get(project__code="T-002", month=9)
    assert row.state == EntryState.SUBMITTED
    assert row.investment_completed == 1500
    assert row.physical_progress == "主体封顶"


def test_an_approved_load_moves_the_register_and_derived_targets(report, reviewer):
    before = derived_values(report, 9)[RegisterRule.NEW_STARTED]
    monthly = [
        ["T-001", 8, "0", "", "", "", "", ""],
        ["T-001", 9, "800", "已开工", "2023-09-08", "路基施工", "", ""],
    ]
    counts = load(workbook(SETUP_ROWS, monthly), report, reviewer, approve=True)
    assert (counts["created"], counts["progress"]) == (3, 2)
    road = Project.objects.get(report=report, code="T-001")
    assert (road.stage, road.start_date) == (Stage.STARTED, datetime.date(2023, 9, 8))
    assert derived_values(report, 9)[RegisterRule.NEW_STARTED] == before + 1
    assert derived_values(report, 8)[RegisterRule.NEW_STARTED] == before


def test_monthly_rows_pass_the_monthly_forms_rules(report, reviewer):
    load(workbook(SETUP_ROWS), report, reviewer)
    monthly = [
        ["T-001", 9, "-3", "", "", "", "", ""],
        ["T-002", 9, "9000", "", "", "", "", ""],  # over 3x the plan of 2000, no 说明
        ["T-002", 10, "9000", "具备开工条件", "", "", "", ""],  # backwards
        ["T-003", 13, "1", "", "", "", "", ""],
        ["T-999", 9, "1", "", "", "", "", ""],
    ]
    with pytest.raises(ExcelImportError) as error:
        load(workbook(monthly=monthly), report, reviewer)
    text = "\n".join(problems(error))
    assert "第2行C列" in text and "不能为负数" in text
    assert "3倍" in text
    assert "只能向前推进" in text
    assert "月份须为1到12的整数" in text
    assert "没有项目“T-999”" in text
    assert not ProjectProgress.objects.filter(project__report=report).exists()
    explained = [["T-002", 9, "9000", "", "", "", "", "含上年结转投资"]]
    assert load(workbook(monthly=explained), report, reviewer)["progress"] == 1
    row = ProjectProgress.objects.get(project__code="T-002")
    assert row.explanation == "含上年结转投资"
    assert [flag["rule"] for flag in row.flags] == ["beyond_target"]


def test_an_approved_month_cannot_be_overwritten(report, reviewer):
    load(workbook(SETUP_ROWS), report, reviewer)
    monthly = [["T-002", 9, "1500", "", "", "", "", ""]]
    load(workbook(monthly=monthly), report, reviewer, approve=True)
    with pytest.raises(ExcelImportError) as error:
        load(workbook(monthly=monthly), report, reviewer)
    assert "审核通过，不能再修改" in problems(error)[0]


def test_formulas_are_refused(report, reviewer):
    rows = [list(SETUP_ROWS[0])]
    rows[0][7] = "=1000*12"
    with pytest.raises(ExcelImportError) as error:
        load(workbook(rows), report, reviewer)
    assert "不接受公式" in problems(error)[0]


def test_a_file_that_is_not_a_workbook_is_refused(report, reviewer):
    fake = SimpleUploadedFile("register.xlsx", b"code,name\nT-001,x\n")
    with pytest.raises(ExcelImportError):
        load(fake, report, reviewer)


def test_a_workbook_without_register_sheets_is_refused(report, reviewer):
    book = Workbook()
    out = BytesIO()
    book.save(out)
    with pytest.raises(ExcelImportError) as error:
        load(SimpleUploadedFile("x.xlsx", out.getvalue()), report, reviewer)
    assert "项目库" in problems(error)[0]


def test_load_register_command(report, reviewer, tmp_path, capsys):
    path = tmp_path / "register.xlsx"
    path.write_bytes(workbook(SETUP_ROWS).read())
    call_command("load_register", str(path), "--year", "2023", "--user", "t-reviewer", "--check")
    assert not Project.objects.filter(code="T-001").exists()
    call_command("load_register", str(path), "--year", "2023", "--user", "t-reviewer")
    assert "projects created 3" in capsys.readouterr().out
    assert Project.objects.filter(report=report, code__startswith="T-").count() == 3


def test_load_register_command_lists_problems(report, reviewer, tmp_path):
    rows = [list(SETUP_ROWS[0])]
    rows[0][2] = "其他类"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(rows).read())
    with pytest.raises(CommandError, match="1 problems"):
        call_command("load_register", str(path), "--user", "t-reviewer")
