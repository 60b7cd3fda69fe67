"""Cross-target plausibility rules (issue 18, item 3): a part no larger than its total, projects
started no more than planned (计划数: the start count's own annual figure), a typed figure against
the register's sum; declared per report in the admin and on the report workbook's 校验规则 sheet,
and carried into next year's report."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import Action, AuditRecord
from indicators import checks, setup, workflow
from indicators.checks import cross
from indicators.models import CheckRule, Department, Indicator, Region, Report, Section
from indicators.xlsx import ExcelImportError, find_sheet
from projects.models import BuildType, Category, ProjectProgress, Stage

from .conftest import approve, make_project, make_user, submit

YEAR, MONTH = 2023, 5
PART, STARTED, SUM = checks.PART_OF_TOTAL, checks.STARTED_OVER_PLAN, checks.REGISTER_SUM


def target(report, code, *, unit="亿元", kind="cumulative", value=100, **fields):
    """A typed-in target of ``report`` led by 发改局."""
    return Indicator.objects.create(
        report=report,
        section=Section.objects.filter(report=report).first(),
        code=code,
        name=f"测试{code}",
        unit=unit,
        kind=kind,
        target=Decimal(value),
        lead_department=Department.objects.get(region=report.region, code="fgj"),
        **fields,
    )


def declare(report, rule, indicator, other=None, **fields):
    return CheckRule.objects.create(
        report=report, rule=rule, indicator=indicator, other=other, **fields
    )


def judge(subject, value, month=MONTH, subjects=None):
    """``subject``'s cross-target flags for ``value``, loaded as the gate would."""
    loaded = cross.load(subject.report, subjects or [subject], month)
    return cross.flags(subject, month, value, loaded)


def code(report, value):
    return Indicator.objects.get(report=report, code=value)


# --- A part no larger than its total ------------------------------------------------------------


@pytest.fixture
def part_and_total(report):
    total = target(report, "T-TOTAL", value=500)  # 固定资产投资
    part = target(report, "T-PART", value=200)  # of which 工业投资
    return part, total


@pytest.mark.parametrize("blocking", [False, True], ids=["warns", "blocks"])
def test_a_part_above_its_submitted_total_is_flagged(part_and_total, blocking):
    part, total = part_and_total
    declare(part.report, PART, part, total, blocking=blocking)
    approve(total, MONTH, 100)
    (flag,) = judge(part, Decimal(120))
    assert flag.rule == PART and flag.blocks is blocking
    assert cross.message(flag) == "T-PART 测试T-PART为120亿元，大于T-TOTAL 测试T-TOTAL的100亿元。"
    assert judge(part, Decimal(100)) == []  # equal is no finding


def test_a_total_typed_below_its_part_is_flagged_too(part_and_total):
    part, total = part_and_total
    declare(part.report, PART, part, total)
    approve(part, MONTH, 120)
    (flag,) = judge(total, Decimal(100))
    assert flag.params["part_value"] == "120" and flag.params["total_value"] == "100"


def test_the_total_is_its_submitted_or_approved_figure_of_the_same_month(part_and_total, fgj):
    part, total = part_and_total
    declare(part.report, PART, part, total)
    approve(total, MONTH - 1, 100)  # another month's figure is no figure of this month
    assert judge(part, Decimal(120)) == []
    submit(fgj, total, MONTH, action=workflow.SAVE, value=Decimal(100))  # a draft: not yet
    assert judge(part, Decimal(120)) == []
    submit(fgj, total, MONTH, value=Decimal(100))  # submitted: the total of the month
    assert [f.rule for f in judge(part, Decimal(120))] == [PART]


def test_a_part_and_its_total_in_one_write_are_judged_against_each_other(part_and_total):
    part, total = part_and_total
    declare(part.report, PART, part, total)
    approve(total, MONTH, 100)  # the write's own total wins over the stored one
    changes = [
        workflow.Change(part, MONTH, {"value": Decimal(120)}),
        workflow.Change(total, MONTH, {"value": Decimal(150)}),
    ]
    loaded = cross.load(part.report, changes, MONTH)
    assert cross.flags(part, MONTH, Decimal(120), loaded) == []
    loaded = cross.load(part.report, [(part, Decimal(120)), (total, Decimal(110))], MONTH)
    assert [f.rule for f in cross.flags(part, MONTH, Decimal(120), loaded)] == [PART]


def test_the_parameter_is_a_tolerance_in_percent_of_the_total(part_and_total):
    part, total = part_and_total
    declare(part.report, PART, part, total, parameter=Decimal(25))
    approve(total, MONTH, 100)
    assert judge(part, Decimal(125)) == []
    assert len(judge(part, Decimal("125.01"))) == 1


def test_a_disabled_rule_judges_nothing(part_and_total):
    part, total = part_and_total
    declare(part.report, PART, part, total, enabled=False)
    approve(total, MONTH, 100)
    assert judge(part, Decimal(900)) == []


# --- Projects started no more than planned -----------------------------------------------------


def new_project(report, code, **fields):
    return make_project(report, code=code, name=f"测试项目{code}", **fields)


@pytest.fixture
def plan_of_three(report):
    """PP-08 (new projects started this year) planned at 3: one started in February, one whose
    开工 for April waits for review, and two ready to start."""
    pp08 = code(report, "PP-08")
    pp08.target = Decimal(3)
    pp08.save()
    new_project(report, "N-1", stage=Stage.STARTED, start_date=datetime.date(YEAR, 2, 10))
    pending = new_project(report, "N-2")
    return pp08, pending, new_project(report, "N-3"), new_project(report, "N-4")


def start(day=datetime.date(YEAR, MONTH, 8)):
    return {"stage": Stage.STARTED, "stage_date": day, "investment_completed": Decimal(10)}


@pytest.mark.parametrize("blocking", [False, True], ids=["warns", "blocks"])
def test_a_start_beyond_the_plan_is_flagged(plan_of_three, fgj, blocking):
    pp08, pending, third, fourth = plan_of_three
    declare(pp08.report, STARTED, pp08, blocking=blocking)
    assert judge(third, start()) == []  # 1 counted + this one: 2 of 3
    submit(fgj, pending, 4, **start(datetime.date(YEAR, 4, 20)))  # submitted, not yet approved
    assert judge(third, start()) == []  # 3 of 3
    approve_third = submit(fgj, third, MONTH, **start())
    workflow.review(make_user("t-office-2", "reviewer"), [approve_third], workflow.APPROVE)
    (flag,) = judge(fourth, start())  # 1 + 1 pending + the third, approved + this one
    assert flag.rule == STARTED and flag.blocks is blocking
    assert flag.params["count"] == "4" and flag.params["plan"] == "3"
    assert cross.message(flag) == (
        "N-4 测试项目N-4开工后，PP-08 新建项目开工建设将达4个，超过计划数3个。"
    )


def test_a_project_row_its_stage_or_the_gates_change_all_say_a_start(plan_of_three, fgj):
    pp08, pending, third, fourth = plan_of_three
    declare(pp08.report, STARTED, pp08, parameter=Decimal(0))
    submit(fgj, pending, 4, **start(datetime.date(YEAR, 4, 20)))
    submit(fgj, third, MONTH, **start())
    row = ProjectProgress(project=fourth, month=MONTH, stage=Stage.STARTED)
    assert len(judge(fourth, row)) == 1
    assert len(judge(fourth, Stage.STARTED)) == 1
    change = workflow.Change(fourth, MONTH, start())
    loaded = cross.load(pp08.report, [change], MONTH)
    # The gate may pass the figure alone: the start comes from the change given to `load`.
    assert len(cross.flags(fourth, MONTH, Decimal(10), loaded)) == 1
    assert judge(fourth, {"stage": Stage.READY}) == []  # no start, no count moved
    assert judge(fourth, Decimal(10)) == []


def test_starts_in_one_write_count_together(plan_of_three):
    pp08, _pending, third, fourth = plan_of_three
    declare(pp08.report, STARTED, pp08)
    changes = [workflow.Change(p, MONTH, start()) for p in (_pending, third, fourth)]
    loaded = cross.load(pp08.report, changes, MONTH)
    counts = [cross.flags(p, MONTH, start(), loaded) for p in (_pending, third, fourth)]
    assert [[f.params["count"] for f in found] for found in counts] == [["4"]] * 3


def test_a_start_that_moves_no_count_is_not_judged(plan_of_three, report):
    pp08, _pending, _third, _fourth = plan_of_three
    declare(report, STARTED, pp08)
    pp08.target = Decimal(1)  # the one started in February fills the plan
    pp08.save()
    counted = report.projects.get(code="N-1")
    continuing = new_project(report, "C-1", build_type=BuildType.CONTINUING)
    preliminary_new = new_project(report, "Q-1", category=Category.PRELIMINARY)
    last_year = start(datetime.date(YEAR - 1, 12, 20))
    assert judge(counted, start()) == []  # counted already
    assert judge(continuing, start()) == []  # not a new project: PP-07's, not PP-08's
    assert judge(_pending, last_year) == []  # a start dated last year is not this year's
    assert len(judge(preliminary_new, start())) == 1  # PP-08 counts new projects of any kind


def test_the_plan_may_be_another_targets_annual_figure(plan_of_three, report):
    pp08, _pending, third, _fourth = plan_of_three
    plan = target(report, "T-PLAN", unit="个", value=1)
    declare(report, STARTED, pp08, plan)
    (flag,) = judge(third, start())
    assert flag.params["plan"] == "1"


# --- The register's sum ------------------------------------------------------------------------


@pytest.fixture
def invested(report):
    """A typed-in investment figure (亿元) beside PP-03, the register's sum of this year's
    investment by implementation projects: 50亿元 approved for April."""
    project = new_project(report, "I-1")
    ProjectProgress.objects.create(
        project=project, month=4, investment_completed=Decimal(500000), state="approved"
    )
    return target(report, "T-INV", value=80), code(report, "PP-03")


@pytest.mark.parametrize("blocking", [False, True], ids=["warns", "blocks"])
def test_a_figure_far_from_the_registers_sum_is_flagged(invested, blocking):
    typed, pp03 = invested
    declare(typed.report, SUM, typed, pp03, blocking=blocking)
    assert judge(typed, Decimal("52.5")) == []  # within the default 5 %
    (flag,) = judge(typed, Decimal(60))
    assert flag.rule == SUM and flag.blocks is blocking
    assert cross.message(flag) == (
        "T-INV 测试T-INV为60亿元，项目库合计（PP-03 实施类项目年度投资）为50亿元，"
        "相差20%，超过容差5%。"
    )
    assert len(judge(typed, Decimal(40))) == 1  # below it too


def test_the_registers_sum_tolerance_is_the_parameter(invested):
    typed, pp03 = invested
    declare(typed.report, SUM, typed, pp03, parameter=Decimal(25))
    assert judge(typed, Decimal(60)) == []


# --- Reading once ------------------------------------------------------------------------------


def test_load_costs_the_same_queries_for_ten_or_a_hundred_subjects(report, fgj):
    pp08 = code(report, "PP-08")
    total = target(report, "T-TOTAL", value=500)
    typed = target(report, "T-INV", value=80)
    parts = [target(report, f"T-P{n:03d}", value=1) for n in range(100)]
    for part in parts:
        declare(report, PART, part, total)
    declare(report, STARTED, pp08)
    declare(report, SUM, typed, code(report, "PP-03"))
    approve(total, MONTH, 100)
    projects = [new_project(report, f"N-{n:03d}") for n in range(100)]
    submit(fgj, projects[0], MONTH, **start())

    def queries(count):
        subjects = [(p, Decimal(2)) for p in parts[:count]]
        subjects += [(p, start()) for p in projects[:count]] + [(typed, Decimal(1))]
        with CaptureQueriesContext(connection) as captured:
            loaded = cross.load(report, subjects, MONTH)
        with CaptureQueriesContext(connection) as judging:
            for subject, value in subjects:
                cross.flags(subject, MONTH, value, loaded)
        assert len(judging) == 0
        return len(captured)

    assert queries(10) == queries(100) <= 4


def test_a_report_without_cross_rules_costs_one_query(report):
    declare(report, checks.STEP, None)
    subjects = list(report.indicators.all())
    with CaptureQueriesContext(connection) as captured:
        loaded = cross.load(report, subjects, MONTH)
    assert len(captured) == 1
    assert cross.flags(code(report, "LV-01"), MONTH, Decimal(5), loaded) == []


# --- The workbook's 校验规则 sheet -------------------------------------------------------------


def demo_rules(report):
    """The demo's rules, and one of each other cross-target rule on targets added for it."""
    from indicators.demo import ensure_check_rules

    ensure_check_rules(report)
    part, total = target(report, "T-PART"), target(report, "T-TOTAL")
    declare(report, PART, part, total, parameter=Decimal("0.5"), blocking=True, note="分项")
    typed = target(report, "T-INV")
    declare(report, SUM, typed, code(report, "PP-03"), parameter=Decimal(10), enabled=False)


def rule_rows(report):
    return sorted(
        (
            r.rule,
            r.indicator.code if r.indicator else "",
            r.other.code if r.other else "",
            r.parameter,
            r.blocking,
            r.enabled,
            r.note,
        )
        for r in CheckRule.objects.filter(report=report).select_related("indicator", "other")
    )


def workbook(report, rows=None, year=None):
    """``report``'s set-up workbook, its 校验规则 rows replaced by ``rows`` (None: as written) and
    its year set to ``year`` (None: kept)."""
    book = load_workbook(BytesIO(setup.report_setup_bytes(report)))
    if year is not None:
        for row in book[find_sheet(book, setup.REPORT_SHEET)].iter_rows(min_row=2):
            if row[0].value in ("年度", "Year"):
                row[1].value = year
    if rows is not None:
        sheet = book[find_sheet(book, setup.RULE_SHEET)]
        sheet.delete_rows(2, sheet.max_row)
        for row in rows:
            sheet.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def load(data):
    return setup.load_report_file(SimpleUploadedFile("报告.xlsx", data))


def test_the_sheet_round_trips(report):
    demo_rules(report)
    data = setup.report_setup_bytes(report)
    sheet = load_workbook(BytesIO(data))[setup.RULE_SHEET]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["规则", "目标编号", "对照目标编号", "参数", "阻止报送", "启用", "说明"]
    assert ["分项大于总数", "T-PART", "T-TOTAL", "0.5", "是", "是", "分项"] in rows
    assert ["与项目库不符", "T-INV", "PP-03", "10", "否", "否", None] in rows
    assert [
        "开工数超计划",
        "PP-08",
        None,
        None,
        "否",
        "是",
        "新建项目开工数不超过报告所列51个",
    ] in rows
    counts = load(workbook(report, year=2030))
    copy = counts["report"]
    assert copy.year == 2030 and copy.state == Report.State.PREPARING
    assert rule_rows(copy) == rule_rows(report) and len(rule_rows(copy)) == 9
    assert all(r.indicator.report_id == copy.pk for r in copy.check_rules.exclude(indicator=None))
    history = CheckRule.history.count()
    again = load(workbook(report, year=2030))
    assert (again["created"], again["updated"], again.get("deleted", 0)) == (0, 0, 0)
    assert CheckRule.history.count() == history


def test_loading_the_sheet_replaces_the_reports_rules(report):
    demo_rules(report)
    copy = load(workbook(report, year=2030))["report"]
    kept = CheckRule.objects.get(report=copy, rule=PART)
    counts = load(workbook(report, [["分项大于总数", "T-PART", "T-TOTAL", "0.5", "是", "", "分项"],
                                    ["part_of_total", "T-INV", "T-TOTAL", "", "", "否", ""]],
                           year=2030))  # fmt: skip
    assert counts["deleted"] == 8 and counts["created"] == 1
    assert CheckRule.objects.filter(report=copy).count() == 2
    assert CheckRule.objects.filter(pk=kept.pk).exists()  # the same rule, kept as it was
    added = CheckRule.objects.get(report=copy, indicator__code="T-INV")
    assert (added.rule, added.blocking, added.enabled, added.parameter) == (
        PART,
        False,
        False,
        None,
    )


def test_a_workbook_without_the_sheet_leaves_the_rules_alone(report):
    demo_rules(report)
    copy = load(workbook(report, year=2030))["report"]
    book = load_workbook(BytesIO(setup.report_setup_bytes(copy)))
    del book[setup.RULE_SHEET]
    out = BytesIO()
    book.save(out)
    load(out.getvalue())
    assert rule_rows(copy) == rule_rows(report)


@pytest.mark.parametrize("blocking", ["否", "是"])
def test_each_rule_declared_in_the_workbook_warns_or_blocks_as_declared(report, blocking):
    target(report, "T-PART"), target(report, "T-TOTAL"), target(report, "T-INV")
    rows = [
        ["分项大于总数", "T-PART", "T-TOTAL", "", blocking, "", ""],
        ["开工数超计划", "PP-08", "", "", blocking, "", ""],
        ["与项目库不符", "T-INV", "PP-03", "", blocking, "", ""],
    ]
    copy = load(workbook(report, rows, year=2030))["report"]
    Report.objects.filter(pk=copy.pk).update(state=Report.State.ACTIVE)
    copy.refresh_from_db()
    approve(code(copy, "T-TOTAL"), MONTH, 100)
    pp08 = code(copy, "PP-08")
    pp08.target = Decimal(1)  # filled by the one started in February
    pp08.save()
    new_project(copy, "N-0", stage=Stage.STARTED, start_date=datetime.date(2030, 2, 1))
    project = new_project(copy, "N-1")
    ProjectProgress.objects.create(
        project=new_project(copy, "I-1"), month=MONTH, investment_completed=Decimal(10000),
        state="approved",
    )  # fmt: skip
    found = [
        *judge(code(copy, "T-PART"), Decimal(120)),
        *judge(project, start(datetime.date(2030, MONTH, 8))),
        *judge(code(copy, "T-INV"), Decimal(5)),
    ]
    assert [(f.rule, f.blocks) for f in found] == [
        (PART, blocking == "是"),
        (STARTED, blocking == "是"),
        (SUM, blocking == "是"),
    ]


def test_every_bad_row_is_refused_with_one_message_and_nothing_is_loaded(report):
    target(report, "T-PART"), target(report, "T-TOTAL"), target(report, "T-INV")
    target(report, "T-HU", unit="户"), target(report, "T-PCT", unit="%")
    rows = [
        ["分项大于总数", "T-PART", "T-TOTAL", "", "", "", "好的一行"],  # 2: fine
        ["分项等于总数", "T-PART", "T-TOTAL", "", "", "", ""],  # 3: unknown rule
        ["分项大于总数", "T-NONE", "T-TOTAL", "", "", "", ""],  # 4: unknown code
        ["分项大于总数", "T-PART", "", "", "", "", ""],  # 5: a part without its total
        ["与项目库不符", "T-INV", "PP-03", "-5", "", "", ""],  # 6: a negative parameter
        ["开工数超计划", "PP-01", "", "", "", "", ""],  # 7: not a start count
        ["与项目库不符", "PP-03", "PP-02", "", "", "", ""],  # 8: a derived figure
        ["分项大于总数", "T-HU", "T-TOTAL", "", "", "", ""],  # 9: two units
        ["增幅异常", "LV-01", "LV-02", "", "", "", ""],  # 10: a compared target on one figure
        ["分项大于总数", "T-INV", "T-TOTAL", "", "也许", "", ""],  # 11: neither 是 nor 否
        ["分项大于总数", "T-PART", "T-TOTAL", "1", "", "", ""],  # 12: row 2 again
        ["分项大于总数", "PP-03", "PP-02", "", "", "", ""],  # 13: both from the register
        ["分项大于总数", "LV-02", "T-PCT", "", "", "", ""],  # 14: a rate is no part
    ]
    data = workbook(report, rows, year=2030)
    with pytest.raises(ExcelImportError) as refused:
        load(data)
    problems = refused.value.problems
    assert {p.sheet for p in problems} == {"校验规则"}
    assert [p.row for p in problems] == list(range(3, 15)), [str(p) for p in problems]
    said = {p.row: (p.header, p.message) for p in problems}
    assert said[3][0] == "规则" and "未知的规则“分项等于总数”" in said[3][1]
    assert said[4] == ("目标编号", "目标编号“T-NONE”不在“目标任务”表中。")
    assert said[5] == ("对照目标编号", "“分项大于总数”须填写对照目标（总数）。")
    assert said[6] == ("参数", "参数不能为负数。")
    assert said[7][0] == "目标编号" and "不是由项目库计算的开工项目个数" in said[7][1]
    assert said[8][0] == "目标编号" and "由项目库计算" in said[8][1]
    assert said[9][0] == "对照目标编号" and "（户）" in said[9][1] and "（亿元）" in said[9][1]
    assert said[10][0] == "对照目标编号" and "只有跨目标规则" in said[10][1]
    assert said[11][0] == "阻止报送"
    assert said[12] == ("规则", "与第2行重复。")
    assert said[13][1] == "两个目标都由项目库计算，无需校验，请删去这条规则。"
    assert said[14][0] == "目标编号" and "控制型" in said[14][1]
    assert not Report.objects.filter(year=2030).exists()


def test_an_english_sheet_is_read(report):
    from django.utils import translation

    demo_rules(report)
    with translation.override("en"):
        data = workbook(report, year=2030)
    copy = load(data)["report"]
    assert rule_rows(copy) == rule_rows(report)


# --- Next year -----------------------------------------------------------------------------------


def test_next_year_starts_with_this_years_rules_on_its_own_targets(report):
    demo_rules(report)
    copy = setup.start_from(report, None)
    assert rule_rows(copy) == rule_rows(report)
    named = CheckRule.objects.filter(report=copy).exclude(indicator=None)
    assert {r.indicator.report_id for r in named} == {copy.pk}
    assert {r.other.report_id for r in named if r.other} == {copy.pk}


def test_the_demo_declares_its_rules_in_both_years(db):
    from reporting.demo import load_demo

    result = load_demo()
    for report in (result["report"], result["next_year"]):
        rules = rule_rows(report)
        assert [(r[0], r[1]) for r in rules if r[0] in cross.CROSS_RULES] == [
            (STARTED, "PP-07"),
            (STARTED, "PP-08"),
        ]
        assert {r[0] for r in rules} == set(checks.RULES) - {PART, SUM}


# --- The admin -----------------------------------------------------------------------------------


@pytest.fixture
def county_b(report):
    """鹿寨县 with its own published report, one target and its office."""
    region = Region.objects.create(name="鹿寨县", code="450223")
    b_report = Report.objects.create(
        region=region, year=YEAR, title="2023年鹿寨县政府工作报告", state=Report.State.ACTIVE
    )
    section = Section.objects.create(report=b_report, name="民生事业", order=1)
    department = Department.objects.create(region=region, code="czj", name="鹿寨财政处")
    Indicator.objects.create(
        report=b_report, section=section, code="LZ-01", name="鹿寨财政收入", kind="cumulative",
        target=Decimal(100), unit="亿元", lead_department=department,
    )  # fmt: skip
    office = make_user("lz-office", "reviewer", region=region)
    office.is_staff = True
    office.save()
    return b_report, office


def form_data(rule, indicator, other=None, **fields):
    return {
        "report": indicator.report_id,
        "rule": rule,
        "indicator": indicator.pk,
        "other": other.pk if other else "",
        "parameter": "",
        "enabled": "on",
        "note": "",
        **fields,
    }


def test_the_office_declares_a_rule_in_the_admin(client, office, part_and_total):
    part, total = part_and_total
    client.force_login(office)
    response = client.post(
        reverse("admin:indicators_checkrule_add"), form_data(PART, part, total, blocking="on")
    )
    assert response.status_code == 302, response.content.decode()
    rule = CheckRule.objects.get()
    assert (rule.indicator, rule.other, rule.blocking) == (part, total, True)
    recorded = AuditRecord.objects.get(action=Action.CREATED, object_label="indicators.CheckRule")
    assert recorded.object_id == str(rule.pk) and recorded.actor_id == office.pk
    assert recorded.detail["fields"]["blocking"] is True
    assert client.get(reverse("admin:indicators_checkrule_changelist")).status_code == 200


def test_the_admins_form_refuses_what_the_workbook_refuses(client, office, report, county_b):
    client.force_login(office)
    url = reverse("admin:indicators_checkrule_add")
    part = target(report, "T-PART")
    response = client.post(url, form_data(PART, part))
    assert "“分项大于总数”须填写对照目标（总数）。" in response.content.decode()
    response = client.post(url, form_data(PART, part, code(report, "LV-01"), parameter="-1"))
    page = response.content.decode()
    assert "参数不能为负数。" in page
    b_target = Indicator.objects.get(code="LZ-01")
    response = client.post(url, form_data(SUM, part, b_target))
    assert response.status_code == 200  # another region's target is no choice
    assert not CheckRule.objects.exists()


def test_another_countys_office_neither_sees_nor_changes_this_countys_rules(
    client, part_and_total, county_b
):
    part, total = part_and_total
    rule = declare(part.report, PART, part, total, note="柳城县分项规则")
    _b_report, b_office = county_b
    client.force_login(b_office)
    listing = client.get(reverse("admin:indicators_checkrule_changelist")).content.decode()
    assert "T-PART" not in listing and "柳城县" not in listing
    for view in ("change", "history", "delete"):
        url = reverse(f"admin:indicators_checkrule_{view}", args=[rule.pk])
        assert client.get(url).status_code == 404
        client.post(url, {"post": "yes", **form_data(STARTED, part)})
    response = client.post(reverse("admin:indicators_checkrule_add"), form_data(PART, part, total))
    assert response.status_code == 200  # 柳城县's report is no choice of 鹿寨县's office
    rule.refresh_from_db()
    assert (rule.rule, rule.note) == (PART, "柳城县分项规则")
    assert CheckRule.objects.count() == 1


def test_the_targets_autocomplete_offers_the_offices_own_targets(client, report, county_b):
    b_report, b_office = county_b
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    Region.objects.filter(pk__in=[report.region_id, b_report.region_id]).update(parent=city)
    b_office.region = city  # now the city's office: it reads both counties, sets up its own
    b_office.save()
    client.force_login(b_office)
    query = {
        "app_label": "indicators",
        "model_name": "checkrule",
        "field_name": "indicator",
        "term": "",
    }
    assert client.get(reverse("admin:autocomplete"), query).json()["results"] == []
    # The indicators' own list still shows the counties' targets it reads.
    page = client.get(reverse("admin:indicators_indicator_changelist")).content.decode()
    assert "LZ-01" in page
    b_office.region = b_report.region
    b_office.save()
    found = client.get(reverse("admin:autocomplete"), query).json()["results"]
    assert [row["text"] for row in found] == ["LZ-01 鹿寨财政收入"]


def test_an_archived_reports_rules_are_read_only(client, office, part_and_total):
    part, total = part_and_total
    rule = declare(part.report, PART, part, total)
    Report.objects.filter(pk=part.report_id).update(state=Report.State.ARCHIVED)
    client.force_login(office)
    url = reverse("admin:indicators_checkrule_change", args=[rule.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="parameter"' not in page.content.decode()
    client.post(url, form_data(PART, part, total, parameter="9"))
    client.post(reverse("admin:indicators_checkrule_delete", args=[rule.pk]), {"post": "yes"})
    rule.refresh_from_db()
    assert rule.parameter is None
    response = client.post(reverse("admin:indicators_checkrule_add"), form_data(STARTED, part))
    assert response.status_code == 200 and CheckRule.objects.count() == 1


def test_a_report_in_preparation_hides_its_rules_from_a_citys_office(client, report):
    nxt = Report.objects.create(region=report.region, year=YEAR + 1, title="2024年筹备报告")
    section = Section.objects.create(report=nxt, name="筹备篇", order=1)
    new = Indicator.objects.create(
        report=nxt, section=section, code="NY-01", name="筹备目标", kind="cumulative",
        target=Decimal(1), unit="个", lead_department=Department.objects.get(code="fgj"),
    )  # fmt: skip
    rule = declare(nxt, checks.STEP, new, note="筹备规则")
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    Region.objects.filter(pk=report.region_id).update(parent=city)
    city_office = make_user("lzs-office", "reviewer", region=city)
    city_office.is_staff = True
    city_office.save()
    client.force_login(city_office)
    url = reverse("admin:indicators_checkrule_change", args=[rule.pk])
    assert client.get(url).status_code == 404
    listing = client.get(reverse("admin:indicators_checkrule_changelist")).content.decode()
    assert "筹备规则" not in listing and "NY-01" not in listing


def test_a_rule_its_targets_no_longer_fit_judges_nothing(plan_of_three, part_and_total):
    """Rules written before their targets changed (or straight into the database) are skipped,
    never a crash at the gate."""
    _pp08, _pending, third, _fourth = plan_of_three
    part, total = part_and_total
    report = part.report
    declare(report, STARTED, code(report, "LV-01"))  # a typed count, not the register's
    declare(report, SUM, part, None)  # no register target to compare with
    declare(report, PART, part, total)
    approve(total, MONTH, 100)
    Indicator.objects.filter(pk=total.pk).update(unit="万元")  # no longer the part's unit
    assert judge(third, start()) == []
    assert judge(part, Decimal(900)) == []
