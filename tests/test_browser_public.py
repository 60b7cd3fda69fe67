"""The public progress page in a real Chromium, with its own strict policy on: at 1366 px and on a
390 px phone it draws every chart, never scrolls sideways, records no console error and no
policy violation, asks nothing of another host, sets no cookie until a visitor switches the
language, and its large-type link enlarges the text."""

import pytest

from opendata.demo import open_to_the_public
from reporting import demo

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = "/public/450222/2023/"
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolation([event.effectiveDirective, event.blockedURI, event.sample].join(" | "));
});
"""


@pytest.fixture
def public_demo(report):
    demo.load_demo()
    return open_to_the_public(report)


@pytest.fixture
def watched(visit):
    visit.violations = []
    visit.page.context.expose_function("cspViolation", lambda text: visit.violations.append(text))
    visit.page.context.add_init_script(RECORD_VIOLATIONS)
    return visit


def open_page(visit, path):
    response = visit.goto(path)
    visit.page.wait_for_load_state("networkidle")
    assert response.status == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    return response


def drawn_charts(page):
    embedded = page.locator("script[data-chart]").count()
    drawn = page.locator(".js-plotly-plot .main-svg").count()
    return embedded, drawn


def font_size(page, selector):
    return page.eval_on_selector(selector, "node => parseFloat(getComputedStyle(node).fontSize)")


def test_the_public_page_reads_well_at_both_widths_and_in_large_type(watched, public_demo):
    page = watched.page
    open_page(watched, PAGE)
    sections = public_demo.sections.count()
    embedded, drawn = drawn_charts(page)
    assert embedded == sections and drawn >= sections
    assert not watched.has_horizontal_scroll()
    assert page.context.cookies() == []  # an anonymous reader is sent no cookie
    normal_body = font_size(page, "body")
    normal_heading = font_size(page, "h3")
    screenshot(page, "public-1366")

    page.get_by_role("link", name="大字版").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(PAGE + "?size=large")
    assert font_size(page, "body") >= 20 > normal_body
    assert font_size(page, "h3") > normal_heading
    assert drawn_charts(page)[1] >= sections
    assert not watched.has_horizontal_scroll()

    page.set_viewport_size({"width": 390, "height": 844})
    for path in (PAGE + "?size=large", PAGE):
        open_page(watched, path)
        embedded, drawn = drawn_charts(page)
        assert drawn >= embedded == sections
        assert not watched.has_horizontal_scroll(), f"{path} scrolls sideways at 390px"
        widest = page.eval_on_selector_all(
            ".js-plotly-plot .main-svg",
            "nodes => Math.max(...nodes.map(n => n.getBoundingClientRect().right))",
        )
        assert widest <= 390
    screenshot(page, "public-390")

    # The chart's table opens from the keyboard alone.
    summary = page.locator("details.chart-data summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details.chart-data table").first.is_visible()

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.eval_on_selector("html", "node => node.lang") == "en"
    assert [c["name"] for c in page.context.cookies()] == ["django_language"]
    assert drawn_charts(page)[1] >= sections

    assert watched.violations == []
    assert watched.console_errors == []
    assert watched.foreign_requests == []
    assert watched.failed_responses == []
