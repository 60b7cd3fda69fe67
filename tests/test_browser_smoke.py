"""A real Chromium logs in and reads the overview, with nothing fetched from another host, and
downloads the month's Excel summary from it."""

import pytest
from openpyxl import load_workbook

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_logs_in_and_reads_the_overview(visit, report, leader):
    visit.login("t-leader")
    visit.goto("/?year=2023&month=9")
    assert "截至9月底，40项目标中" in visit.page.inner_text(".verdict")
    assert visit.page.locator("tr[data-code]").count() == 40
    screenshot(visit.page, "overview-smoke")
    assert visit.failed_responses == []
    assert visit.console_errors == []
    assert visit.foreign_requests == []


def test_leader_downloads_the_months_summary_from_the_overview(visit, report, leader, tmp_path):
    visit.login("t-leader")
    visit.goto("/?year=2023&month=9")
    link = visit.page.locator("#summary-link")
    assert link.inner_text() == "下载9月Excel汇总"
    with visit.page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename.endswith("（截至9月底）.xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    verdict = [
        cell
        for row in workbook.worksheets[0].iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str) and cell.startswith("截至9月底，40项目标中")
    ]
    assert verdict, workbook.sheetnames
