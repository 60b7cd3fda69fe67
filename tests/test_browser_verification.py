"""In real Chromium: the office marks a target's approved September for 核实 from the target's
page, keeps a photo with the task and records a verified value beyond the tolerance; the
figure goes back to 人社局, whose reporter sees the verified value beside the input, adopts it
with one click and submits it again. Screenshots in screenshots/."""

from io import BytesIO

import pytest
from PIL import Image

from indicators.models import Department, EntryState, Indicator, ProgressEntry
from supervision.models import VerificationTask

from .conftest import approve, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png_bytes():
    out = BytesIO()
    Image.new("RGB", (120, 90), (30, 120, 60)).save(out, "PNG")
    return out.getvalue()


def test_an_over_tolerance_verification_is_proposed_to_the_reporter(visit, report):
    make_user("reviewer", "reviewer")
    make_user("rsj", "reporter", Department.objects.get(region=report.region, code="rsj"))
    jobs = Indicator.objects.get(report=report, code="LV-01")
    approve(jobs, 8, 900)
    entry = approve(jobs, 9, 1200)
    page = visit.page

    visit.login("reviewer")
    visit.goto(f"/indicators/{jobs.pk}/?month=9")
    page.select_option("#verification-mark select[name=entries]", str(entry.pk))
    page.click("#verification-mark button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#verification-state") == "待核实"
    page.set_input_files(
        "#verification-upload input[type=file]",
        files=[{"name": "台账.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )
    page.click("#verification-upload button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已上传1个核实材料" in page.inner_text(".messages")
    assert page.locator("#verification-evidence img.evidence-thumb").count() == 1
    page.fill("#id_verified_value", "1000")
    page.fill("#id_note", "人社局台账核对为1000人")
    screenshot(page, "verification-task")
    page.click("#verification-record button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#verification-state") == "核实不符，已退回更正"
    assert "已退回责任单位更正" in page.inner_text(".messages")
    visit.goto(f"/indicators/{jobs.pk}/?month=9")
    assert "已核实" in page.inner_text("#verification li[data-month='9']")
    screenshot(page, "verification-target")
    visit.goto("/verification/?month=9")
    assert "核实不符，已退回更正" in page.inner_text(".verification-tasks")
    screenshot(page, "verification-list")
    page.context.clear_cookies()

    visit.login("rsj")
    visit.goto("/report/2023/9/")
    row = page.locator(f"#row-i{jobs.pk}")
    assert "经督查室核实" in row.inner_text()
    assert "核实值：1,000人" in row.locator(".verified-proposal").inner_text()
    assert row.locator(".value-input").input_value() == "1200"
    screenshot(page, "verification-proposal")
    page.set_viewport_size({"width": 390, "height": 844})
    assert row.locator("button.adopt-verified").is_visible() and not visit.has_horizontal_scroll()
    screenshot(page, "verification-proposal-phone")
    page.set_viewport_size({"width": 1366, "height": 768})
    row.locator("button.adopt-verified").click()
    assert row.locator(".value-input").input_value() == "1000"
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    assert "已报送1条" in page.inner_text(".messages")
    entry = ProgressEntry.objects.get(pk=entry.pk)
    assert (entry.state, entry.value) == (EntryState.SUBMITTED, 1000)
    assert VerificationTask.objects.get().state == VerificationTask.State.REOPENED
    assert not visit.console_errors and not visit.foreign_requests
