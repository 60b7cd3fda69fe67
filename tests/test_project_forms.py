"""A project's monthly row: what ProjectProgressForm accepts, and how an approved stage change
moves the project in the register (and nothing else does)."""

import datetime
from decimal import Decimal

import pytest

from indicators import workflow
from indicators.models import EntryState
from indicators.workflow import APPROVE, REOPEN, RETURN, Refused
from projects.forms import ProjectProgressForm
from projects.models import Project, ProjectProgress, Stage
from tests.conftest import make_project
from tests.conftest import submit as submit_row


@pytest.fixture
def project(report):
    return make_project(report)


def form(project, data, *, month=9, previous=None, submitting=True):
    return ProjectProgressForm(
        {"version": 0, **data},
        subject=project,
        month=month,
        previous=previous,
        submitting=submitting,
    )


def approved(project, month, value, text=""):
    return ProjectProgress.objects.create(
        project=project,
        month=month,
        investment_completed=Decimal(value),
        physical_progress=text,
        state=EntryState.APPROVED,
    )


# --- Investment ---------------------------------------------------------------------------------
def test_a_plain_month_is_accepted(project):
    bound = form(project, {"investment_completed": "3500.5", "physical_progress": "主体施工"})
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["investment_completed"] == Decimal("3500.5")
    assert bound.cleaned_data["stage"] == ""


@pytest.mark.parametrize("typed", ["1,234.5", "１２３４.５", " 1234.50 "])
def test_amounts_are_read_as_clerks_type_them(project, typed):
    bound = form(project, {"investment_completed": typed})
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["investment_completed"] == Decimal("1234.5")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "不能为负数"),
        ("abc", "请只填写数字"),
        ("500万", "不要带单位"),
        ("1,23", "千分位分隔符"),
        ("1.234", "最多保留2位小数"),
        ("1" * 13, "数字太大"),
    ],
)
def test_bad_amounts_are_refused(project, typed, message):
    bound = form(project, {"investment_completed": typed})
    assert not bound.is_valid()
    assert message in str(bound.errors["investment_completed"])


def test_submitting_needs_a_value_but_a_draft_does_not(project):
    assert not form(project, {"investment_completed": ""}).is_valid()
    assert form(project, {"investment_completed": ""}, submitting=False).is_valid()


def test_lower_than_an_approved_month_needs_an_explanation_to_be_submitted(project):
    approved(project, 8, 4000, "主体施工")
    bound = form(project, {"investment_completed": "3900"})
    assert not bound.is_valid()
    assert [flag.rule for flag in bound.flags] == ["fall"]
    assert "低于8月已审核的4,000万元" in str(bound.errors["explanation"])
    # A row that already carries a note is not an explanation by itself.
    noted = {"investment_completed": "3900", "physical_progress": "主体施工"}
    assert not form(project, noted).is_valid()
    # A draft may keep the flagged figure; the 说明 is asked for on submission.
    assert form(project, noted, submitting=False).is_valid()
    explained = {**noted, "explanation": "统计口径调整，核减100万元。"}
    assert form(project, explained).is_valid()


def test_not_lower_needs_no_explanation(project):
    approved(project, 8, 4000, "主体施工")
    bound = form(project, {"investment_completed": "4000"})
    assert bound.is_valid() and bound.flags == []


def test_more_than_three_times_the_plan_needs_an_explanation(project):
    bound = form(project, {"investment_completed": "30000.01"})
    assert not bound.is_valid()
    assert "是本年计划投资（10,000万元）的3倍，超过3倍" in str(bound.errors["explanation"])
    assert form(project, {"investment_completed": "30000"}).is_valid()
    explained = {"investment_completed": "30000.01", "explanation": "含上年结转投资"}
    assert form(project, explained).is_valid()


def test_a_project_with_no_plan_this_year_needs_an_explanation_for_any_investment(report):
    project = make_project(report, planned_investment=0)
    assert form(project, {"investment_completed": "0"}).is_valid()
    bound = form(project, {"investment_completed": "10"})
    assert not bound.is_valid()
    assert "本年计划投资为0，累计完成投资10万元" in str(bound.errors["explanation"])


# --- Stage changes --------------------------------------------------------------------------------
def test_a_start_needs_its_date(project):
    bound = form(project, {"investment_completed": "10", "stage": Stage.STARTED})
    assert not bound.is_valid()
    assert "开工日期" in str(bound.errors["stage_date"])
    bound = form(
        project,
        {"investment_completed": "10", "stage": Stage.STARTED, "stage_date": "2023-09-12"},
    )
    assert bound.is_valid(), bound.errors
    assert (bound.cleaned_data["stage"], bound.cleaned_data["stage_date"]) == (
        Stage.STARTED,
        datetime.date(2023, 9, 12),
    )


def test_a_stage_date_cannot_be_after_the_months_end(project):
    bound = form(
        project,
        {"investment_completed": "10", "stage": Stage.STARTED, "stage_date": "2023-10-01"},
    )
    assert not bound.is_valid()
    assert "不能晚于9月底" in str(bound.errors["stage_date"])


def test_stages_only_move_forward(report):
    project = make_project(report, stage=Stage.STARTED, start_date=datetime.date(2023, 3, 1))
    bound = form(project, {"investment_completed": "10", "stage": Stage.READY})
    assert not bound.is_valid()
    assert "只能向前推进" in str(bound.errors["stage"])


def test_reporting_the_current_stage_again_is_no_change(report):
    project = make_project(report, stage=Stage.STARTED, start_date=datetime.date(2023, 3, 1))
    assert form(project, {"investment_completed": "10", "stage": Stage.STARTED}).is_valid()


def test_ready_needs_no_date_and_takes_none(project):
    planned = make_project(project.report, code="T-002", stage=Stage.PLANNED)
    assert form(planned, {"investment_completed": "0", "stage": Stage.READY}).is_valid()
    dated = {"investment_completed": "0", "stage": Stage.READY, "stage_date": "2023-09-01"}
    assert not form(planned, dated).is_valid()


def test_completion_needs_a_start_first(project):
    bound = form(
        project,
        {"investment_completed": "10", "stage": Stage.COMPLETED, "stage_date": "2023-09-20"},
    )
    assert not bound.is_valid()
    assert "请先报送开工" in str(bound.errors["stage"])


def test_completion_cannot_be_before_the_start(report):
    project = make_project(report, stage=Stage.STARTED, start_date=datetime.date(2023, 6, 10))
    early = {"investment_completed": "10", "stage": Stage.COMPLETED, "stage_date": "2023-06-01"}
    assert "不能早于开工日期" in str(form(project, early).errors["stage_date"])
    later = {"investment_completed": "10", "stage": Stage.COMPLETED, "stage_date": "2023-09-30"}
    assert form(project, later).is_valid()


def test_an_unknown_stage_is_refused(project):
    bound = form(project, {"investment_completed": "10", "stage": "demolished"})
    assert not bound.is_valid()
    assert "stage" in bound.errors


# --- Approval moves the register ------------------------------------------------------------------
def submit(project, month, user, **fields):
    return submit_row(user, project, month, investment_completed=Decimal(5), **fields)


def review(user, rows, action, comment=""):
    return workflow.review(user, rows, action, comment)


def test_approving_a_start_moves_the_project_with_history(project, fgj, reviewer):
    row = submit(project, 9, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 9, 12))
    project.refresh_from_db()
    assert project.stage == Stage.READY  # submitted is not approved
    review(reviewer, [row], APPROVE)
    project.refresh_from_db()
    assert project.stage == Stage.STARTED
    assert project.start_date == datetime.date(2023, 9, 12)
    latest = project.history.first()
    assert latest.history_user == reviewer
    assert latest.prev_record.stage == Stage.READY


def test_approving_two_months_moves_the_project_once_each(project, fgj, reviewer):
    started = submit(project, 8, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 8, 3))
    review(reviewer, [started], APPROVE)
    completed = submit(project, 9, fgj, stage=Stage.COMPLETED, stage_date=datetime.date(2023, 9, 9))
    review(reviewer, [completed], APPROVE)
    project.refresh_from_db()
    assert (project.stage, project.start_date, project.completion_date) == (
        Stage.COMPLETED,
        datetime.date(2023, 8, 3),
        datetime.date(2023, 9, 9),
    )
    versions = project.history.count()
    assert project.replay_stages(reviewer) is False  # replaying the same rows moves nothing
    assert project.history.count() == versions


def test_a_completion_without_a_start_is_refused_whole(project, fgj, reviewer):
    row = ProjectProgress.objects.create(
        project=project,
        month=9,
        investment_completed=5,
        stage=Stage.COMPLETED,
        stage_date=datetime.date(2023, 9, 20),
        state=EntryState.SUBMITTED,
    )
    with pytest.raises(Refused, match="没有开工日期"):
        review(reviewer, [row], APPROVE)
    row.refresh_from_db()
    project.refresh_from_db()
    assert row.state == EntryState.SUBMITTED  # the approval was undone with the refusal
    assert project.stage == Stage.READY


def test_only_approved_rows_move_the_register(project, fgj, reviewer):
    row = submit(project, 9, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 9, 1))
    review(reviewer, [row], RETURN, "请补充开工日期")
    project.refresh_from_db()
    assert project.stage == Stage.READY


def test_reopening_an_approved_start_moves_the_project_back(project, fgj, reviewer):
    row = submit(project, 9, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 9, 12))
    review(reviewer, [row], APPROVE)
    review(reviewer, [row], REOPEN, "开工日期与现场核查不符")
    project.refresh_from_db()
    row.refresh_from_db()
    assert row.state == EntryState.RETURNED
    assert (project.stage, project.start_date) == (Stage.READY, None)
    assert project.history.first().history_user == reviewer


def test_a_start_cannot_be_reopened_while_its_completion_stays_approved(project, fgj, reviewer):
    started = submit(project, 8, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 8, 3))
    review(reviewer, [started], APPROVE)
    completed = submit(project, 9, fgj, stage=Stage.COMPLETED, stage_date=datetime.date(2023, 9, 9))
    review(reviewer, [completed], APPROVE)
    with pytest.raises(Refused, match="请先退回后面月份"):
        review(reviewer, [started], REOPEN, "日期有误")
    started.refresh_from_db()
    assert started.state == EntryState.APPROVED
    # Reopening both together is consistent: the project goes back to where it was registered.
    review(reviewer, [started, completed], REOPEN, "日期有误")
    project.refresh_from_db()
    assert (project.stage, project.start_date, project.completion_date) == (
        Stage.READY,
        None,
        None,
    )


def test_a_row_without_a_stage_leaves_the_project_alone(project, fgj, reviewer):
    row = submit(project, 9, fgj)
    review(reviewer, [row], APPROVE)
    project.refresh_from_db()
    assert project.stage == Stage.READY
    assert project.history.count() == 1


def test_the_reported_date_is_the_one_the_register_keeps(project, fgj, reviewer):
    row = submit(project, 9, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 9, 12))
    review(reviewer, [row], APPROVE)
    project.refresh_from_db()
    assert project.start_date == datetime.date(2023, 9, 12)
    # A later correction of the date, approved, corrects the register too.
    correction = submit(project, 10, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 9, 2))
    review(reviewer, [correction], APPROVE)
    project.refresh_from_db()
    assert project.start_date == datetime.date(2023, 9, 2)


def test_reviewing_no_project_rows_is_nothing_to_do(reviewer):
    assert workflow.review(reviewer, [], RETURN, "") == []


# --- A registration reads one way everywhere ------------------------------------------------------
def admin_form(report, **fields):
    from projects.admin import ProjectAdminForm

    data = {
        "report": report.pk,
        "code": "A-1",
        "name": "续建道路",
        "category": "implementation",
        "build_type": "continuing",
        "registered_stage": Stage.READY,
        "total_investment": "1000",
        "planned_investment": "100",
        "lead_department": report.indicators.first().lead_department_id,
        **fields,
    }
    return ProjectAdminForm(data)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"registered_stage": Stage.STARTED}, "registered_start_date"),
        (
            {"registered_stage": Stage.COMPLETED, "registered_start_date": "2022-03-01"},
            "registered_completion_date",
        ),
        (
            {"registered_stage": Stage.PLANNED, "registered_start_date": "2023-03-01"},
            "registered_start_date",
        ),
    ],
)
def test_the_admin_refuses_a_registration_that_would_read_two_ways(report, fields, field):
    form = admin_form(report, **fields)
    assert not form.is_valid()
    assert field in form.errors


def test_a_registered_start_reads_the_same_on_every_page(report):
    form = admin_form(report, registered_stage=Stage.STARTED, registered_start_date="2022-03-01")
    assert form.is_valid(), form.errors
    project = form.save(commit=False)
    project.stage, project.start_date, project.completion_date = project.current_stages()
    project.save()
    assert project.stage == Stage.STARTED
    for month in (1, 6, 12):
        assert Project.objects.as_of(report, month).get(pk=project.pk).stage_then == Stage.STARTED


def test_approving_stage_changes_reads_each_project_and_report_once(report, fgj, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    projects = [make_project(report, code=f"S-{n}") for n in range(4)]
    rows = [
        submit(p, 5, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 5, 2))
        for p in projects
    ]
    rows = list(
        ProjectProgress.objects.filter(pk__in=[r.pk for r in rows]).select_related(
            "project__report"
        )
    )
    with CaptureQueriesContext(connection) as queries:
        review(reviewer, rows, APPROVE)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [s for s in selects if 'FROM "projects_project"' in s]
    assert all(Project.objects.get(pk=p.pk).stage == Stage.STARTED for p in projects)


def test_a_start_dated_into_a_locked_month_is_refused_so_the_month_stays_as_closed(
    project, fgj, reviewer
):
    workflow.lock_month(reviewer, project.report, 3)
    with pytest.raises(Refused, match="3月已被督查室锁定"):
        submit(project, 5, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 3, 10))
    row = submit(project, 5, fgj, stage=Stage.STARTED, stage_date=datetime.date(2023, 4, 10))
    review(reviewer, [row], APPROVE)
    project.refresh_from_db()
    assert project.start_date == datetime.date(2023, 4, 10)
