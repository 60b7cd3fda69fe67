"""In real Chromium, at 1366 px and as a 390 px phone: a reporter types a figure that falls below
an approved month, is told why beside the row when submitting, writes the 说明 and submits; the
flag and the 说明 stay beside the figure; the phone's page never scrolls sideways."""

import pytest

from indicators.models import Department, Indicator, ProgressEntry

from .conftest import Visit, approve, make_user, screenshot
from .test_browser_phone import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_flagged_figure_is_submitted_with_its_explanation(chromium, live_server, report, device):
    context = chromium.new_context(**(PHONE if device == "phone" else DESKTOP))
    visit = Visit(context.new_page(), live_server.url)
    page = visit.page
    make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    solar = Indicator.objects.get(report=report, code="EC-05")  # a milestone: it may not fall
    approve(solar, 8, 95, note="并网调试")
    try:
        visit.login("fgj")
        visit.goto("/report/2023/9/")
        row = page.locator('tr[data-code="EC-05"]')
        assert row.locator(".flags").count() == 0
        assert row.locator("textarea[name$=-explanation]").count() == 0
        row.locator("input.value-input").fill("10")
        page.locator("button[value=submit]").click()
        page.wait_for_load_state("networkidle")
        row = page.locator('tr[data-code="EC-05"]')
        assert "累计值10%低于8月已审核的95%" in row.inner_text()
        explanation = row.locator("textarea[name$=-explanation]")
        assert explanation.is_visible()
        assert not visit.has_horizontal_scroll()
        screenshot(page, f"flagged-row-{device}")
        explanation.fill("8月误报，已与项目单位核实")
        page.locator("button[value=submit]").click()
        page.wait_for_load_state("networkidle")
        assert "已报送" in page.inner_text(".messages")
        entry = ProgressEntry.objects.get(indicator=solar, month=9)
        assert (entry.state, entry.explanation) == ("submitted", "8月误报，已与项目单位核实")
        row = page.locator('tr[data-code="EC-05"]')
        assert "低于8月已审核的95%" in row.inner_text()
        assert "说明：8月误报，已与项目单位核实" in row.inner_text()
        assert not visit.has_horizontal_scroll()
        assert visit.console_errors == []
        assert visit.foreign_requests == []
    finally:
        context.close()


def test_a_long_flag_wraps_inside_its_cell(chromium, live_server, report):
    """A flag under a figure is a sentence: at 1366 px it wraps inside the figure's cell instead
    of running over the 进展情况 box beside it (it was a one-line badge that did not wrap)."""
    context = chromium.new_context(**DESKTOP)
    visit = Visit(context.new_page(), live_server.url)
    page = visit.page
    make_user("sthjj", "reporter", Department.objects.get(code="sthjj"))
    sewage = Indicator.objects.get(report=report, code="EC-01")  # cumulative, 14 个
    for month in range(1, 9):
        approve(sewage, month, month)
    try:
        visit.login("sthjj")
        visit.goto("/report/2023/9/")
        row = page.locator('tr[data-code="EC-01"]')
        row.locator("input.value-input").fill("200")
        page.locator("button[value=save]").click()
        page.wait_for_load_state("networkidle")
        row = page.locator('tr[data-code="EC-01"]')
        cell = row.locator("td.value").bounding_box()
        flags = row.locator("td.value .flags li")
        assert flags.count() == 2  # 增幅异常 and 远超年度目标
        for index in range(flags.count()):
            box = flags.nth(index).bounding_box()
            assert box["x"] + box["width"] <= cell["x"] + cell["width"] + 0.5
    finally:
        context.close()
