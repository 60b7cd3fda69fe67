"""Register-derived targets (PP-01…PP-09, IP-01): each equals an independent count or sum over
the register at any month, follows approvals only, and the project list behind its link shows
the same number in its totals row."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from indicators import workflow
from indicators.models import EntryState, Indicator, RegisterRule
from indicators.progress import month_end
from indicators.workflow import APPROVE, REOPEN
from projects.demo import ensure_register
from projects.models import BuildType, Category, Project, ProjectProgress, Stage
from projects.register import derived_values, list_url, monthly_investment
from reporting.standing import judged

from .conftest import submit
from .test_projects import register_built_once

MONTHS = (1, 3, 6, 9, 12)
COUNT_RULES = {
    RegisterRule.IMPLEMENTATION_COUNT,
    RegisterRule.PRELIMINARY_COUNT,
    RegisterRule.CONTINUING_UNDERWAY,
    RegisterRule.NEW_STARTED,
    RegisterRule.COMPLETED,
    RegisterRule.PROMOTED_SIGNED,
}
TOTAL_RULES = {RegisterRule.IMPLEMENTATION_TOTAL, RegisterRule.PRELIMINARY_TOTAL}
YEAR_RULES = {RegisterRule.IMPLEMENTATION_YEAR, RegisterRule.PRELIMINARY_YEAR}


@pytest.fixture(scope="module")
def demo_register(django_db_setup, django_db_blocker):
    with register_built_once(django_db_blocker):
        yield


@pytest.fixture
def register(demo_register, report):
    return report


# --- An independent reading of the register: plain Python over Project objects ------------------
def members(report, month):
    """The projects behind each rule as of ``month``, by reading every project one by one."""
    start = datetime.date(report.year, 1, 1)
    end = month_end(report.year, month)
    projects = list(Project.objects.filter(report=report))

    def within(day):
        return day is not None and start <= day <= end

    implementation = [p for p in projects if p.category == Category.IMPLEMENTATION]
    preliminary = [p for p in projects if p.category == Category.PRELIMINARY]
    return {
        RegisterRule.IMPLEMENTATION_COUNT: implementation,
        RegisterRule.IMPLEMENTATION_TOTAL: implementation,
        RegisterRule.IMPLEMENTATION_YEAR: implementation,
        RegisterRule.PRELIMINARY_COUNT: preliminary,
        RegisterRule.PRELIMINARY_TOTAL: preliminary,
        RegisterRule.PRELIMINARY_YEAR: preliminary,
        RegisterRule.CONTINUING_UNDERWAY: [
            p
            for p in implementation
            if p.build_type == BuildType.CONTINUING and p.start_date and p.start_date <= end
        ],
        RegisterRule.NEW_STARTED: [
            p for p in projects if p.build_type == BuildType.NEW and within(p.start_date)
        ],
        RegisterRule.COMPLETED: [p for p in projects if within(p.completion_date)],
        RegisterRule.PROMOTED_SIGNED: [
            p for p in projects if p.is_promoted and within(p.signed_on)
        ],
    }


def invested_by_project(report, month):
    """Each project's investment this year as of ``month``: its latest approved row <= month."""
    latest = {}
    for row in ProjectProgress.objects.filter(project__report=report):
        if row.state != EntryState.APPROVED or row.month > month:
            continue
        if row.project_id not in latest or latest[row.project_id][0] < row.month:
            latest[row.project_id] = (row.month, row.investment_completed)
    return {pk: value for pk, (_month, value) in latest.items()}


def independent(report, month):
    invested = invested_by_project(report, month)
    values = {}
    for rule, projects in members(report, month).items():
        if rule in COUNT_RULES:
            values[rule] = Decimal(len(projects))
        elif rule in TOTAL_RULES:
            values[rule] = sum((p.total_investment for p in projects), Decimal(0)) / 10000
        else:
            amounts = [invested[p.pk] for p in projects if p.pk in invested]
            values[rule] = sum(amounts, Decimal(0)) / 10000 if amounts else None
    return values


def dashboard_values(report, month):
    return {i.register_rule: i.progress.actual for i in judged(report, month) if i.register_rule}


# --- Derived values ------------------------------------------------------------------------------
def test_every_rule_has_a_target_in_the_2023_report(report):
    rules = set(
        Indicator.objects.filter(report=report)
        .exclude(register_rule="")
        .values_list("register_rule", flat=True)
    )
    assert rules == set(RegisterRule.values)


@pytest.mark.parametrize("month", MONTHS)
def test_derived_values_equal_an_independent_reading_of_the_register(register, month):
    expected = independent(register, month)
    assert derived_values(register, month) == expected
    assert dashboard_values(register, month) == expected


def test_the_demo_register_matches_the_report_at_year_end(register):
    values = derived_values(register, 12)
    assert values[RegisterRule.IMPLEMENTATION_COUNT] == 153
    assert values[RegisterRule.IMPLEMENTATION_TOTAL] == Decimal("392.73")
    assert values[RegisterRule.PRELIMINARY_COUNT] == 182
    assert values[RegisterRule.PRELIMINARY_TOTAL] == Decimal("480.1")
    assert values[RegisterRule.CONTINUING_UNDERWAY] == 46


def test_year_investment_has_no_data_before_any_approval(report, reviewer):
    ensure_register(report, reviewer)
    ProjectProgress.objects.filter(project__report=report).update(state=EntryState.SUBMITTED)
    values = derived_values(report, 9)
    assert values[RegisterRule.IMPLEMENTATION_YEAR] is None
    assert values[RegisterRule.IMPLEMENTATION_COUNT] == 153
    assert independent(report, 9) == values


def test_monthly_curve_takes_the_derived_value_month_by_month(register):
    curve = monthly_investment(register, 9)
    for month in range(1, 10):
        values = derived_values(register, month)
        assert curve[Category.IMPLEMENTATION][month - 1] == values[RegisterRule.IMPLEMENTATION_YEAR]
        assert curve[Category.PRELIMINARY][month - 1] == values[RegisterRule.PRELIMINARY_YEAR]


# --- Derived values follow approvals, and only approvals -----------------------------------------
def ready_new_project(report):
    return Project.objects.filter(
        report=report, build_type=BuildType.NEW, stage=Stage.READY, start_date__isnull=True
    ).first()


def report_progress(project, month, user, **fields):
    # A stand-in figure (below the months approved before: flagged, so it goes with its 说明).
    fields = {"investment_completed": Decimal(1), "explanation": "测试用数值", **fields}
    return submit(user, project, month, **fields)


def test_a_start_counts_once_approved_and_from_its_month(register, fgj, reviewer):
    project = ready_new_project(register)
    ProjectProgress.objects.filter(project=project, month__gte=10).delete()
    before = {m: derived_values(register, m) for m in (9, 10, 12)}

    row = report_progress(project, 10, reviewer, stage=Stage.STARTED, physical_progress="已开工")
    assert derived_values(register, 10) == before[10]  # submitted is not approved

    workflow.review(reviewer, [row], APPROVE)
    project.refresh_from_db()
    assert project.stage == Stage.STARTED
    assert project.start_date == datetime.date(register.year, 10, 31)
    for month in (9, 10, 12):
        values = derived_values(register, month)
        assert values == independent(register, month)
        assert dashboard_values(register, month) == values
    started = {m: derived_values(register, m)[RegisterRule.NEW_STARTED] for m in (9, 10, 12)}
    assert started[9] == before[9][RegisterRule.NEW_STARTED]
    assert started[10] == before[10][RegisterRule.NEW_STARTED] + 1
    assert started[12] == before[12][RegisterRule.NEW_STARTED] + 1
    assert project.history.first().history_user == reviewer


def test_a_completion_counts_once_approved(register, fgj, reviewer):
    project = Project.objects.filter(
        report=register, stage=Stage.STARTED, completion_date__isnull=True
    ).first()
    ProjectProgress.objects.filter(project=project, month__gte=10).delete()
    before = derived_values(register, 11)[RegisterRule.COMPLETED]
    row = report_progress(project, 11, reviewer, stage=Stage.COMPLETED)
    workflow.review(reviewer, [row], APPROVE)
    after = derived_values(register, 11)
    assert after[RegisterRule.COMPLETED] == before + 1
    assert after == independent(register, 11)
    assert derived_values(register, 10) == independent(register, 10)


def test_returning_an_entry_takes_its_investment_out(register, reviewer):
    row = ProjectProgress.objects.filter(
        project__report=register, project__category=Category.IMPLEMENTATION, month=9
    ).first()
    before = derived_values(register, 9)[RegisterRule.IMPLEMENTATION_YEAR]
    workflow.review(reviewer, [row], REOPEN, "数据有误")
    after = derived_values(register, 9)
    assert after == independent(register, 9)
    assert after[RegisterRule.IMPLEMENTATION_YEAR] != before


# --- The list behind each number ------------------------------------------------------------------
def list_context(client, report, rule, month):
    """The context the list is rendered with: computed afresh (rules that share a list would
    otherwise read the first one's cached page, whose context is not rendered again)."""
    cache.clear()
    response = client.get(list_url(report, rule, month))
    assert response.status_code == 200
    return response.context


@pytest.mark.parametrize("month", (3, 9, 12))
def test_the_list_behind_each_derived_number_has_the_same_count_or_sum(
    client, register, leader, month
):
    client.force_login(leader)
    values = derived_values(register, month)
    projects = members(register, month)
    for rule in RegisterRule.values:
        context = list_context(client, register, rule, month)
        totals = context["totals"]
        if rule in COUNT_RULES:
            assert totals.count == values[rule], rule
        elif rule in TOTAL_RULES:
            assert totals.total_yi == values[rule], rule
        else:
            assert totals.invested_yi == values[rule], rule
        listed = set(context["filter"].qs.values_list("code", flat=True))
        assert listed == {p.code for p in projects[rule]}, rule


def test_the_totals_row_shows_the_dashboard_number(client, register, leader):
    client.force_login(leader)
    for indicator in judged(register, 9):
        if not indicator.register_rule:
            continue
        page = client.get(list_url(register, indicator.register_rule, 9)).content.decode()
        footer = page.split("<tfoot")[1].split("</tfoot>")[0]
        actual = indicator.progress.actual
        if indicator.register_rule in COUNT_RULES:
            assert f'<span data-total="count">{actual:.0f}</span>' in footer
        else:
            column = "total_investment" if indicator.register_rule in TOTAL_RULES else "invested"
            cell = footer.split(f'data-total="{column}"')[1]
            shown = f"{actual:.4f}".rstrip("0").rstrip(".")
            assert f'data-yi="{shown}"' in cell


def test_list_url_names_the_month_and_the_rule(report):
    url = list_url(report, RegisterRule.NEW_STARTED, 9)
    assert url.startswith("/projects/?")
    assert f"report={report.pk}" in url and "month=9" in url
    assert "build_type=new" in url and "started_in_year_by=9" in url


def test_each_rule_is_declared_once_as_parameters_the_project_list_understands():
    from projects.filters import ProjectFilter
    from projects.register import CONDITIONS, RULES, rule_params

    assert set(RULES) == set(RegisterRule)
    for rule in RULES:
        names = set(rule_params(rule, 6))
        assert names <= set(ProjectFilter.base_filters), rule
        assert names <= set(CONDITIONS), rule
