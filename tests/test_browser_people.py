"""A real Chromium loads a users workbook in the admin: the page confirms what was loaded and
its link downloads the initial passwords."""

import pytest
from openpyxl import load_workbook

from indicators.models import User

from .conftest import screenshot
from .test_people import workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_loads_people_and_downloads_their_passwords(visit, report, tmp_path):
    User.objects.create_superuser("t-admin", password="pw-for-tests-1")
    upload = tmp_path / "用户.xlsx"
    upload.write_bytes(workbook())
    visit.login("t-admin")
    visit.goto("/admin/indicators/user/load/")
    visit.page.set_input_files("input[type=file]", str(upload))
    visit.page.click("input[type=submit]")
    visit.page.wait_for_load_state("networkidle")
    assert "已导入用户：新建4个" in visit.page.inner_text(".messagelist")
    assert visit.page.locator("#created-accounts tbody tr").count() == 4
    screenshot(visit.page, "users-loaded")
    with visit.page.expect_download() as started:
        visit.page.click("#passwords-download")
    download = started.value
    assert download.suggested_filename.startswith("初始密码-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert len([row for row in rows[1:] if row and row[1]]) == 4
    assert visit.failed_responses == [] and visit.console_errors == []
