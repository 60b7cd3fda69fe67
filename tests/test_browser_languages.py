"""The language switch in a real Chromium: a click in the header turns the page (and plotly.js's
own mode bar) to English and back, under the strict Content Security Policy, with nothing
overflowing a phone's width."""

import pytest

from reporting import demo

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_year(report):
    demo.load_demo()
    return report


def mode_bar_title(page):
    page.wait_for_selector(".js-plotly-plot .main-svg")
    page.hover(".js-plotly-plot")
    return page.get_attribute(".js-plotly-plot .modebar-btn[data-title]", "data-title")


def test_the_header_switches_the_whole_page_and_its_charts(visit, leader, demo_year):
    visit.login("t-leader")
    visit.goto("/?year=2023&month=9")
    page = visit.page
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert mode_bar_title(page) == "下载图表（PNG图片）"

    page.click(".language-switch button[lang=en]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/?year=2023&month=9")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text(".page-head form.period-picker label").startswith("Work report")
    assert mode_bar_title(page) == "Download plot as a PNG"
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state("networkidle")
    assert not visit.has_horizontal_scroll()  # English words are longer than Chinese ones
    screenshot(page, "overview-en-phone")

    page.click(".language-switch button[lang=zh-hans]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert not visit.console_errors and not visit.failed_responses
