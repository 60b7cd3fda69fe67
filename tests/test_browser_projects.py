"""A real Chromium follows a derived target to its project list and finds the same number."""

import pytest

from indicators.templatetags.targets import amount
from projects.demo import ensure_register
from projects.models import Project
from projects.register import list_url
from reporting.standing import judged

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONTH = 9


@pytest.fixture
def register(report, reviewer):
    ensure_register(report, reviewer)
    return report


def dashboard(report, code):
    indicators = judged(report, MONTH)
    return next(i for i in indicators if i.code == code)


def assert_clean(visit):
    assert visit.failed_responses == []
    assert visit.console_errors == []
    assert visit.foreign_requests == []


def test_project_list_behind_pp01_counts_the_dashboard_number(visit, register, leader):
    indicator = dashboard(register, "PP-01")
    visit.login("t-leader")
    visit.goto(f"/?year=2023&month={MONTH}")
    shown = visit.page.inner_text('tr[data-code="PP-01"] .actual')
    assert shown == amount(indicator.progress.actual)

    visit.goto(list_url(register, indicator.register_rule, MONTH))
    count = visit.page.inner_text('tfoot [data-total="count"]')
    assert count == shown == "153"
    assert visit.page.locator("tbody tr[data-code]").count() == 50  # first page of 153
    screenshot(visit.page, "projects-list-pp01")
    assert_clean(visit)


def test_project_list_behind_pp03_sums_the_dashboard_number(visit, register, leader):
    indicator = dashboard(register, "PP-03")
    visit.login("t-leader")
    visit.goto(f"/?year=2023&month={MONTH}")
    shown = visit.page.inner_text('tr[data-code="PP-03"] .actual')
    assert shown == amount(indicator.progress.actual)

    visit.goto(list_url(register, indicator.register_rule, MONTH))
    total = visit.page.get_attribute('tfoot [data-total="invested"] .yi', "data-yi")
    assert amount(total) == shown
    screenshot(visit.page, "projects-list-pp03")
    assert_clean(visit)


def test_project_page_and_investment_dashboard_draw_their_charts(visit, register, leader):
    visit.login("t-leader")
    project = Project.objects.filter(report=register, category="implementation").first()
    visit.goto(f"/projects/{project.pk}/")
    visit.page.wait_for_selector("#project-investment .main-svg")
    screenshot(visit.page, "projects-detail")
    visit.goto(f"/projects/investment/?year=2023&month={MONTH}")
    for chart in ("curve-implementation", "by-programme", "by-department", "by-stage", "by-origin"):
        visit.page.wait_for_selector(f"#{chart} .main-svg")
    screenshot(visit.page, "projects-investment")
    assert_clean(visit)
