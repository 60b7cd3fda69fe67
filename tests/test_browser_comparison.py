"""In real Chromium: the office opens the 对照表 from the header, writes explanations with the
keyboard alone, saves, publishes once December is public, and finds the explanations frozen; the
page under the site's Content Security Policy, with nothing fetched from elsewhere. Screenshots
in screenshots/."""

import pytest

from indicators.models import Indicator
from opendata import publishing
from opendata.models import ComparisonNote, Publication

from .conftest import approve, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_explains_and_publishes_the_table_by_keyboard(visit, report):
    office = make_user("reviewer", "reviewer")
    for code, values in (("LV-01", [130 * m for m in range(1, 13)]), ("LV-02", ["4.1"] * 12)):
        indicator = Indicator.objects.get(report=report, code=code)
        for month, value in enumerate(values, 1):
            approve(indicator, month, value)
    for month in range(1, 13):
        publishing.publish(report, month, user=office)
    page = visit.page

    visit.login("reviewer")
    page.click(".topbar nav a:text-is('对照表')")
    page.wait_for_load_state("networkidle")
    assert "完成情况对照表" in page.inner_text("h1")
    lv01 = page.locator("tr[data-code='LV-01']")
    assert lv01.locator(".result").inner_text() == "1,560人"
    assert lv01.locator(".badge").inner_text() == "完成"

    # Keyboard only: focus the first explanation, type, Tab to the next, type, save with Enter.
    page.locator("tr[data-code='PP-01'] textarea").focus()
    page.keyboard.type("项目库按季度更新。")
    focused = page.evaluate("document.activeElement.name")
    assert focused.startswith("note_")
    lv01.locator("textarea").focus()
    page.keyboard.type("全年新增就业1560人，超额完成。")
    page.keyboard.press("Tab")
    save = page.locator("#comparison-notes button[type=submit]")
    save.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "已保存2条说明" in page.inner_text(".messages")
    assert dict(ComparisonNote.objects.values_list("indicator__code", "explanation")) == {
        "PP-01": "项目库按季度更新。",
        "LV-01": "全年新增就业1560人，超额完成。",
    }
    screenshot(page, "comparison-draft")

    page.locator("#id_confirm").focus()
    page.keyboard.press("Space")
    page.locator("#comparison-publish button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "对照表已发布" in page.inner_text(".messages")
    assert Publication.objects.get(report=report).table_published_at is not None
    assert page.locator("textarea").count() == 0
    assert "全年新增就业1560人" in lv01.inner_text()
    assert "说明已冻结" in page.inner_text("#comparison-state")
    screenshot(page, "comparison-published")
    assert visit.console_errors == [] and visit.foreign_requests == []
    assert visit.failed_responses == []
