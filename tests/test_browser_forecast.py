"""Early warning in a real Chromium: the big screen's 预计难以完成 strip at 1920x1080 with nothing
cut off or scrolling, at demo size and with a report ten times as large (its lists full), and
the overview with its forecasts on a 390-pixel phone without sideways scrolling.

Screenshots land in the git-ignored screenshots/ folder for a person to look at.
"""

import pytest

from reporting import demo
from reporting.standing import judged

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "?year=2023&month=9"
WALL = (1920, 1080)
PHONE = (390, 844)

# Elements whose content is wider or taller than their box (text cut off), inside `root`.
CUT_OFF = """(root) => Array.from(document.querySelectorAll(root + ' *')).filter((el) => {
    const style = getComputedStyle(el);
    if (style.display === 'none' || el.closest('.js-plotly-plot')) return false;
    return el.scrollWidth > el.clientWidth + 1 && style.textOverflow !== 'ellipsis';
}).map((el) => el.className || el.tagName)"""

# Children that stick out of the bottom of their screen block, or out of the window.
CLIPPED = """() => Array.from(document.querySelectorAll('.screen-block, .screen-forecast'))
    .filter((block) => {
        const bottom = block.getBoundingClientRect().bottom;
        return bottom > window.innerHeight + 1 || Array.from(block.children)
            .some((child) => child.getBoundingClientRect().bottom > bottom + 1);
    }).map((block) => block.className)"""


@pytest.fixture
def demo_year(report):
    demo.load_demo()
    return report


def load(visit, path):
    response = visit.goto(path)
    assert response.status == 200, path
    visit.page.wait_for_load_state("networkidle")
    if visit.page.locator("script[data-chart]").count():
        visit.page.wait_for_selector(".js-plotly-plot .main-svg")


def check_screen(visit, name):
    page = visit.page
    load(visit, "/screen/" + PERIOD)
    strip = page.locator(".screen-forecast")
    assert strip.is_visible()
    assert "预计难以完成全年目标" in strip.inner_text()
    box = strip.bounding_box()
    assert box["y"] + box["height"] <= WALL[1] and box["x"] + box["width"] <= WALL[0]
    for projection in page.locator(".screen-forecast .projection").all():
        assert projection.inner_text().startswith("预计")
    assert page.evaluate(
        "document.documentElement.scrollHeight <= document.documentElement.clientHeight"
    )
    assert not visit.has_horizontal_scroll()
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate(CUT_OFF, ".screen-forecast") == []
    screenshot(page, f"forecast-screen-{name}")


def test_the_screen_shows_the_forecast_strip_without_overflow(visit, demo_year, leader):
    visit.page.set_viewport_size({"width": WALL[0], "height": WALL[1]})
    visit.login("t-leader")
    check_screen(visit, "1x")
    at_risk = [i for i in judged(demo_year, 9) if i.forecast.is_at_risk]
    assert len(at_risk) > 4  # more than the strip shows
    assert visit.page.locator(".screen-forecast-list li").count() == 4
    assert f"另有{len(at_risk) - 4}项" in visit.page.locator(".screen-forecast").inner_text()
    # Ten times the targets: every list on the screen is full, and still nothing spills over.
    demo.grow(demo_year, 10)
    check_screen(visit, "10x")
    assert visit.page.locator(".screen-list li").count() == 8
    assert visit.console_errors == []
    assert visit.failed_responses == []
    assert visit.foreign_requests == []


def test_the_overview_with_forecasts_fits_a_phone(visit, demo_year, leader):
    visit.page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    visit.login("t-leader")
    load(visit, "/" + PERIOD)
    page = visit.page
    assert page.locator(".headline-card.forecast-edge-at_risk").is_visible()
    items = page.locator("ol.at-risk > li")
    assert items.count() == len([i for i in judged(demo_year, 9) if i.forecast.is_at_risk]) > 0
    for index in range(items.count()):
        box = items.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0]
    assert not visit.has_horizontal_scroll(), "the overview scrolls sideways at 390px"
    screenshot(page, "forecast-overview-390")
    # The target's page with its forecast, its sentence and the chart's projection.
    page.locator("ol.at-risk > li a").first.click()
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.locator(".standing-forecast .method").is_visible()
    assert not visit.has_horizontal_scroll(), "the target's page scrolls sideways at 390px"
    screenshot(page, "forecast-indicator-390")
    assert visit.console_errors == []
    assert visit.foreign_requests == []
