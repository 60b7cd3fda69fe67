"""The turn of the year: where each persona lands and which months a reporter is offered while
two reports are alive (the demo's 2023 in 执行, 2024 in 筹备 or 执行), with the clock set to
15 December, 10 January, 20 February and 15 March."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from indicators import progress
from indicators.models import (
    EntryState,
    Indicator,
    ProgressEntry,
    ReportState,
)
from projects.models import Project, ProjectProgress

from .conftest import add_indicators, make_next_year

PREPARING, ACTIVE, CLOSING = ReportState.PREPARING, ReportState.ACTIVE, ReportState.CLOSING


def at(year, month, day):
    return time_machine.travel(
        datetime.datetime(year, month, day, 9, tzinfo=timezone.get_current_timezone())
    )


@pytest.fixture
def next_year(report):
    """The 2024 report of 柳城县 in ``state``: one section, one monthly target led by 发改局."""
    return lambda state: make_next_year(report, state)


def reported_through(report, last_month, state=EntryState.APPROVED):
    """Every row 发改局 reports in ``report`` (its typed-in targets in their due months, its
    projects every month) given for months 1..``last_month``."""
    for indicator in Indicator.objects.filter(
        report=report, lead_department__code="fgj", register_rule=""
    ):
        for month in range(1, last_month + 1):
            if progress.is_due(indicator.frequency, month):
                ProgressEntry.objects.create(
                    indicator=indicator, month=month, value=Decimal(month), state=state
                )
    for project in Project.objects.filter(report=report, lead_department__code="fgj"):
        for month in range(1, last_month + 1):
            ProjectProgress.objects.create(
                project=project, month=month, investment_completed=Decimal(month), state=state
            )


def landing(client):
    return client.get("/start/")


def link(report, month):
    return f"/report/{report.year}/{month}/?report={report.pk}"


# --- Reporters -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [PREPARING, ACTIVE])
def test_on_15_december_the_reporter_lands_on_december_of_2023(
    client, report, fgj, next_year, state
):
    new = next_year(state)
    reported_through(report, 11)
    client.force_login(fgj)
    with at(2023, 12, 15):
        assert landing(client)["Location"] == "/report/2023/12/"
        form = client.get("/report/2023/12/").content.decode()
    # January 2024 cannot be reported before it comes, published or not.
    assert "/report/2024/" not in form and f"?report={new.pk}" not in form


def test_on_10_january_the_landing_lists_december_and_january(client, report, fgj, next_year):
    new = next_year(ACTIVE)
    reported_through(report, 11)
    client.force_login(fgj)
    with at(2024, 1, 10):
        response = landing(client)
    assert response.status_code == 200
    page = response.content.decode()
    december, january = page.index(link(report, 12)), page.index(link(new, 1))
    assert december < january  # the old year first
    assert "未报送" in page[december:january] and "待填报" in page[january:]
    assert "2023年12月" in page and "2024年1月" in page
    assert page.count("/report/") == 2  # nothing else is owed


def test_on_10_january_a_2024_report_in_preparation_is_never_offered(
    client, report, fgj, next_year
):
    new = next_year(PREPARING)
    reported_through(report, 11)
    client.force_login(fgj)
    with at(2024, 1, 10):
        assert landing(client)["Location"] == "/report/2023/12/"
        form = client.get("/report/2023/12/").content.decode()
        assert client.get("/report/2024/1/").status_code == 404
        assert client.get(link(new, 1)).status_code == 404
    assert "/report/2024/" not in form


def test_the_form_links_the_other_open_reports_owed_months(client, report, fgj, next_year):
    new = next_year(ACTIVE)
    reported_through(report, 11)
    client.force_login(fgj)
    with at(2024, 1, 10):
        old_form = client.get("/report/2023/12/").content.decode()
        new_form = client.get(link(new, 1)).content.decode()
    assert f'href="{link(new, 1)}"' in old_form and "2024年1月 待填报" in old_form
    assert f'href="{link(report, 12)}"' in new_form and "2023年12月 未报送" in new_form
    # The report's own months carry what is owed in them; months given carry nothing.
    assert 'class="owed owed-missing">12月 <small>未报送</small>' in old_form
    assert '<a href="/report/2023/11/">11月</a>' in old_form


def test_on_10_january_a_returned_month_is_listed_as_returned(client, report, fgj, next_year):
    new = next_year(ACTIVE)
    reported_through(report, 10)
    first = Indicator.objects.filter(
        report=report, lead_department__code="fgj", register_rule="", frequency="monthly"
    ).first()
    ProgressEntry.objects.create(
        indicator=first, month=11, value=Decimal(1), state=EntryState.RETURNED
    )
    client.force_login(fgj)
    with at(2024, 1, 10):
        page = landing(client).content.decode()
    november = page.index(link(report, 11))
    assert "已退回" in page[november : page.index(link(report, 12))]
    assert link(new, 1) in page


@pytest.mark.parametrize("old_state", [ACTIVE, CLOSING])
def test_on_20_february_the_reporter_lands_on_february_once_2023_is_given(
    client, report, fgj, next_year, old_state
):
    report.state = old_state
    report.save()
    new = next_year(ACTIVE)
    reported_through(report, 12)
    client.force_login(fgj)
    with at(2024, 2, 20):
        # January is overdue and February due: both in 2024, the form's links show January.
        assert landing(client)["Location"] == "/report/2024/2/"
        form = client.get("/report/2024/2/").content.decode()
        assert 'class="owed owed-missing">1月 <small>未报送</small>' in form
        reported_through(new, 1)
        assert landing(client)["Location"] == "/report/2024/2/"


def test_on_20_february_a_december_still_owed_is_listed_with_2024s_months(
    client, report, fgj, next_year
):
    report.state = CLOSING
    report.save()
    new = next_year(ACTIVE)
    reported_through(report, 11)
    client.force_login(fgj)
    with at(2024, 2, 20):
        page = landing(client).content.decode()
    assert page.index(link(report, 12)) < page.index(link(new, 1)) < page.index(link(new, 2))


@pytest.mark.parametrize(
    ("state", "expected"), [(PREPARING, "/report/2023/12/"), (ACTIVE, "/report/2024/3/")]
)
def test_on_15_march_with_everything_given_the_reporter_lands_on_the_current_month(
    client, report, fgj, next_year, state, expected
):
    new = next_year(state)
    reported_through(report, 12)
    reported_through(new, 2)
    client.force_login(fgj)
    with at(2024, 3, 15):
        assert landing(client)["Location"] == expected


def test_nothing_owed_in_december_never_sends_the_reporter_to_next_january(
    client, report, fgj, next_year
):
    next_year(ACTIVE)
    reported_through(report, 12)
    client.force_login(fgj)
    with at(2023, 12, 15):
        assert landing(client)["Location"] == "/report/2023/12/"


def test_the_landing_asks_a_fixed_number_of_queries(client, report, fgj, next_year):
    next_year(ACTIVE)
    reported_through(report, 11)
    client.force_login(fgj)
    with at(2024, 1, 10):
        landing(client)
        with CaptureQueriesContext(connection) as small:
            assert landing(client).status_code == 200
        add_indicators(report, 100)  # led by 发改局, each with a year of approved figures
        with CaptureQueriesContext(connection) as large:
            assert landing(client).status_code == 200
    assert len(large) == len(small)


@pytest.mark.parametrize(
    ("given", "expected"), [(11, "2023年12月 Excel导入"), (12, "2024年1月 Excel导入")]
)
def test_the_excel_import_opens_on_the_oldest_month_owed(
    client, report, fgj, next_year, given, expected
):
    next_year(ACTIVE)
    reported_through(report, given)
    client.force_login(fgj)
    with at(2024, 1, 10):
        response = client.get("/import/")
    assert response.status_code == 200
    assert expected in response.content.decode()


# --- Leaders and the office ------------------------------------------------------------------

DAYS = [(2023, 12, 15), (2024, 1, 10), (2024, 2, 20), (2024, 3, 15)]


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize(("state", "year"), [(PREPARING, 2023), (ACTIVE, 2024)])
@pytest.mark.parametrize("persona", ["leader", "reviewer"])
def test_leaders_and_the_office_land_on_the_newest_published_report(
    client, report, next_year, request, day, state, year, persona
):
    next_year(state)
    client.force_login(request.getfixturevalue(persona))
    with at(*day):
        response = client.get("/start/", follow=True)
    shown = response.context["period"].report
    assert shown.year == year and f"<h1>{shown.title}</h1>" in response.content.decode()


def summary_year(client, **params):
    response = client.get("/export/summary.xlsx", params)
    assert response.status_code == 200
    title = load_workbook(BytesIO(response.content)).worksheets[0]["A1"].value
    return int(title.split("柳城县")[1][:4])


@pytest.mark.parametrize(("state", "year"), [(PREPARING, 2023), (ACTIVE, 2024)])
def test_the_summary_export_uses_the_newest_published_report_or_the_one_asked_for(
    client, report, leader, next_year, state, year
):
    new = next_year(state)
    client.force_login(leader)
    with at(2024, 2, 20):
        assert summary_year(client) == year
        assert summary_year(client, report=report.pk) == 2023
        asked = client.get("/export/summary.xlsx", {"report": new.pk})
    assert asked.status_code == (404 if state == PREPARING else 200)


@pytest.mark.parametrize("state", [PREPARING, ACTIVE])
def test_the_bulletin_uses_the_report_of_its_year(client, report, leader, next_year, state):
    new = next_year(state)
    client.force_login(leader)
    with at(2024, 2, 20):
        old = client.get("/bulletins/2023/12/")
        assert old.context["period"].report == report
        assert client.get(f"/bulletins/2023/12/?report={report.pk}").status_code == 200
        assert client.get(f"/bulletins/2023/12/?report={new.pk}").status_code == 404
        assert client.get(f"/bulletins/2024/1/?report={report.pk}").status_code == 404
        current = client.get("/bulletins/2024/1/")
        if state == PREPARING:
            assert current.status_code == 404
            assert client.get(f"/bulletins/2024/1/?report={new.pk}").status_code == 404
        else:
            assert current.context["period"].report == new
            assert client.get(f"/bulletins/2024/1/?report={new.pk}").status_code == 200
