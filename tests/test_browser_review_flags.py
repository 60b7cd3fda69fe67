"""In real Chromium: the office sees a flagged figure in the review queue with its flag, its
说明 and the last approved figures beside it (this year's and last year's), at 1366 px and on a
390 px phone without the page scrolling sideways; approving it asks first, saying it is flagged."""

from decimal import Decimal

import pytest

from indicators import checks
from indicators.checks import Flag
from indicators.models import Department, Indicator, ProgressEntry, Report, Section

from .conftest import approve, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHY = "本月新增3个光伏项目集中并网，增幅较大属实，附并网验收单。"


def flagged_queue(report):
    """EC-05 waiting for May, flagged (a step and past the target) with its 说明; approved
    January to March this year and May to December last year; EC-06 waiting, unflagged."""
    old = Report.objects.create(
        region=report.region, year=report.year - 1, title="2022年报告", state="archived"
    )
    section = Section.objects.create(report=old, name="经济发展", order=1)
    old_solar = Indicator.objects.create(
        report=old, section=section, code="EC-05", name="光伏", kind="cumulative",
        target=Decimal(100), unit="个", lead_department=Department.objects.get(code="fgj"),
    )  # fmt: skip
    for month in range(1, 13):
        approve(old_solar, month, month * 5)
    solar = Indicator.objects.get(report=report, code="EC-05")
    for month in (1, 2, 3):
        approve(solar, month, month * 10)
    flags = [
        Flag(checks.STEP, params={"k": 10}).as_data(),
        Flag(checks.BEYOND_TARGET, params={"factor": 2}).as_data(),
    ]
    entry = ProgressEntry.objects.create(
        indicator=solar, month=5, value=Decimal(95), note="并网", state="submitted",
        flags=flags, explanation=WHY,
    )  # fmt: skip
    ProgressEntry.objects.create(
        indicator=Indicator.objects.get(report=report, code="EC-06"),
        month=5,
        value=Decimal(40),
        state="submitted",
    )
    return entry


def body_overflows(page):
    return page.evaluate("document.body.scrollWidth > document.documentElement.clientWidth")


def test_the_office_reads_a_flagged_figure_and_approves_it_knowingly(visit, report):
    make_user("reviewer", "reviewer")
    entry = flagged_queue(report)
    visit.login("reviewer")
    page = visit.page
    visit.goto("/review/?year=2023&order=flags")
    row = page.locator(f'tr[data-entry="{entry.pk}"]')
    # Flagged rows first; the flag in words, the 说明, and the last 12 figures by year.
    assert page.locator("tr[data-entry]").first.get_attribute("data-code") == "EC-05"
    flags = row.locator("td.flag-cell")
    assert flags.locator(".flag").all_inner_texts() == ["⚠ 增幅异常", "⚠ 远超年度目标"]
    assert WHY in flags.inner_text()
    recent = row.locator("td.recent")
    assert recent.locator("dt").all_inner_texts() == ["2022年", "2023年"]
    assert recent.locator(".recent-value").count() == 12
    assert recent.locator(".recent-value.latest").inner_text() == "3月 30"
    assert recent.is_visible() and flags.is_visible()
    assert not body_overflows(page)
    screenshot(page, "review-flags-1366")

    page.set_viewport_size({"width": 390, "height": 844})
    visit.goto("/review/?year=2023&order=flags")
    row = page.locator(f'tr[data-entry="{entry.pk}"]')
    assert WHY in row.locator("td.flag-cell").inner_text()
    assert "2022年" in row.locator("td.recent").inner_text()
    assert not visit.has_horizontal_scroll()
    assert not body_overflows(page)
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(page, "review-flags-390")

    # Approving the flagged row asks first, saying so; dismissing it changes nothing.
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    row.locator("button.approve").click()
    page.wait_for_timeout(300)
    assert questions == ["所选1条中有1条带有校验提示，确定通过吗？"]
    entry.refresh_from_db()
    assert entry.state == "submitted"
    page.once("dialog", lambda dialog: answer(dialog, True))
    row.locator("button.approve").click()
    page.wait_for_load_state("networkidle")
    assert "已审核通过1条。其中1条带有校验提示。" in page.inner_text(".messages")
    entry.refresh_from_db()
    assert entry.state == "approved"
    assert visit.failed_responses == []
    assert visit.console_errors == []
    assert visit.foreign_requests == []
