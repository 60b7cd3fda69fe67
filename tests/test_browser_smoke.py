"""A real Chromium logs in and reads the overview, with nothing fetched from another host."""

import pytest

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
