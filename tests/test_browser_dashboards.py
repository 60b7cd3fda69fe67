"""Every dashboard in a real Chromium: charts drawn, nothing foreign fetched, nothing overflowing.

Screenshots land in the git-ignored screenshots/ folder for a person to look at.
"""

import pytest
from django.urls import reverse

from indicators.models import Department, Indicator, Section
from reporting import demo

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "?year=2023&month=9"
DESKTOP = (1366, 768)
PHONE = (390, 844)
WALL = (1920, 1080)


@pytest.fixture
def demo_year(report):
    demo.load_demo()
    return report


def dashboard_pages(report):
    section = Section.objects.filter(report=report).order_by("order").first()
    return {
        "overview": "/" + PERIOD,
        "section": reverse("reporting:section", args=[section.pk]) + PERIOD,
        "indicator": reverse(
            "reporting:indicator", args=[Indicator.objects.get(report=report, code="UC-07").pk]
        )
        + PERIOD,
        "departments": reverse("reporting:departments") + PERIOD,
        "department": reverse("reporting:department", args=[Department.objects.get(code="fgj").pk])
        + PERIOD,
    }


def check_page(visit, path, name):
    """Load a page and return what is wrong with it (an empty list when nothing is)."""
    response = visit.goto(path)
    page = visit.page
    page.wait_for_load_state("networkidle")
    problems = []
    if response.status != 200:
        problems.append(f"{name}: status {response.status}")
    expected = page.locator("script[data-chart]").count()
    if expected:
        page.wait_for_selector(".js-plotly-plot .main-svg")
    drawn = page.locator(".js-plotly-plot").count()
    if expected == 0 or drawn != expected:
        problems.append(f"{name}: {drawn} charts drawn of {expected} embedded")
    width = page.viewport_size["width"]
    too_wide = page.evaluate(
        """(width) => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .filter((el) => el.getBoundingClientRect().right > width + 1).length""",
        width,
    )
    if too_wide:
        problems.append(f"{name}: {too_wide} charts wider than the {width}px window")
    if visit.has_horizontal_scroll():
        problems.append(f"{name}: scrolls sideways at {width}px")
    screenshot(page, f"dashboard-{name}-{width}")
    return problems


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_leader_reads_every_dashboard(visit, demo_year, leader, size):
    visit.page.set_viewport_size({"width": size[0], "height": size[1]})
    visit.login("t-leader")
    problems = []
    for name, path in dashboard_pages(demo_year).items():
        problems += check_page(visit, path, name)
    assert problems == []
    assert visit.console_errors == []
    assert visit.failed_responses == []
    assert visit.foreign_requests == []


def test_big_screen_fills_1920_by_1080_without_scrolling(visit, demo_year, leader):
    visit.page.set_viewport_size({"width": WALL[0], "height": WALL[1]})
    visit.login("t-leader")
    problems = check_page(visit, "/screen/" + PERIOD, "screen")
    assert problems == []
    page = visit.page
    assert page.evaluate(
        "document.documentElement.scrollHeight <= document.documentElement.clientHeight"
    )
    # Nothing inside a block is cut off at the bottom either.
    clipped = page.evaluate(
        """() => Array.from(document.querySelectorAll('.screen-block')).filter((block) => {
            const bottom = block.getBoundingClientRect().bottom;
            return Array.from(block.children)
                .some((child) => child.getBoundingClientRect().bottom > bottom + 1);
        }).length"""
    )
    assert clipped == 0
    # It reloads itself every five minutes, unless a reader pauses it (WCAG 2.2.1).
    page.clock.install()
    page.reload()
    page.evaluate("window.stayed = true")
    page.click("#refresh-toggle")
    assert page.get_attribute("#refresh-toggle", "aria-pressed") == "true"
    page.clock.run_for("10:00")
    assert page.evaluate("window.stayed === true")
    page.click("#refresh-toggle")
    with page.expect_navigation():
        page.clock.run_for("05:01")
    assert page.evaluate("window.stayed === undefined")
    assert visit.console_errors == []
    assert visit.failed_responses == []
    assert visit.foreign_requests == []


def test_reporter_reads_own_department_page(visit, demo_year, fgj):
    visit.page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    visit.login("t-fgj")
    department = Department.objects.get(code="fgj")
    problems = check_page(visit, f"/departments/{department.pk}/" + PERIOD, "department-reporter")
    assert problems == []
    assert visit.console_errors == []
    assert visit.foreign_requests == []
