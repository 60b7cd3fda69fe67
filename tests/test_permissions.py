"""The permission matrix: every role x every page and action, checked on the server.

Roles: anonymous, the reporter of the row's department (fgj, 发改局), a reporter of another
department (rsj, 人社局), the reviewer (督查室) and a leader. The object pages use 发改局's rows.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone

from indicators import demo
from indicators.models import Department, Indicator, ProgressEntry
from projects.models import Project

from .conftest import make_user

ANON, OWN, OTHER, REVIEWER, LEADER = "anonymous", "own", "other", "reviewer", "leader"
ROLES = [ANON, OWN, OTHER, REVIEWER, LEADER]
LOGIN = "login"  # a redirect to the login page


@pytest.fixture
def world(db):
    """The 2023 report with one project of 发改局, and one user per role."""
    report = demo.ensure_report()
    demo.ensure_groups()
    fgj = Department.objects.get(code="fgj")
    Project.objects.create(
        report=report,
        code="SS2023-001",
        name="柳城县标准厂房建设项目",
        category="implementation",
        build_type="new",
        total_investment=12000,
        planned_investment=3000,
        lead_department=fgj,
    )
    users = {
        OWN: make_user("p-fgj", "reporter", fgj),
        OTHER: make_user("p-rsj", "reporter", Department.objects.get(code="rsj")),
        REVIEWER: make_user("p-reviewer", "reviewer"),
        LEADER: make_user("p-leader", "leader"),
    }
    objects = {
        "indicator": Indicator.objects.get(report=report, code="EC-05"),
        "section": Indicator.objects.get(report=report, code="EC-05").section,
        "department": fgj,
        "project": Project.objects.filter(report=report, lead_department=fgj).first(),
    }
    return report, users, objects


# page -> expected status per role, in ROLES order (LOGIN: redirected to the login page)
GET_MATRIX = {
    "/": [LOGIN, 403, 403, 200, 200],
    "/sections/{section}/": [LOGIN, 403, 403, 200, 200],
    "/indicators/{indicator}/": [LOGIN, 200, 403, 200, 200],
    "/departments/": [LOGIN, 403, 403, 200, 200],
    "/departments/{department}/": [LOGIN, 200, 403, 200, 200],
    "/screen/": [LOGIN, 403, 403, 200, 200],
    "/projects/": [LOGIN, 200, 200, 200, 200],
    "/projects/{project}/": [LOGIN, 200, 403, 200, 200],
    "/projects/investment/": [LOGIN, 403, 403, 200, 200],
    "/report/2023/9/": [LOGIN, 200, 200, 403, 403],
    "/review/": [LOGIN, 403, 403, 200, 403],
    "/export/summary.xlsx?year=2023&month=9": [LOGIN, 403, 403, 200, 200],
    "/import/": [LOGIN, 200, 200, 403, 403],
}


def login(client, users, role):
    if role != ANON:
        client.force_login(users[role])


def check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


@pytest.mark.parametrize("page", GET_MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_get_matrix(client, world, page, role):
    _, users, objects = world
    login(client, users, role)
    url = page.format(**{name: obj.pk for name, obj in objects.items()})
    check(client.get(url), GET_MATRIX[page][ROLES.index(role)])


def submitted_entry(report):
    entry = ProgressEntry.objects.create(
        indicator=Indicator.objects.get(report=report, code="EC-05"),
        month=9,
        value=85,
        state="submitted",
    )
    return entry


@pytest.mark.parametrize(
    ("role", "expected"), list(zip(ROLES, [LOGIN, 403, 403, 302, 403], strict=True))
)
def test_approving_is_for_reviewers_only(client, world, role, expected):
    report, users, _ = world
    entry = submitted_entry(report)
    login(client, users, role)
    check(client.post("/review/approve/", {"entries": [entry.pk]}), expected)
    entry.refresh_from_db()
    assert entry.state == ("approved" if role == REVIEWER else "submitted")


@pytest.mark.parametrize(
    ("role", "expected"), list(zip(ROLES, [LOGIN, 403, 403, 302, 403], strict=True))
)
def test_returning_is_for_reviewers_only(client, world, role, expected):
    report, users, _ = world
    entry = submitted_entry(report)
    login(client, users, role)
    check(client.post("/review/return/", {"entries": [entry.pk], "comment": "请核实"}), expected)
    entry.refresh_from_db()
    assert entry.state == ("returned" if role == REVIEWER else "submitted")


@pytest.mark.parametrize(
    ("role", "expected"), list(zip(ROLES, [LOGIN, 403, 403, 302, 403], strict=True))
)
def test_locking_is_for_reviewers_only(client, world, role, expected):
    report, users, _ = world
    login(client, users, role)
    check(client.post("/locks/2023/9/", {"action": "lock"}), expected)
    assert report.locks.filter(month=9).exists() == (role == REVIEWER)


@pytest.mark.parametrize(
    ("role", "expected"), list(zip(ROLES, [LOGIN, 302, 403, 403, 403], strict=True))
)
def test_posting_the_monthly_form(client, world, role, expected):
    """Only 发改局's reporter may post 发改局's row; rsj posting it is refused as a forgery."""
    _, users, objects = world
    solar = objects["indicator"]
    login(client, users, role)
    prefix = f"i{solar.pk}"
    data = {
        "action": "save",
        "rows": str(solar.pk),
        f"{prefix}-value": "85",
        f"{prefix}-note": "",
        f"{prefix}-problems": "",
        f"{prefix}-version": "0",
    }
    check(client.post("/report/2023/9/", data), expected)
    assert ProgressEntry.objects.filter(indicator=solar, month=9).exists() == (role == OWN)


def test_get_requests_to_actions_are_refused(client, world):
    _, users, _ = world
    login(client, users, REVIEWER)
    assert client.get("/review/approve/").status_code == 405
    assert client.get("/locks/2023/9/").status_code == 405


@pytest.fixture
def staff_reporter(world):
    _, users, _ = world
    user = users[OWN]
    user.is_staff = True
    user.save()
    return user


def test_reporter_in_the_admin_sees_only_their_departments_rows(client, world, staff_reporter):
    report, _, objects = world
    solar = objects["indicator"]
    jobs = Indicator.objects.get(report=report, code="LV-01")
    own = ProgressEntry.objects.create(indicator=solar, month=9, value=80)
    other = ProgressEntry.objects.create(indicator=jobs, month=9, value=1200)
    client.force_login(staff_reporter)
    page = client.get("/admin/indicators/progressentry/").content.decode()
    assert f"/admin/indicators/progressentry/{own.pk}/change/" in page
    assert f"/admin/indicators/progressentry/{other.pk}/change/" not in page
    assert client.get(f"/admin/indicators/progressentry/{other.pk}/change/").status_code == 302
    page = client.get("/admin/indicators/indicator/").content.decode()
    assert "EC-05" in page and "LV-01" not in page


def test_reporter_in_the_admin_cannot_change_a_submitted_entry(client, world, staff_reporter):
    _, _, objects = world
    entry = ProgressEntry.objects.create(
        indicator=objects["indicator"], month=9, value=80, state="submitted"
    )
    client.force_login(staff_reporter)
    response = client.post(
        f"/admin/indicators/progressentry/{entry.pk}/change/",
        {"indicator": entry.indicator_id, "month": 9, "value": "99", "state": "approved"},
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.value, entry.state) == (80, "submitted")
