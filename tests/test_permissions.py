"""The permission matrix: every role x every page and every write path, checked on the server.

Roles: anonymous, the reporter of the row's department (fgj, 发改局), the same reporter marked as
staff (the admin must still refuse them), a reporter of another department (rsj, 人社局), the
supervision office (reviewer, staff), a leader (marked as staff too) and the administrator.
The object pages use 发改局's rows. Every refused write is checked to have changed nothing.
"""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from indicators import demo
from indicators.models import Department, Indicator, MonthLock, ProgressEntry
from projects.models import Project, ProjectProgress
from reporting.monthly_excel import MONTHLY_SHEET

from .conftest import make_project, make_user

ANON, OWN, STAFF_OWN, OTHER, REVIEWER, LEADER, ADMIN = (
    "anonymous",
    "own",
    "staff_own",
    "other",
    "reviewer",
    "leader",
    "admin",
)
ROLES = [ANON, OWN, STAFF_OWN, OTHER, REVIEWER, LEADER, ADMIN]
LOGIN = "login"  # a redirect to the login page
HOME = "home"  # a redirect to the user's own home (the month they are due to fill in)


@pytest.fixture
def world(db):
    """The 2023 report with one project of 发改局, and one user per role."""
    report = demo.ensure_report()
    demo.ensure_groups()
    fgj = Department.objects.get(code="fgj")
    project = make_project(report, code="SS2023-001", name="柳城县标准厂房建设项目")
    staff_own = make_user("p-fgj-staff", "reporter", fgj)
    staff_own.is_staff = True
    staff_own.save()
    leader = make_user("p-leader", "leader")
    leader.is_staff = True
    leader.save()
    reviewer = make_user("p-reviewer", "reviewer")
    reviewer.is_staff = True
    reviewer.save()
    admin = make_user("p-admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    users = {
        OWN: make_user("p-fgj", "reporter", fgj),
        STAFF_OWN: staff_own,
        OTHER: make_user("p-rsj", "reporter", Department.objects.get(code="rsj")),
        REVIEWER: reviewer,
        LEADER: leader,
        ADMIN: admin,
    }
    indicator = Indicator.objects.get(report=report, code="EC-05")
    objects = {
        "indicator": indicator,
        "section": indicator.section,
        "department": fgj,
        "project": project,
    }
    return report, users, objects


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


def login(client, users, role):
    if role != ANON:
        client.force_login(users[role])


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif expected == HOME:
        assert response.status_code == 302
        assert response["Location"] == "/start/"
    else:
        assert response.status_code == expected, response.content.decode()[:400]


def expect(*statuses):
    return dict(zip(ROLES, statuses, strict=True))


# --- Reading ------------------------------------------------------------------------------------
#                                    anon   own  staff other review leader admin
GET_MATRIX = {
    "/": expect(LOGIN, HOME, HOME, HOME, 200, 200, 200),
    "/sections/{section}/": expect(LOGIN, 403, 403, 403, 200, 200, 200),
    "/indicators/{indicator}/": expect(LOGIN, 200, 200, 403, 200, 200, 200),
    "/departments/": expect(LOGIN, 403, 403, 403, 200, 200, 200),
    "/departments/{department}/": expect(LOGIN, 200, 200, 403, 200, 200, 200),
    "/screen/": expect(LOGIN, 403, 403, 403, 200, 200, 200),
    "/projects/": expect(LOGIN, 200, 200, 200, 200, 200, 200),
    "/projects/{project}/": expect(LOGIN, 200, 200, 403, 200, 200, 200),
    "/projects/investment/": expect(LOGIN, 403, 403, 403, 200, 200, 200),
    "/report/2023/9/": expect(LOGIN, 200, 200, 200, 403, 403, 403),
    "/review/": expect(LOGIN, 403, 403, 403, 200, 403, 200),
    "/export/summary.xlsx?year=2023&month=9": expect(LOGIN, 403, 403, 403, 200, 200, 200),
    "/import/": expect(LOGIN, 200, 200, 200, 403, 403, 403),
    "/admin/": expect(302, 403, 403, 403, 200, 403, 200),
}


@pytest.mark.parametrize("page", GET_MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(client, world, page, role):
    _, users, objects = world
    login(client, users, role)
    url = page.format(**{name: obj.pk for name, obj in objects.items()})
    check(client.get(url), GET_MATRIX[page][role])


def test_a_reporter_never_meets_a_bare_403_from_the_header(client, world):
    """Every link the header offers a reporter opens; a refused page is styled and leads home."""
    _, users, _ = world
    client.force_login(users[OWN])
    page = client.get("/report/2023/9/").content.decode()
    header = page.split("<nav>")[1].split("</nav>")[0]
    links = [part.split('"')[0] for part in header.split('href="')[1:]]
    assert links and "/projects/investment/" not in links
    for link in links:
        assert client.get(link, follow=True).status_code == 200, link
    refused = client.get("/screen/")
    assert refused.status_code == 403
    assert "没有权限查看此页" in refused.content.decode()
    assert 'href="/start/"' in refused.content.decode()


# --- The monthly form, the import ---------------------------------------------------------------
def form_post(solar, value="85"):
    prefix = f"i{solar.pk}"
    return {
        "action": "save",
        "rows": f"i{solar.pk}",
        f"{prefix}-value": value,
        f"{prefix}-note": "",
        f"{prefix}-problems": "",
        f"{prefix}-version": "0",
    }


@pytest.mark.parametrize(("role", "expected"), expect(LOGIN, 302, 302, 403, 403, 403, 403).items())
def test_posting_the_monthly_form(client, world, role, expected):
    """Only 发改局's reporter may post 发改局's row; rsj posting it is refused as a forgery."""
    _, users, objects = world
    solar = objects["indicator"]
    login(client, users, role)
    check(client.post("/report/2023/9/", form_post(solar)), expected)
    assert ProgressEntry.objects.filter(indicator=solar).exists() == (role in (OWN, STAFF_OWN))


def filled_template(client, user, value):
    client.force_login(user)
    data = client.get("/import/template.xlsx", {"year": 2023, "month": 9}).content
    workbook = load_workbook(BytesIO(data))
    workbook[MONTHLY_SHEET]["G3"] = value
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("role", "expected"), expect(LOGIN, 200, 200, 400, 403, 403, 403).items())
def test_importing_fgj_s_template(client, world, role, expected):
    """发改局's filled template: its reporters preview and confirm it; rsj's upload of it is
    refused as another department's; nobody else may import at all."""
    _, users, objects = world
    data = filled_template(client, users[OWN], 85)
    client.logout()
    login(client, users, role)
    upload = SimpleUploadedFile("t.xlsx", data)
    response = client.post("/import/", {"year": 2023, "month": 9, "file": upload})
    check(response, expected)
    if expected == 200:
        assert client.post("/import/", {"token": response.context["token"]}).status_code == 302
    written = ProgressEntry.objects.filter(indicator=objects["indicator"]).exists()
    assert written == (role in (OWN, STAFF_OWN))


def test_an_import_preview_cannot_be_confirmed_by_someone_else(client, world):
    _, users, _objects = world
    data = filled_template(client, users[OWN], 85)
    preview = client.post(
        "/import/", {"year": 2023, "month": 9, "file": SimpleUploadedFile("t.xlsx", data)}
    )
    token = preview.context["token"]
    client.force_login(users[OTHER])
    response = client.post("/import/", {"token": token}, follow=True)
    assert "预览已过期" in response.content.decode()
    assert not ProgressEntry.objects.exists()


# --- Review, reopen, locks ----------------------------------------------------------------------
REVIEWERS = (REVIEWER, ADMIN)
REVIEW_ONLY = expect(LOGIN, 403, 403, 403, 302, 403, 302)


def entry_in(report, state):
    return ProgressEntry.objects.create(
        indicator=Indicator.objects.get(report=report, code="EC-05"),
        month=9,
        value=85,
        state=state,
    )


@pytest.mark.parametrize(
    ("action", "state_before", "state_after"),
    [
        ("approve", "submitted", "approved"),
        ("return", "submitted", "returned"),
        ("reopen", "approved", "returned"),
    ],
)
@pytest.mark.parametrize(("role", "expected"), REVIEW_ONLY.items())
def test_review_actions_are_for_the_office_only(
    client, world, role, expected, action, state_before, state_after
):
    report, users, _ = world
    entry = entry_in(report, state_before)
    login(client, users, role)
    data = {"rows": [f"i{entry.pk}:{entry.version}"], "comment": "请核实"}
    check(client.post(f"/review/{action}/", data), expected)
    entry.refresh_from_db()
    assert entry.state == (state_after if role in REVIEWERS else state_before)


@pytest.mark.parametrize(("role", "expected"), REVIEW_ONLY.items())
def test_locking_is_for_the_office_only(client, world, role, expected):
    report, users, _ = world
    login(client, users, role)
    check(client.post("/locks/2023/9/", {"action": "lock"}), expected)
    assert report.locks.filter(month=9).exists() == (role in REVIEWERS)


@pytest.mark.parametrize(("role", "expected"), REVIEW_ONLY.items())
def test_unlocking_is_for_the_office_only(client, world, role, expected):
    report, users, _ = world
    MonthLock.objects.create(report=report, month=9)
    login(client, users, role)
    check(client.post("/locks/2023/9/", {"action": "unlock"}), expected)
    assert report.locks.filter(month=9).exists() == (role not in REVIEWERS)


def test_get_requests_to_actions_are_refused(client, world):
    _, users, _ = world
    login(client, users, REVIEWER)
    assert client.get("/review/approve/").status_code == 405
    assert client.get("/locks/2023/9/").status_code == 405


# --- The admin of both apps ---------------------------------------------------------------------
def snapshot():
    return (
        sorted(ProgressEntry.objects.values_list("pk", "value", "state", "version")),
        sorted(ProjectProgress.objects.values_list("pk", "investment_completed", "state")),
        sorted(Project.objects.values_list("pk", "name", "stage", "planned_investment")),
        sorted(MonthLock.objects.values_list("report_id", "month")),
        ProgressEntry.history.count(),
        ProjectProgress.history.count(),
    )


@pytest.fixture
def rows(world):
    """A submitted entry (with a history row to revert to), a project progress row, a lock."""
    report, _users, objects = world
    entry = entry_in(report, "submitted")
    entry.value = Decimal(90)
    entry.save()  # a second history row: something to "revert" to
    progress = ProjectProgress.objects.create(
        project=objects["project"], month=9, investment_completed=100, state="submitted"
    )
    lock = MonthLock.objects.create(report=report, month=3)
    return {"entry": entry, "progress": progress, "lock": lock, "project": objects["project"]}


ADMIN_MODELS = {
    "entry": "indicators/progressentry",
    "progress": "projects/projectprogress",
    "lock": "indicators/monthlock",
    "project": "projects/project",
}


def admin_urls(kind, obj):
    base = f"/admin/{ADMIN_MODELS[kind]}/"
    history = obj.history.order_by("history_id").first()
    return {
        "list": base,
        "add": f"{base}add/",
        "change": f"{base}{obj.pk}/change/",
        "delete": f"{base}{obj.pk}/delete/",
        "history": f"{base}{obj.pk}/history/",
        "revert": f"{base}{obj.pk}/history/{history.history_id}/",
    }


@pytest.mark.parametrize("kind", ADMIN_MODELS)
@pytest.mark.parametrize("role", [OWN, STAFF_OWN, OTHER, LEADER])
def test_nobody_but_the_office_reaches_any_admin_page(client, world, rows, kind, role):
    _, users, _ = world
    login(client, users, role)
    before = snapshot()
    for page, url in admin_urls(kind, rows[kind]).items():
        assert client.get(url).status_code == 403, (page, url)
        assert client.post(url, {"post": "yes", "value": "1", "name": "x"}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("kind", ["entry", "progress", "lock"])
@pytest.mark.parametrize("role", REVIEWERS)
def test_entries_and_locks_are_read_only_in_the_admin_even_for_the_office(
    client, world, rows, kind, role
):
    """They change through the workflow gate only; the admin shows them and their history."""
    _, users, _ = world
    login(client, users, role)
    urls = admin_urls(kind, rows[kind])
    before = snapshot()
    for page in ("list", "change", "history", "revert"):
        assert client.get(urls[page]).status_code == 200, page
    for page in ("add", "delete"):
        assert client.get(urls[page]).status_code == 403, page
    forged = {"value": "1", "investment_completed": "1", "state": "approved", "month": "9"}
    for page in ("add", "change", "delete", "revert"):
        assert client.post(urls[page], {**forged, "post": "yes"}).status_code == 403, page
    assert snapshot() == before


@pytest.mark.parametrize("role", REVIEWERS)
def test_the_office_registers_projects_in_the_admin_but_never_reverts_them(
    client, world, rows, role
):
    _, users, _ = world
    login(client, users, role)
    urls = admin_urls("project", rows["project"])
    assert client.get(urls["change"]).status_code == 200
    before = snapshot()
    assert client.post(urls["revert"], {"name": "x"}).status_code == 403
    assert snapshot() == before
