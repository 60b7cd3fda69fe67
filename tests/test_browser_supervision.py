"""In real Chromium: the office issues a supervision slip from a target's page, the department
answers it, the office accepts and closes it; a reporter sees the bell's count fall as notices
are read; the bulletin on screen and as printed (A4), saved in screenshots/."""

import shutil
import subprocess

import pytest

from indicators.models import Department, Indicator

from .conftest import SCREENSHOTS, approve, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def bell(visit):
    return int(visit.page.get_attribute(".bell-count", "data-unread"))


def test_a_slip_goes_from_the_office_to_the_department_and_back(visit, report):
    fgj = make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    make_user("reviewer", "reviewer")
    target = Indicator.objects.get(report=report, code="EC-06")
    for month in (8, 9):
        approve(target, month, 20, problems="电网接入容量不足")
    page = visit.page

    visit.login("reviewer")
    visit.goto(f"/indicators/{target.pk}/?month=9")
    page.click("#issue-slip")
    page.wait_for_load_state("networkidle")
    assert "EC-06" in page.input_value("#id_matter")
    page.fill("#id_requirement", "请于10日内反馈整改措施，确保年底前完成备案。")
    page.fill("#id_reply_by", "2023-10-20")
    page.click("#slip-issue button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "督办单已下发" in page.inner_text(".messages")
    assert page.inner_text("#slip-state") == "已下发"
    slip_url = page.url
    page.context.clear_cookies()

    visit.login("fgj")
    assert bell(visit) == 1
    visit.goto("/notices/")
    page.click(".notice-list li.unread button")
    page.wait_for_load_state("networkidle")
    assert page.url == slip_url and bell(visit) == 0
    page.fill("#id_causes", "电网接入容量不足，部分屋顶产权不清。")
    page.fill("#id_measures", "协调供电局扩容；逐户确认产权，分批备案。")
    page.fill("#id_recover_by", "2023-12-20")
    screenshot(page, "slip-answer")
    page.click("#slip-answer button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#slip-state") == "已反馈"
    assert "分批备案" in page.inner_text("#slip-measures")
    page.context.clear_cookies()

    visit.login("reviewer")
    assert bell(visit) == 1  # told of the answer
    visit.goto(slip_url.removeprefix(visit.base_url))
    page.click("#slip-accept button[type=submit]:not(.secondary)")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#slip-state") == "反馈通过"
    page.select_option("#id_closing", "decision")
    page.fill("#slip-close #id_office_comment", "整改措施已落实，经研究销号。")
    page.click("#slip-close button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#slip-state") == "已销号"
    screenshot(page, "slip-closed")
    assert not visit.console_errors and not visit.foreign_requests
    fgj.refresh_from_db()


def test_a_reporters_bell_falls_as_notices_are_read(visit, report):
    from supervision.models import Notice

    fgj = make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    for n in range(3):
        Notice.objects.create(user=fgj, report=report, title=f"【填报提醒】第{n + 1}条", url="/")
    page = visit.page
    visit.login("fgj")
    assert bell(visit) == 3
    visit.goto("/notices/")
    page.click(".notice-list li.unread button >> nth=0")
    page.wait_for_load_state("networkidle")
    assert bell(visit) == 2
    visit.goto("/notices/")
    assert page.locator(".notice-list li.unread").count() == 2
    page.click("#read-all")
    page.wait_for_load_state("networkidle")
    assert bell(visit) == 0
    assert not visit.console_errors


def test_the_bulletin_on_screen_and_printed(visit, report):
    make_user("reviewer", "reviewer")
    approve(Indicator.objects.get(report=report, code="EC-06"), 9, 20)
    page = visit.page
    visit.login("reviewer")
    visit.goto(f"/bulletins/2023/9/?report={report.pk}")
    assert "关于柳城县2023年1—9月" in page.inner_text("#bulletin h1")
    page.click("#bulletin-save button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "草稿" in page.inner_text("#bulletin-state")
    screenshot(page, "bulletin-page")
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator(".bulletin-edit").is_hidden()
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = SCREENSHOTS / "bulletin-browser-print.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    assert pdf.stat().st_size > 1000
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-png",
                "-singlefile",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(SCREENSHOTS / "bulletin-browser-print-page1"),
            ],
            check=True,
        )
    assert not visit.console_errors and not visit.foreign_requests
