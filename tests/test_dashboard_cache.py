"""Cached dashboards are never stale: every kind of change advances the data version in the
database, and the next request shows it, in this process, in other processes sharing the
database (a gunicorn server with two workers, each with its own local-memory cache), and with
Redis shared between them. What belongs to a person is never served from another's entry."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import load_workbook

from indicators import lifecycle, people, setup, versions, workflow
from indicators.models import Department, Indicator, ProgressEntry, Region, Report, Section
from projects.excel import load_register_file
from projects.models import Stage
from reporting import monthly_excel

from .conftest import make_project, make_user, submit
from .test_project_import import SETUP_ROWS
from .test_project_import import workbook as register_workbook

PERIOD = "?year=2023&month=9"
REDIS_URL = "redis://127.0.0.1:6379/12"  # database 12: this suite's own
ROOT = Path(settings.BASE_DIR)


def typed_target(report, code="fgj"):
    return (
        Indicator.objects.filter(report=report, lead_department__code=code, register_rule="")
        .order_by("code")
        .first()
    )


def main(page):
    """The page's content, without the header (whose logout form carries a fresh CSRF token on
    every request)."""
    return page.split("<main", 1)[1]


def no_data_count(page):
    return int(re.search(r"无数据(\d+)项", page).group(1))


# --- Every kind of change advances the version -----------------------------------------------


def save_draft(report, fgj, reviewer):
    submit(fgj, typed_target(report), 9, workflow.SAVE, value=Decimal(3), note="草稿")


def submit_entry(report, fgj, reviewer):
    submit(fgj, typed_target(report), 9, value=Decimal(3))


def _submitted(report, fgj):
    submit(fgj, typed_target(report), 9, value=Decimal(3))
    return ProgressEntry.objects.get(indicator=typed_target(report), month=9)


def approve_entry(report, fgj, reviewer):
    entry = _submitted(report, fgj)
    before = versions.counters([report.pk])
    workflow.review(reviewer, [entry], workflow.APPROVE)
    return before


def return_entry(report, fgj, reviewer):
    entry = _submitted(report, fgj)
    before = versions.counters([report.pk])
    workflow.review(reviewer, [entry], workflow.RETURN, "请核实")
    return before


def reopen_entry(report, fgj, reviewer):
    entry = _submitted(report, fgj)
    (entry,) = workflow.review(reviewer, [entry], workflow.APPROVE)
    before = versions.counters([report.pk])
    workflow.review(reviewer, [entry], workflow.REOPEN, "数据有误")
    return before


def lock_month(report, fgj, reviewer):
    workflow.lock_month(reviewer, report, 9)


def unlock_month(report, fgj, reviewer):
    workflow.lock_month(reviewer, report, 9)
    before = versions.counters([report.pk])
    workflow.unlock_month(reviewer, report, 9)
    return before


def import_month(report, fgj, reviewer):
    """The monthly Excel import: the gate's bulk path."""
    data = monthly_excel.monthly_template_bytes(fgj, report, 9)
    book = load_workbook(BytesIO(data))
    sheet = book[monthly_excel.MONTHLY_SHEET]
    sheet.cell(row=3, column=7).value = 5
    out = BytesIO()
    book.save(out)
    checked = monthly_excel.import_monthly(
        fgj, report, 9, SimpleUploadedFile("月报.xlsx", out.getvalue())
    )
    monthly_excel.commit_monthly(fgj, checked)


def register_workbook_change(report, fgj, reviewer):
    load_register_file(register_workbook(SETUP_ROWS), report, reviewer)


def register_stage_approved(report, fgj, reviewer):
    project = make_project(report, code="T-900")
    submit(fgj, project, 9, investment_completed=Decimal(10), stage=Stage.STARTED)
    entry = project.progress.get(month=9)
    entry.stage_date = None
    before = versions.counters([report.pk])
    workflow.review(reviewer, [entry], workflow.APPROVE)
    return before


def admin_section_change(report, fgj, reviewer, client=None):
    section = Section.objects.filter(report=report).first()
    admin = make_user("t-admin", region=report.region)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    before = versions.counters([report.pk])
    response = client.post(
        f"/admin/indicators/section/{section.pk}/change/",
        {"report": report.pk, "order": section.order, "name": section.name + "（改）"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return before


def target_change(report, fgj, reviewer):
    indicator = typed_target(report)
    indicator.target += 1
    indicator.save()


def report_workbook_change(report, fgj, reviewer):
    """The report's own set-up workbook, loaded back with one target raised (in 筹备, where a
    workbook loads: the office puts the report back before anything is entered)."""
    lifecycle.move(reviewer, report, "unpublish")
    book = load_workbook(BytesIO(setup.report_setup_bytes(report)))
    sheet = book[setup.INDICATOR_SHEET]
    rows = sheet.iter_rows()
    headers = [cell.value for cell in next(rows)]
    code, target = headers.index("编号"), headers.index("年度目标")
    for row in rows:
        if row[code].value == typed_target(report).code:
            row[target].value = float(row[target].value) + 1
    out = BytesIO()
    book.save(out)
    before = versions.counters([report.pk])
    setup.load_report_file(SimpleUploadedFile("报告.xlsx", out.getvalue()))
    return before


REPORT_CHANGES = [
    save_draft,
    submit_entry,
    approve_entry,
    return_entry,
    reopen_entry,
    lock_month,
    unlock_month,
    import_month,
    register_workbook_change,
    register_stage_approved,
    target_change,
    report_workbook_change,
]


@pytest.mark.parametrize("change", REPORT_CHANGES, ids=lambda change: change.__name__)
def test_every_change_to_a_report_advances_its_data_version(report, fgj, reviewer, change):
    before = versions.counters([report.pk])
    before = change(report, fgj, reviewer) or before
    after = versions.counters([report.pk])
    key = versions.report_key(report.pk)
    assert after[key] > before[key]


def test_an_admin_change_advances_the_data_version(client, report, fgj, reviewer):
    before = admin_section_change(report, fgj, reviewer, client)
    after = versions.counters([report.pk])
    key = versions.report_key(report.pk)
    assert after[key] > before[key]


def rename_region(report):
    region = report.region
    region.name = "柳城县（新）"
    region.save()


def rename_department(report):
    department = Department.objects.get(region=report.region, code="fgj")
    department.short_name = "发改"
    department.save()


def rename_person(report):
    leader = Department.objects.get(region=report.region, code="fgj").leader or make_user(
        "t-leader2", "leader"
    )
    leader.last_name = "新名字"
    leader.save()


def load_users(report):
    rows = [("张三", "fgj-zhangsan", "fgj", "填报员", "")]
    book = load_workbook(BytesIO(people.users_template_bytes()))
    for row in rows:
        book[people.USERS_SHEET].append(list(row))
    out = BytesIO()
    book.save(out)
    people.load_users_file(SimpleUploadedFile("用户.xlsx", out.getvalue()))


@pytest.mark.parametrize(
    "change",
    [rename_region, rename_department, rename_person, load_users],
    ids=lambda change: change.__name__,
)
def test_a_change_shared_by_every_report_advances_everything(report, change):
    before = versions.counters()
    change(report)
    assert versions.counters()[versions.EVERYTHING] > before[versions.EVERYTHING]


def test_a_login_changes_nothing_a_dashboard_shows(client, report, leader):
    before = versions.counters([report.pk])
    response = client.post(
        "/accounts/login/", {"username": leader.username, "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    assert versions.counters([report.pk]) == before


def test_a_change_in_one_report_leaves_another_reports_version(report, fgj):
    other = Region.objects.create(name="邻县", code="450299")
    other_report = Report.objects.create(
        region=other, year=2023, title="邻县2023年政府工作报告", state=Report.State.ACTIVE
    )
    before = versions.counters([other_report.pk])
    submit(fgj, typed_target(report), 9, workflow.SAVE, value=Decimal(1))
    assert versions.counters([other_report.pk]) == before


# --- The next request shows the change ----------------------------------------------------------


def test_the_overview_shows_an_approval_on_the_next_request(client, report, fgj, reviewer, leader):
    client.force_login(leader)
    first = client.get("/" + PERIOD).content.decode()
    assert main(client.get("/" + PERIOD).content.decode()) == main(first)  # from the cache
    entry = _submitted(report, fgj)
    workflow.review(reviewer, [entry], workflow.APPROVE)
    after = client.get("/" + PERIOD).content.decode()
    assert no_data_count(after) == no_data_count(first) - 1


@pytest.mark.parametrize(
    "url",
    ["/", "/departments/{fgj}/", "/screen/", "/projects/", "/projects/investment/"],
)
def test_every_cached_page_shows_a_register_change_on_the_next_request(
    client, report, fgj, reviewer, leader, url
):
    url = url.format(fgj=fgj.department_id)
    client.force_login(leader)
    make_project(report, code="T-001", name="第一个项目")
    before = main(client.get(url + PERIOD).content.decode())
    assert main(client.get(url + PERIOD).content.decode()) == before
    make_project(report, code="T-002", name="第二个项目", planned_investment=Decimal(77777))
    assert main(client.get(url + PERIOD).content.decode()) != before


# --- What belongs to a person is never another's --------------------------------------------------


def test_each_reader_gets_their_own_header_around_a_shared_overview(client, report, leader):
    other = make_user("t-leader-2", "leader")
    other.last_name = "另一位领导"
    other.save()
    client.force_login(leader)
    mine = client.get("/" + PERIOD).content.decode()
    client.force_login(other)
    theirs = client.get("/" + PERIOD).content.decode()
    assert "另一位领导" in theirs and "另一位领导" not in mine
    body = re.compile(r'<p class="verdict">.*</main>', re.S)
    assert body.search(mine).group(0) == body.search(theirs).group(0)


def test_a_reporter_never_sees_the_list_cached_for_another(client, report, leader, fgj, rsj):
    make_project(report, code="T-FGJ", lead_department=Department.objects.get(code="fgj"))
    make_project(report, code="T-RSJ", lead_department=Department.objects.get(code="rsj"))
    pages = {}
    for user in (leader, fgj, rsj, leader):
        client.force_login(user)
        pages[user.username] = client.get("/projects/" + PERIOD).content.decode()
    assert "T-FGJ" in pages[leader.username] and "T-RSJ" in pages[leader.username]
    assert "T-FGJ" in pages[fgj.username] and "T-RSJ" not in pages[fgj.username]
    assert "T-RSJ" in pages[rsj.username] and "T-FGJ" not in pages[rsj.username]


def test_reopen_forms_and_their_tokens_are_the_reviewers_own(client, report, fgj, reviewer, leader):
    entry = _submitted(report, fgj)
    workflow.review(reviewer, [entry], workflow.APPROVE)
    url = f"/indicators/{entry.indicator_id}/" + PERIOD
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "退回更正" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    client.force_login(leader)
    led = client.get(url).content.decode()
    assert "reopen" not in led.split("<main>")[1]
    assert token not in led


def test_pages_are_served_when_the_cache_is_down(client, report, leader, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    client.force_login(leader)
    assert client.get("/" + PERIOD).status_code == 200


# --- Redis ---------------------------------------------------------------------------------------


def redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache(settings):
    """Django's cache on the local redis-server (database 12), emptied before and after. A
    missing server skips the test with the reason, and fails it under CI=true."""
    if not redis_available():
        message = "no redis-server on 127.0.0.1:6379 (apt-get install -y redis-server)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    cache.clear()
    yield cache
    cache.clear()


def redis_keys():
    import redis

    return redis.Redis.from_url(REDIS_URL).keys("*dashboard:*")


def test_with_redis_the_overview_is_cached_there_and_shows_a_change_next(
    client, report, fgj, reviewer, leader, redis_cache
):
    client.force_login(leader)
    first = client.get("/" + PERIOD).content.decode()
    assert redis_keys()
    entry = _submitted(report, fgj)
    workflow.review(reviewer, [entry], workflow.APPROVE)
    assert no_data_count(client.get("/" + PERIOD).content.decode()) == no_data_count(first) - 1


# --- Another process: a gunicorn server on the same database -----------------------------------


def database_url():
    """The test database as a URL another process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving the test database from two worker processes (two local caches, or Redis
    when ``redis_url`` is given), stopped on the way out."""

    def __init__(self, redis_url=""):
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEMO": "1",
            "REDIS_URL": redis_url,
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "ERROR",
            "REQUEST_LOG_LEVEL": "WARNING",
        }
        env.pop("PYTEST_VERSION", None)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "county_targets.wsgi", "-w", "2", "-b", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(
            [*command, "--log-level", "error"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.process.stderr.read().decode())

    def get(self, path, session=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}")
        if session:
            request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={session}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its workers too: a session of its own
            self.process.wait(10)


def served_in_another_process(client, report, fgj, reviewer, leader, redis_url=""):
    client.force_login(leader)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    server = Server(redis_url)
    try:
        # Several requests: both workers have cached the page (or Redis has).
        pages = [server.get("/" + PERIOD, session) for _ in range(6)]
        assert len({main(page) for page in pages}) == 1
        entry = _submitted(report, fgj)
        workflow.review(reviewer, [entry], workflow.APPROVE)
        for _ in range(6):
            assert no_data_count(server.get("/" + PERIOD, session)) == no_data_count(pages[0]) - 1
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_server_in_other_processes_shows_a_change_on_the_next_request(
    client, report, fgj, reviewer, leader
):
    served_in_another_process(client, report, fgj, reviewer, leader)


@pytest.mark.django_db(transaction=True)
def test_a_server_sharing_redis_shows_a_change_on_the_next_request(
    client, report, fgj, reviewer, leader, redis_cache
):
    served_in_another_process(client, report, fgj, reviewer, leader, REDIS_URL)
    assert redis_keys()
