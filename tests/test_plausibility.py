"""Plausibility checks (数据合理性校验): every per-figure rule warns (a flagged figure is saved,
stored with its flags and submitted only with a 说明) or, declared blocking by the report's
CheckRule rows, refuses the figure; the same rules on every path through the gate."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from indicators import checks, workflow
from indicators.checks import figures, series
from indicators.models import (
    CheckRule,
    Department,
    EntryState,
    Indicator,
    Kind,
    ProgressEntry,
    Report,
    Section,
)
from projects.models import ProjectProgress
from reporting import monthly_excel

from .conftest import make_project, make_user, submit

MONTH = 7


def target(report, code="Q-01", *, unit="个", kind=Kind.CUMULATIVE, goal=2000, steps=(100,) * 6):
    """A target of 发改局 whose months 1.. are approved, rising by ``steps``."""
    indicator = Indicator.objects.create(
        report=report,
        section=Section.objects.filter(report=report).first(),
        code=code,
        name=f"校验目标{code}",
        unit=unit,
        kind=kind,
        target=Decimal(goal),
        lead_department=Department.objects.get(region=report.region, code="fgj"),
    )
    value = Decimal(0)
    for month, step in enumerate(steps, 1):
        value += Decimal(step)
        ProgressEntry.objects.create(
            indicator=indicator, month=month, value=value, state=EntryState.APPROVED
        )
    return indicator


# Each rule with a figure for month 7 that only it flags, after months 1-6 of 100 a month
# (600 by June; the annual target 2,000), and the words it says.
CASES = {
    checks.FALL: ({}, "500", "累计值500个低于6月已审核的600个"),
    checks.STEP: ({}, "3600", "本月增加3,000个，是以往每月增幅中位数（100）的30倍"),
    checks.OUTLIER: ({}, "1000", "本月增加400个，明显偏离今年以往各月的增幅（中位数100，偏离度8.1"),
    checks.BEYOND_TARGET: ({"steps": ()}, "6001", "填报值6,001个是年度目标（2,000个）的3倍"),
    checks.DECIMALS: ({}, "700.5", "700.5有1位小数，单位为“个”的数值应为整数"),
}


def entry_of(indicator, month=MONTH):
    return ProgressEntry.objects.filter(indicator=indicator, month=month).first()


def stored_rules(entry):
    return [flag["rule"] for flag in entry.flags]


@pytest.mark.parametrize("rule", list(CASES))
def test_each_rule_warns_a_draft_keeps_the_flag_and_submission_needs_a_note(report, fgj, rule):
    fields, typed, words = CASES[rule]
    indicator = target(report, **fields)
    entry = submit(fgj, indicator, MONTH, workflow.SAVE, value=Decimal(typed))
    assert stored_rules(entry) == [rule]
    (flag,) = checks.flags_of(entry)
    assert not flag.blocks and words in flag.message
    with pytest.raises(workflow.Refused) as refused:
        submit(fgj, indicator, MONTH)
    assert words in refused.value.reasons[0] and "请在“说明”中写明原因" in refused.value.reasons[0]
    assert entry_of(indicator).state == EntryState.DRAFT
    entry = submit(fgj, indicator, MONTH, explanation="已与统计局核对")
    assert (entry.state, entry.explanation) == ("submitted", "已与统计局核对")
    assert stored_rules(entry) == [rule]


@pytest.mark.parametrize("rule", list(CASES))
def test_each_rule_declared_blocking_refuses_the_figure(report, fgj, rule):
    fields, typed, words = CASES[rule]
    indicator = target(report, **fields)
    CheckRule.objects.create(report=report, rule=rule, blocking=True)
    for action in (workflow.SAVE, workflow.SUBMIT):
        with pytest.raises(workflow.Refused) as refused:
            submit(fgj, indicator, MONTH, action, value=Decimal(typed), explanation="确有其事")
        assert words in refused.value.reasons[0] and "不允许通过" in refused.value.reasons[0]
    assert entry_of(indicator) is None


def test_a_plausible_figure_is_not_flagged_and_needs_no_note(report, fgj):
    indicator = target(report)
    entry = submit(fgj, indicator, MONTH, value=Decimal(720))
    assert (entry.state, entry.flags) == ("submitted", [])


def test_steps_are_judged_only_with_enough_history(report, fgj):
    # Two approved months: too few steps to say what is usual.
    indicator = target(report, steps=(100, 100))
    entry = submit(fgj, indicator, 3, value=Decimal(1500))
    assert entry.flags == []


def test_steps_over_several_months_are_per_month(report, fgj):
    """Approved January, April and May: 300 over three months is a step of 100 a month, like
    the others; September's 4,500 over four months is 1,125 a month."""
    indicator = target(report, steps=(100,))
    for month, value in ((4, 400), (5, 500)):
        ProgressEntry.objects.create(
            indicator=indicator, month=month, value=Decimal(value), state=EntryState.APPROVED
        )
    assert submit(fgj, indicator, 8, value=Decimal(800)).flags == []
    entry = submit(fgj, indicator, 9, workflow.SAVE, value=Decimal(5000))
    assert stored_rules(entry) == [checks.STEP]
    assert checks.flags_of(entry)[0].message == (
        "比5月增加4,500个（月均1,125），是以往每月增幅中位数（100）的11.2倍"
    )


def test_a_target_of_zero_is_beyond_with_any_figure(report, fgj):
    """动态清零: a ceiling of 0 households; any figure above 0 is flagged."""
    households = target(report, unit="户", kind=Kind.CEILING, goal=0, steps=())
    assert submit(fgj, households, 1, workflow.SAVE, value=Decimal(0)).flags == []
    entry = submit(fgj, households, 1, workflow.SAVE, value=Decimal(2))
    assert checks.flags_of(entry)[0].message == "年度目标为0，填报值为2户"


def test_a_rate_may_fall_and_wobble_but_not_jump(report, fgj):
    rate = target(report, unit="%", kind=Kind.CEILING, goal=Decimal("4.5"), steps=())
    for month, value in enumerate(("4.0", "4.1", "4.2", "4.1"), 1):
        ProgressEntry.objects.create(
            indicator=rate, month=month, value=Decimal(value), state=EntryState.APPROVED
        )
    assert submit(fgj, rate, 5, workflow.SAVE, value=Decimal("3.9")).flags == []
    entry = submit(fgj, rate, 5, workflow.SAVE, value=Decimal("41"))  # 4.1 typed without its point
    assert stored_rules(entry) == [checks.STEP, checks.BEYOND_TARGET]


def test_decimals_follow_the_unit_and_a_rule_may_say_otherwise(report, fgj):
    land = target(report, unit="亩", steps=())
    assert submit(fgj, land, 1, workflow.SAVE, value=Decimal("10.25")).flags == []
    entry = submit(fgj, land, 1, workflow.SAVE, value=Decimal("10.255"))
    assert checks.flags_of(entry)[0].message == "10.255有3位小数，单位为“亩”的数值最多2位小数"
    CheckRule.objects.create(report=report, rule=checks.DECIMALS, indicator=land, parameter=0)
    entry = submit(fgj, land, 1, workflow.SAVE, value=Decimal("10.5"))
    assert "应为整数" in checks.flags_of(entry)[0].message
    unknown = target(report, "Q-02", unit="万吨", steps=())
    assert submit(fgj, unknown, 1, workflow.SAVE, value=Decimal("1.23456")).flags == []


def test_parameters_come_from_the_reports_rules_the_targets_own_first(report, fgj):
    indicator = target(report)
    other = target(report, "Q-02")

    def rules(subject, value):
        return stored_rules(submit(fgj, subject, MONTH, workflow.SAVE, value=Decimal(value)))

    CheckRule.objects.create(report=report, rule=checks.STEP, parameter=50)
    assert checks.STEP not in rules(indicator, 3600)  # 30 times: below k = 50
    CheckRule.objects.create(report=report, rule=checks.STEP, parameter=20, indicator=indicator)
    assert rules(indicator, 3600) == [checks.STEP]
    assert checks.STEP not in rules(other, 3600)
    CheckRule.objects.create(report=report, rule=checks.OUTLIER, parameter=10)
    assert rules(other, 1000) == []  # a z-score of 8.1: below 10
    CheckRule.objects.create(report=report, rule=checks.BEYOND_TARGET, parameter=Decimal("1.5"))
    entry = submit(fgj, other, MONTH, workflow.SAVE, value=Decimal(3100))
    assert "是年度目标（2,000个）的1.6倍，超过1.5倍" in checks.flags_of(entry)[-1].message


def test_a_rule_switched_off_is_not_run(report, fgj):
    indicator = target(report)
    CheckRule.objects.create(report=report, rule=checks.FALL, enabled=False)
    entry = submit(fgj, indicator, MONTH, workflow.SAVE, value=Decimal(500))
    # Not a fall any more: a step of -100 after steps of 100 is an outlier still.
    assert stored_rules(entry) == [checks.OUTLIER]
    CheckRule.objects.create(report=report, rule=checks.OUTLIER, enabled=False)
    entry = submit(fgj, indicator, MONTH, value=Decimal(500))
    assert (entry.state, entry.flags) == ("submitted", [])


def test_another_reports_rules_do_not_apply(report, fgj):
    other = Report.objects.create(region=report.region, year=2030, title="另一年")
    CheckRule.objects.create(report=other, rule=checks.FALL, blocking=True)
    indicator = target(report)
    entry = submit(fgj, indicator, MONTH, workflow.SAVE, value=Decimal(500))
    assert not checks.flags_of(entry)[0].blocks


def test_an_outlier_early_in_the_year_is_judged_against_last_years_series(report, fgj):
    """February has one step of this year: last year's series of the same code is the basis."""
    last = Report.objects.create(region=report.region, year=report.year - 1, title="上年报告")
    section = Section.objects.create(report=last, name="上年板块", order=1)
    before = Indicator.objects.create(
        report=last,
        section=section,
        code="Q-01",
        name="上年的同一目标",
        unit="个",
        kind=Kind.CUMULATIVE,
        target=Decimal(1200),
        lead_department=Department.objects.get(region=report.region, code="fgj"),
    )
    for month in range(1, 13):
        ProgressEntry.objects.create(
            indicator=before, month=month, value=Decimal(100 * month), state=EntryState.APPROVED
        )
    indicator = target(report, steps=(100,))
    assert submit(fgj, indicator, 2, workflow.SAVE, value=Decimal(210)).flags == []
    entry = submit(fgj, indicator, 2, workflow.SAVE, value=Decimal(600))
    assert stored_rules(entry) == [checks.OUTLIER]
    assert "明显偏离去年各月的增幅（中位数100" in checks.flags_of(entry)[0].message


# --- Projects -----------------------------------------------------------------------------------


def project_with_history(report, steps=(100,) * 6, **fields):
    project = make_project(report, **fields)
    value = Decimal(0)
    for month, step in enumerate(steps, 1):
        value += Decimal(step)
        ProjectProgress.objects.create(
            project=project, month=month, investment_completed=value, state=EntryState.APPROVED
        )
    return project


@pytest.mark.parametrize(
    ("typed", "rule", "words"),
    [
        ("500", checks.FALL, "累计值500万元低于6月已审核的600万元"),
        ("3600", checks.STEP, "本月增加3,000万元，是以往每月增幅中位数（100）的30倍"),
        ("30001", checks.BEYOND_TARGET, "累计完成投资30,001万元是本年计划投资（10,000万元）的3倍"),
        ("1000", None, ""),  # four times the usual step: no outlier rule for a project's year
    ],
)
def test_a_projects_investment_gets_the_rules_that_fit_it(report, fgj, typed, rule, words):
    project = project_with_history(report, steps=() if rule == checks.BEYOND_TARGET else (100,) * 6)
    row = submit(fgj, project, MONTH, workflow.SAVE, investment_completed=Decimal(typed))
    assert stored_rules(row) == ([rule] if rule else [])
    if rule:
        assert words in checks.flags_of(row)[0].message
        with pytest.raises(workflow.Refused):
            submit(fgj, project, MONTH)


def test_a_projects_decimals_rule_comes_from_the_report(report, fgj):
    project = project_with_history(report, steps=())
    CheckRule.objects.create(report=report, rule=checks.DECIMALS, parameter=0, blocking=True)
    with pytest.raises(workflow.Refused) as refused:
        submit(fgj, project, 1, workflow.SAVE, investment_completed=Decimal("10.5"))
    assert "单位为“万元”的数值应为整数" in refused.value.reasons[0]


# --- Flags are kept -----------------------------------------------------------------------------


def test_flags_and_explanation_are_kept_in_the_entrys_history(report, fgj, reviewer):
    indicator = target(report)
    submit(fgj, indicator, MONTH, workflow.SAVE, value=Decimal(500))
    submit(fgj, indicator, MONTH, workflow.SAVE, value=Decimal(650))
    entry = submit(fgj, indicator, MONTH, value=Decimal(500), explanation="6月多报了100")
    workflow.review(reviewer, [entry], workflow.APPROVE)
    history = list(entry.history.order_by("history_date", "history_id"))
    assert [(h.state, stored_rules(h), h.explanation) for h in history] == [
        ("draft", ["fall"], ""),
        ("draft", [], ""),
        ("submitted", ["fall"], "6月多报了100"),
        ("approved", ["fall"], "6月多报了100"),  # approval keeps what the figure was sent with
    ]
    assert checks.flags_of(history[0])[0].message == "累计值500个低于6月已审核的600个"


def test_a_draft_is_judged_again_against_a_month_approved_since(report, fgj):
    indicator = target(report, steps=(100,) * 5)
    entry = submit(fgj, indicator, MONTH, workflow.SAVE, value=Decimal(550))
    assert entry.flags == []
    ProgressEntry.objects.create(
        indicator=indicator, month=6, value=Decimal(600), state=EntryState.APPROVED
    )
    with pytest.raises(workflow.Refused) as refused:
        submit(fgj, indicator, MONTH)
    assert "低于6月已审核的600个" in refused.value.reasons[0]


# --- The monthly form -----------------------------------------------------------------------


URL = f"/report/2023/{MONTH}/"


def form_row(response, indicator):
    return response.content.decode().split(f'data-code="{indicator.code}"')[1].split("</tr>")[0]


def posted(indicator, action, value, explanation="", version=0):
    prefix = f"i{indicator.pk}"
    return {
        "action": action,
        "rows": prefix,
        f"{prefix}-value": value,
        f"{prefix}-note": "",
        f"{prefix}-problems": "",
        f"{prefix}-explanation": explanation,
        f"{prefix}-version": version,
    }


def test_the_form_shows_the_flag_beside_the_row_and_asks_for_the_note_on_submit(
    client, report, fgj
):
    indicator = target(report)
    client.force_login(fgj)
    assert 'class="flags"' not in form_row(client.get(URL), indicator)
    response = client.post(URL, posted(indicator, "submit", "3600"))
    row = form_row(response, indicator)
    assert "本月增加3,000个，是以往每月增幅中位数（100）的30倍" in row
    assert f'name="i{indicator.pk}-explanation"' in row
    assert entry_of(indicator) is None
    # A draft keeps it, and the page shows the flag under the stored figure.
    assert client.post(URL, posted(indicator, "save", "3600")).status_code == 302
    row = form_row(client.get(URL), indicator)
    assert 'class="flags"' in row and "是以往每月增幅中位数（100）的30倍" in row
    response = client.post(URL, posted(indicator, "submit", "3600", "新增大项目集中投产", 1))
    assert response.status_code == 302
    entry = entry_of(indicator)
    assert (entry.state, entry.explanation) == ("submitted", "新增大项目集中投产")
    # Read-only now: the flag and the 说明 stay beside the figure.
    row = re.sub(r"<[^>]+>", "", form_row(client.get(URL), indicator))
    assert "是以往每月增幅中位数（100）的30倍" in row and "说明：新增大项目集中投产" in row


def test_a_blocking_rule_refuses_the_row_in_the_form(client, report, fgj):
    indicator = target(report)
    CheckRule.objects.create(report=report, rule=checks.STEP, indicator=indicator, blocking=True)
    client.force_login(fgj)
    response = client.post(URL, posted(indicator, "save", "3600", "确有其事"))
    assert "该项校验不允许通过" in form_row(response, indicator)
    assert entry_of(indicator) is None


def test_a_figure_saved_with_its_note_is_not_asked_about_again(client, report, fgj):
    indicator = target(report)
    client.force_login(fgj)
    client.post(URL, posted(indicator, "save", "500", "6月多报了100"))
    response = client.post(URL, posted(indicator, "submit", "500", "6月多报了100", 1))
    assert response.status_code == 302
    assert entry_of(indicator).state == "submitted"


# --- The Excel import ---------------------------------------------------------------------------


def department_with_targets(report, count, code="C"):
    """A department leading ``count`` targets (``code``-0000, ...) approved to June at 100 a
    month, and its reporter."""
    department = Department.objects.create(
        region=report.region, name=f"校验测试局{code}", short_name=f"校验局{code}", code=code
    )
    user = make_user(f"t-checks-{code}", "reporter", department)
    section = Section.objects.filter(report=report).first()
    indicators = Indicator.objects.bulk_create(
        Indicator(
            report=report,
            section=section,
            code=f"{code}-{n:04d}",
            name=f"校验目标{n}",
            unit="个",
            kind=Kind.CUMULATIVE,
            target=5000,
            lead_department=department,
        )
        for n in range(count)
    )
    ProgressEntry.objects.bulk_create(
        ProgressEntry(indicator=i, kind=i.kind, month=m, value=100 * m, state=EntryState.APPROVED)
        for i in indicators
        for m in range(1, MONTH)
    )
    return user


def filled(user, report, values):
    """The month's template with ``values`` by code ((figure, 说明)); others at 700."""
    book = load_workbook(BytesIO(monthly_excel.monthly_template_bytes(user, report, MONTH)))
    sheet = book[monthly_excel.MONTHLY_SHEET]
    for row in range(3, sheet.max_row + 1):
        value, explanation = values.get(sheet.cell(row=row, column=1).value, (700, ""))
        sheet.cell(row=row, column=7).value = value
        sheet.cell(row=row, column=10).value = explanation
    out = BytesIO()
    book.save(out)
    return SimpleUploadedFile("月报.xlsx", out.getvalue())


def test_an_import_refuses_a_flagged_row_without_its_note_and_writes_nothing(report):
    user = department_with_targets(report, 3)
    checked = monthly_excel.import_monthly(
        user, report, MONTH, filled(user, report, {"C-0001": (3600, "")})
    )
    assert not checked.is_valid
    (problem,) = checked.problems
    assert "是以往每月增幅中位数（100）的30倍" in str(problem) and "J" in str(problem)
    explained = {"C-0001": (3600, "新项目投产")}
    checked = monthly_excel.import_monthly(user, report, MONTH, filled(user, report, explained))
    assert checked.is_valid
    assert monthly_excel.commit_monthly(user, checked) == 3
    entry = ProgressEntry.objects.get(indicator__code="C-0001", month=MONTH)
    assert (stored_rules(entry), entry.explanation) == (["step"], "新项目投产")


def test_a_row_refused_by_the_gate_at_commit_refuses_the_whole_import(report):
    """The rule is made blocking between the preview and the commit: the gate refuses that row,
    and no row of the file is written."""
    user = department_with_targets(report, 3)
    explained = {"C-0001": (3600, "新项目投产")}
    checked = monthly_excel.import_monthly(user, report, MONTH, filled(user, report, explained))
    assert checked.is_valid
    CheckRule.objects.create(report=report, rule=checks.STEP, blocking=True)
    with pytest.raises(workflow.WorkflowError) as refused:
        monthly_excel.commit_monthly(user, checked)
    assert "C-0001" in str(refused.value) and "未写入任何数据" in str(refused.value)
    assert not ProgressEntry.objects.filter(month=MONTH).exists()


def import_queries(report, count, code):
    """The queries of an import's preview and commit, with two flagged rows explained."""
    user = department_with_targets(report, count, code)
    explained = {f"{code}-0001": (3600, "新项目投产"), f"{code}-0002": (500, "核减")}
    upload = filled(user, report, explained)
    with CaptureQueriesContext(connection) as preview:
        checked = monthly_excel.import_monthly(user, report, MONTH, upload)
    assert checked.is_valid, checked.problems[:3]
    with CaptureQueriesContext(connection) as commit:
        assert monthly_excel.commit_monthly(user, checked) == count
    written = ProgressEntry.objects.filter(indicator__lead_department=user.department, month=MONTH)
    assert written.exclude(flags=[]).count() == 2
    return len(preview), len(commit)


def test_an_import_with_every_check_costs_the_same_queries_however_many_rows(report):
    assert import_queries(report, 30, "MANY") == import_queries(report, 5, "FEW")


def test_the_checks_load_in_a_fixed_number_of_queries(report):
    few = [target(report, f"F-{n}") for n in range(2)]
    many = [target(report, f"M-{n}") for n in range(12)]
    with CaptureQueriesContext(connection) as small:
        figures.load([(i, MONTH) for i in few])
    with CaptureQueriesContext(connection) as large:
        loaded = figures.load([(i, MONTH) for i in many])
    assert len(large) == len(small) <= 4
    assert loaded.points(many[0], MONTH)[-1] == (6, Decimal(600))


# --- The rules as pure functions ------------------------------------------------------------


def test_the_modified_z_score_is_robust_to_one_wild_step():
    steps = [Decimal(v) for v in (100, 90, 110, 5000, 105)]
    z, centre = series.modified_z(Decimal(120), steps)
    assert centre == 105 and abs(z) < 1
    z, _centre = series.modified_z(Decimal(600), steps)
    assert z > Decimal("3.5")


def test_the_admin_shows_an_entrys_flags(client, report, fgj, office):
    indicator = target(report)
    entry = submit(fgj, indicator, MONTH, workflow.SAVE, value=Decimal(500))
    client.force_login(office)
    page = client.get(f"/admin/indicators/progressentry/{entry.pk}/change/").content.decode()
    assert "校验提示" in page and "累计值500个低于6月已审核的600个" in page
