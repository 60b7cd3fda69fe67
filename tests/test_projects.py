"""The project register's pages: who may read them, what the list filters and adds up, and
what the pages cost as the register grows."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators import demo
from indicators.models import Department, EntryState, User
from projects.demo import ensure_register
from projects.models import Category, Project, ProjectProgress, Stage
from reporting.demo import grow

from .conftest import make_user

LIST = "/projects/?year=2023&month=9"
INVESTMENT = "/projects/investment/?year=2023&month=9"


@contextmanager
def register_built_once(django_db_blocker):
    """The demo register, inside a transaction rolled back when the block ends.

    Building it takes seconds (335 projects, 4,020 monthly rows and their history), so a module
    builds it once; each test runs in a savepoint inside this transaction, so what a test changes
    is still undone after it. (A candidate for conftest.py.)
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            report = demo.ensure_report()
            demo.ensure_groups()
            ensure_register(report, make_user("t-demo-loader", "reviewer"))
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def demo_register(django_db_setup, django_db_blocker):
    with register_built_once(django_db_blocker):
        yield


@pytest.fixture
def register(demo_register, report):
    return report


def fgj_project(report):
    return Project.objects.filter(report=report, lead_department__code="fgj").first()


def listed(response):
    """Codes of every project the list selects (all pages)."""
    return set(response.context["filter"].qs.values_list("code", flat=True))


# --- Who may read ---------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [LIST, INVESTMENT])
def test_anonymous_is_sent_to_login(client, register, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_anonymous_is_sent_to_login_from_a_project(client, register):
    response = client.get(f"/projects/{fgj_project(register).pk}/")
    assert response.status_code == 302


@pytest.mark.parametrize("persona", ["leader", "reviewer"])
def test_leader_and_reviewer_read_every_page(client, register, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["totals"].count == Project.objects.filter(report=register).count()
    assert client.get(INVESTMENT).status_code == 200
    assert client.get(f"/projects/{fgj_project(register).pk}/").status_code == 200


def test_reporter_sees_only_their_own_departments_projects(client, register, fgj):
    client.force_login(fgj)
    response = client.get(LIST)
    assert response.status_code == 200
    own = set(
        Project.objects.filter(report=register, lead_department__code="fgj").values_list(
            "code", flat=True
        )
    )
    assert own and listed(response) == own
    assert response.context["totals"].count == len(own)


def test_reporter_cannot_widen_the_list_with_another_department(client, register, fgj):
    client.force_login(fgj)
    other = Department.objects.get(code="zjj")
    response = client.get(f"{LIST}&department={other.pk}")
    assert all(code.startswith(("SS", "QQ")) for code in listed(response))
    assert not Project.objects.filter(code__in=listed(response), lead_department=other).exists()


def test_reporter_reads_their_own_project_page(client, register, fgj):
    client.force_login(fgj)
    assert client.get(f"/projects/{fgj_project(register).pk}/").status_code == 200


def test_reporter_of_another_department_is_refused_a_project_page(client, register, rsj):
    client.force_login(rsj)
    assert client.get(f"/projects/{fgj_project(register).pk}/").status_code == 403


def test_unknown_project_is_not_found(client, register, leader):
    client.force_login(leader)
    assert client.get("/projects/999999/").status_code == 404


def test_reporter_is_refused_the_investment_dashboard(client, register, fgj):
    client.force_login(fgj)
    assert client.get(INVESTMENT).status_code == 403


def test_user_without_a_role_is_refused_the_list(client, register):
    nobody = User.objects.create_user("t-nobody", password="pw-for-tests-1")
    client.force_login(nobody)
    assert client.get(LIST).status_code == 403


# --- Filters --------------------------------------------------------------------------------------
def codes(**filters):
    return set(Project.objects.filter(**filters).values_list("code", flat=True))


@pytest.mark.parametrize(
    ("params", "filters"),
    [
        ("category=preliminary", {"category": Category.PRELIMINARY}),
        ("build_type=continuing", {"build_type": "continuing"}),
        ("programme=产业振兴工程", {"programme": "产业振兴工程"}),
        ("promoted=true", {"is_promoted": True}),
        ("promoted=false", {"is_promoted": False}),
        ("q=SS2023-00", {"code__startswith": "SS2023-00"}),
    ],
)
def test_list_filters(client, register, leader, params, filters):
    client.force_login(leader)
    response = client.get(f"{LIST}&{params}")
    assert listed(response) == codes(report=register, **filters)
    assert response.context["totals"].count == len(codes(report=register, **filters))


def test_department_filter(client, register, leader):
    client.force_login(leader)
    department = Department.objects.get(code="zjj")
    response = client.get(f"{LIST}&department={department.pk}")
    assert listed(response) == codes(report=register, lead_department=department)


def test_stage_filter_reads_the_stage_at_the_months_end(client, register, leader):
    client.force_login(leader)
    project = Project.objects.filter(
        report=register, start_date__year=2023, start_date__month=6, completion_date=None
    ).first()
    may = client.get("/projects/?year=2023&month=5&stage=started")
    july = client.get("/projects/?year=2023&month=7&stage=started")
    assert project.code not in listed(may)
    assert project.code in listed(july)
    assert project.code in listed(client.get("/projects/?year=2023&month=5&stage=ready"))


def test_late_filter_lists_projects_with_nothing_submitted_after_the_deadline(
    client, register, leader
):
    client.force_login(leader)
    silent, drafted, submitted = Project.objects.filter(report=register)[:3]
    ProjectProgress.objects.filter(project__in=[silent, drafted, submitted], month=9).delete()
    ProjectProgress.objects.create(project=drafted, month=9, state=EntryState.DRAFT)
    ProjectProgress.objects.create(
        project=submitted, month=9, state=EntryState.SUBMITTED, investment_completed=5
    )
    with time_machine.travel(datetime.datetime(2023, 10, 5, 12), tick=False):
        assert listed(client.get(f"{LIST}&late=true")) == set()  # due by the 5th: not yet late
    with time_machine.travel(datetime.datetime(2023, 10, 6, 9), tick=False):
        response = client.get(f"{LIST}&late=true")
        assert listed(response) == {silent.code, drafted.code}
        assert "未报送" in response.content.decode()
        assert submitted.code in listed(client.get(f"{LIST}&late=false"))


def test_a_filter_nobody_matches_shows_an_empty_list_with_zero_totals(client, register, leader):
    client.force_login(leader)
    response = client.get(f"{LIST}&q=no-such-project")
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals.count, totals.total, totals.invested) == (0, 0, None)
    assert "没有符合条件的项目" in response.content.decode()


# --- Totals, sorting, pages -----------------------------------------------------------------------
def test_totals_row_adds_up_the_whole_filter_not_just_the_page(client, register, leader):
    client.force_login(leader)
    response = client.get(f"{LIST}&category=implementation")
    totals = response.context["totals"]
    projects = list(Project.objects.filter(report=register, category=Category.IMPLEMENTATION))
    assert totals.count == 153
    assert totals.total == sum(p.total_investment for p in projects)
    assert totals.planned == sum(p.planned_investment for p in projects)
    september = ProjectProgress.objects.filter(
        project__in=projects, month=9, state=EntryState.APPROVED
    )
    assert totals.invested == sum(row.investment_completed for row in september)
    page = response.content.decode()
    assert page.count("<tr data-code=") == 50
    footer = page.split("<tfoot")[1]
    assert '<span data-total="count">153</span>' in footer
    assert 'data-yi="392.73"' in footer  # 3,927,300 万元
    assert "3,927,300" in footer


def test_completed_this_year_is_as_of_the_chosen_month(client, register, leader):
    client.force_login(leader)
    march = client.get("/projects/?year=2023&month=3&category=implementation")
    september = client.get(f"{LIST}&category=implementation")
    assert march.context["totals"].invested < september.context["totals"].invested


def test_sorting_by_total_investment(client, register, leader):
    client.force_login(leader)
    response = client.get(f"{LIST}&sort=-total_investment")
    rows = list(response.context["table"].page.object_list)
    largest = Project.objects.filter(report=register).order_by("-total_investment").first()
    assert rows[0].record.code == largest.code


@pytest.mark.parametrize("column", ["invested", "-invested", "stage_then", "lead_department"])
def test_every_sort_answers(client, register, leader, column):
    client.force_login(leader)
    assert client.get(f"{LIST}&sort={column}").status_code == 200


def test_sorting_by_stage_follows_the_pipeline(client, register, leader):
    client.force_login(leader)
    response = client.get(f"{LIST}&sort=-stage_then")
    first = response.context["table"].page.object_list[0].record
    assert first.stage_then == Stage.COMPLETED


def test_second_page(client, register, leader):
    client.force_login(leader)
    first = client.get(f"{LIST}&category=implementation")
    second = client.get(f"{LIST}&category=implementation&page=2")
    one = {r.record.code for r in first.context["table"].page.object_list}
    two = {r.record.code for r in second.context["table"].page.object_list}
    assert len(two) == 50 and not one & two
    assert second.context["totals"].count == 153


# --- Project page and dashboard -------------------------------------------------------------------
def test_project_page_shows_progress_notes_and_the_chart(client, register, leader):
    client.force_login(leader)
    project = fgj_project(register)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert project.name in page
    assert 'id="project-investment"' in page
    assert "plotly/plotly.min.js" in page
    for row in project.progress.all():
        assert row.physical_progress in page


def test_project_page_shows_who_changed_what(client, register, leader, reviewer):
    client.force_login(leader)
    project = fgj_project(register)
    project.planned_investment = Decimal("1234.5")
    project._history_user = reviewer
    old = Project.objects.get(pk=project.pk).planned_investment
    project.save()
    response = client.get(f"/projects/{project.pk}/")
    change = next(
        c
        for c in response.context["history"]
        if any(label == "本年计划投资（万元）" for label, _old, _new in c.fields)
    )
    assert change.who == "t-reviewer"
    (_label, before, after) = change.fields[0]
    assert after == "1,234.5"
    assert before != after and old != project.planned_investment


def test_investment_dashboard_groups_by_programme_department_and_stage(client, register, leader):
    client.force_login(leader)
    response = client.get(INVESTMENT)
    context = response.context
    assert sum(g.count for g in context["by_programme"]) == 335
    assert sum(g.count for g in context["by_department"]) == 335
    stage_total = sum(n for _label, _stage, counts in context["stage_rows"] for _c, n in counts)
    assert stage_total == 335
    codes_on_page = [c["indicator"].code for c in context["year_charts"]]
    assert codes_on_page == ["PP-03", "PP-06"]
    page = response.content.decode()
    for chart in ("curve-implementation", "by-programme", "by-department", "by-stage", "by-origin"):
        assert f'id="{chart}"' in page
    assert "geo" not in page.split('data-chart="by-origin">')[1].split("</script>")[0]


# --- What the pages cost --------------------------------------------------------------------------
def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_register(client, register, leader):
    """The list (plain and filtered, sorted, second page), a project and the dashboard each cost
    the same number of queries with 335 projects and with 3,350."""
    client.force_login(leader)
    urls = [
        LIST,
        f"{LIST}&late=true&sort=-invested&page=2",
        f"{LIST}&category=implementation&started_by=9&programme=产业振兴工程",
        INVESTMENT,
        f"/projects/{fgj_project(register).pk}/",
    ]
    client.get(LIST)  # warm the session
    small = {url: count_queries(client, url) for url in urls}
    grow(register, 10)
    assert Project.objects.filter(report=register).count() == 3350
    assert {url: count_queries(client, url) for url in urls} == small


def test_query_counts_stay_small(client, register, leader):
    client.force_login(leader)
    client.get(LIST)
    counts = {
        url: count_queries(client, url)
        for url in (LIST, INVESTMENT, f"/projects/{fgj_project(register).pk}/")
    }
    # 14: one of them is the header bell's count of unread notices, on every page.
    assert all(n <= 14 for n in counts.values()), counts
