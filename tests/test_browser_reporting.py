"""In real Chromium: 发改局 fills and submits September 2023, the reviewer approves it, and the
overview's number for that target changes."""

import pytest
from django.contrib.auth.models import Group

from indicators.models import Department, Indicator

from .conftest import approve, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def overview_value(visit, code):
    visit.goto("/?year=2023&month=9")
    return visit.page.inner_text(f'tr[data-code="{code}"] td.actual').strip()


def test_fill_submit_approve_and_see_the_overview_change(visit, report):
    fgj = make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    reviewer = make_user("reviewer", "reviewer")
    make_user("leader", "leader")
    assert Group.objects.get(name="reporter") in fgj.groups.all()
    solar = Indicator.objects.get(report=report, code="EC-05")
    approve(solar, 8, 80, note="8月底完成组件安装")

    visit.login("leader")
    assert overview_value(visit, "EC-05") == "80"
    visit.page.context.clear_cookies()

    # The reporter lands on a month's form, opens September and fills it with the keyboard.
    visit.login("fgj")
    visit.goto("/report/2023/9/")
    page = visit.page
    assert "填写 0/2" in page.inner_text("#fill-count")
    page.focus(f"#id_i{solar.pk}-value")
    page.keyboard.type("85")
    page.keyboard.press("Tab")
    page.keyboard.type("并网调试完成")
    page.keyboard.press("Tab")
    page.keyboard.type("无")
    page.keyboard.press("Tab")  # the row's evidence chooser (佐证材料), reachable by keyboard too
    assert page.evaluate("document.activeElement.type") == "file"
    page.keyboard.press("Tab")  # on to the next row's value
    page.keyboard.type("40")
    assert "填写 2/2" in page.inner_text("#fill-count")
    screenshot(page, "monthly-form-filled")
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    assert "已报送2条" in page.inner_text(".messages")
    assert page.locator(f"#id_i{solar.pk}-value").count() == 0  # read-only now
    visit.page.context.clear_cookies()

    # Not yet approved: the overview still shows August's value.
    visit.login("leader")
    assert overview_value(visit, "EC-05") == "80"
    visit.page.context.clear_cookies()

    visit.login("reviewer")
    visit.goto("/review/?year=2023")
    row = page.locator('tr[data-code="EC-05"]')
    assert "85" in row.inner_text()
    screenshot(page, "review-queue")
    row.locator("button.approve").click()
    page.wait_for_load_state("networkidle")
    assert "已审核通过1条" in page.inner_text(".messages")
    visit.page.context.clear_cookies()

    visit.login("leader")
    assert overview_value(visit, "EC-05") == "85"
    assert reviewer.pk
    assert visit.failed_responses == []
    assert visit.console_errors == []
    assert visit.foreign_requests == []


def test_a_returned_entry_is_corrected_and_resubmitted(visit, report):
    make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    make_user("reviewer", "reviewer")
    solar = Indicator.objects.get(report=report, code="EC-05")
    page = visit.page

    visit.login("fgj")
    visit.goto("/report/2023/9/")
    page.fill(f"#id_i{solar.pk}-value", "150")
    page.click("button[value=save]")
    # refused beside its row, the rest kept
    assert "须在0到100之间" in page.inner_text('tr[data-code="EC-05"]')
    page.fill(f"#id_i{solar.pk}-value", "85")
    others = page.locator("tr.editable input.value-input")
    for index in range(others.count()):
        if not others.nth(index).input_value():
            others.nth(index).fill("30")
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    visit.page.context.clear_cookies()

    visit.login("reviewer")
    visit.goto("/review/?year=2023")
    row = page.locator('tr[data-code="EC-05"]')
    row.locator("input[name=comment]").fill("与现场核查不符")
    row.locator("button.return").click()
    page.wait_for_load_state("networkidle")
    assert "已退回1条" in page.inner_text(".messages")
    visit.page.context.clear_cookies()

    visit.login("fgj")
    visit.goto("/report/2023/9/")
    assert "退回意见：与现场核查不符" in page.inner_text('tr[data-code="EC-05"]')
    page.fill(f"#id_i{solar.pk}-value", "82")
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    assert "已报送1条" in page.inner_text(".messages")
    assert visit.console_errors == []
