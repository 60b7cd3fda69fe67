"""Roles and the 三员: every role's group and permissions come from ``accounts.roles`` (after
``migrate``, demo or not); the system, security and audit administrators each land on their own
page and are refused the others'; no account holds two powers, whatever path adds the group."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts import roles
from indicators.models import Region, User

from .conftest import make_user

AUDIT = "/audit/"


def administrator(username, role):
    """One of the 三员, of no region, in its one group (the system administrator is staff)."""
    user = User.objects.create_user(username, password="pw-for-tests-1")
    user.is_staff = role == roles.SYSADMIN
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def sysadmin(report):
    return administrator("t-sysadmin", roles.SYSADMIN)


@pytest.fixture
def secadmin(report):
    return administrator("t-secadmin", roles.SECADMIN)


@pytest.fixture
def auditor(report):
    return administrator("t-auditor", roles.AUDITOR)


def status(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


# --- Groups and permissions ---------------------------------------------------------------------


def test_every_role_has_its_group_and_permissions_after_migrate_without_the_demo(db):
    for name, role in roles.ROLES.items():
        group = Group.objects.get(name=name)
        held = {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == set(role.permissions), name
    assert Group.objects.get(name=roles.SYSADMIN).permissions.filter(codename="add_user").exists()
    assert not Group.objects.get(name=roles.SECADMIN).permissions.exists()


def test_ensure_groups_puts_back_a_permission_taken_from_a_group(db):
    office = Group.objects.get(name=roles.REVIEWER)
    office.permissions.clear()
    roles.ensure_groups()
    assert office.permissions.filter(codename="change_indicator").exists()


def test_the_three_administrators_are_labelled_in_chinese_and_are_the_三员():
    assert roles.ADMINISTRATORS == (roles.SYSADMIN, roles.SECADMIN, roles.AUDITOR)
    assert [str(roles.ROLES[name].label) for name in roles.ADMINISTRATORS] == [
        "系统管理员",
        "安全管理员",
        "审计管理员",
    ]


# --- The system administrator -------------------------------------------------------------------


def test_the_system_administrator_sets_up_regions_reports_departments_and_users_in_the_admin(
    client, sysadmin
):
    client.force_login(sysadmin)
    for url in (
        "admin:index",
        "admin:indicators_region_add",
        "admin:indicators_report_changelist",
        "admin:indicators_department_add",
        "admin:indicators_user_add",
    ):
        assert client.get(reverse(url)).status_code == 200, url
    response = client.post(
        reverse("admin:indicators_region_add"),
        {"name": "鹿寨县", "code": "450223", "level": "county"},
    )
    assert response.status_code == 302
    assert Region.objects.filter(name="鹿寨县").exists()


def test_the_system_administrator_cannot_make_itself_a_superuser(client, sysadmin):
    client.force_login(sysadmin)
    page = client.get(reverse("admin:indicators_user_change", args=[sysadmin.pk]))
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()


def test_the_system_administrator_reads_no_dashboard_reviews_nothing_and_has_no_security_page(
    client, sysadmin
):
    for url in ("/review/", "/departments/", "/screen/", "/security/"):
        assert status(client, sysadmin, url) == 403, url
    assert client.get("/")["Location"] == "/admin/"  # "/" is everyone's home: its own page
    assert status(client, sysadmin, "/admin/indicators/progressentry/") == 403


# --- The security and audit administrators ------------------------------------------------------


@pytest.mark.parametrize("who", ["secadmin", "auditor"])
def test_the_security_and_audit_administrators_are_refused_the_admin_and_dashboards(
    client, db, request, who
):
    user = request.getfixturevalue(who)
    user.is_staff = True  # even marked as staff by mistake
    user.save()
    for url in ("/admin/", "/admin/indicators/region/", "/review/", "/screen/", "/departments/"):
        assert status(client, user, url) == 403, (who, url)
    assert client.get("/")["Location"] in ("/security/", AUDIT)  # its own page, no dashboard


def test_the_auditor_is_refused_the_security_page(client, auditor):
    assert status(client, auditor, "/security/") == 403


def test_the_security_administrator_opens_the_security_page(client, secadmin):
    assert status(client, secadmin, "/security/") == 200


# --- Where each lands, and the header -----------------------------------------------------------


@pytest.mark.parametrize(
    "who, page", [("sysadmin", "/admin/"), ("secadmin", "/security/"), ("auditor", AUDIT)]
)
def test_each_administrator_lands_on_its_own_page_after_login(client, db, request, who, page):
    user = request.getfixturevalue(who)
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "pw-for-tests-1"}, follow=False
    )
    assert response.status_code == 302
    landing = client.get(response["Location"])
    assert landing.status_code == 302
    assert landing["Location"] == page


@pytest.mark.parametrize(
    "who, link, others",
    [
        ("sysadmin", 'href="/admin/"', ['href="/security/"', f'href="{AUDIT}"']),
        ("secadmin", 'href="/security/"', ['href="/admin/"', f'href="{AUDIT}"']),
        ("auditor", f'href="{AUDIT}"', ['href="/admin/"', 'href="/security/"']),
    ],
)
def test_the_header_shows_each_administrator_the_link_to_its_page_only(
    client, db, request, who, link, others
):
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse("password_change")).content.decode()
    header = page.split("</header>")[0]
    assert link in header
    for other in others:
        assert other not in header


def test_the_office_finds_the_lockouts_in_its_header(client, reviewer):
    client.force_login(reviewer)
    header = client.get("/").content.decode().split("</header>")[0]
    assert 'href="/security/"' in header


# --- No account holds two powers ----------------------------------------------------------------


def test_the_rule_allows_one_administrator_role_alone_and_business_roles_together():
    assert roles.group_refusal([roles.SYSADMIN]) is None
    assert roles.group_refusal([roles.REPORTER, roles.LEADER]) is None
    assert roles.group_refusal([]) is None
    assert "三员" in roles.group_refusal([roles.SECADMIN, roles.AUDITOR])
    assert "业务角色" in roles.group_refusal([roles.SYSADMIN, roles.REVIEWER])


def test_one_account_cannot_be_two_administrators(sysadmin):
    with pytest.raises(ValidationError, match="三员须由不同的人分别担任"), transaction.atomic():
        sysadmin.groups.add(Group.objects.get(name=roles.SECADMIN))
    assert set(sysadmin.groups.values_list("name", flat=True)) == {roles.SYSADMIN}


def test_the_rule_holds_when_the_group_side_adds_the_account(auditor):
    with pytest.raises(ValidationError), transaction.atomic():
        Group.objects.get(name=roles.SYSADMIN).user_set.add(auditor)
    assert set(auditor.groups.values_list("name", flat=True)) == {roles.AUDITOR}


def test_an_administrator_cannot_also_hold_a_business_role(reviewer, secadmin):
    with pytest.raises(ValidationError, match="业务角色"), transaction.atomic():
        reviewer.groups.add(Group.objects.get(name=roles.AUDITOR))
    with pytest.raises(ValidationError, match="业务角色"), transaction.atomic():
        secadmin.groups.add(Group.objects.get(name=roles.LEADER))
    assert set(reviewer.groups.values_list("name", flat=True)) == {roles.REVIEWER}


def test_groups_set_at_once_may_swap_one_role_for_another(report):
    user = make_user("t-swap", roles.LEADER)
    user.groups.set([Group.objects.get(name=roles.AUDITOR)])
    assert set(user.groups.values_list("name", flat=True)) == {roles.AUDITOR}


def test_the_admin_refuses_two_powers_with_a_message_and_changes_nothing(client, sysadmin, report):
    user = make_user("t-office-2", roles.REVIEWER)
    client.force_login(sysadmin)
    url = reverse("admin:indicators_user_change", args=[user.pk])
    groups = Group.objects.filter(name__in=[roles.REVIEWER, roles.SECADMIN])
    response = client.post(
        url,
        {
            "username": user.username,
            "last_name": "",
            "first_name": "",
            "email": "",
            "is_active": "on",
            "groups": [g.pk for g in groups],
            "region": user.region_id,
            "phone": "",
            "date_joined_0": "2023-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 200
    assert "安全管理员不能同时担任督查室等业务角色" in response.content.decode()
    assert set(user.groups.values_list("name", flat=True)) == {roles.REVIEWER}


# --- The demo -----------------------------------------------------------------------------------


def test_the_demo_has_the_三员_each_in_its_one_group_of_no_region(client, report):
    from indicators import demo

    demo.ensure_users()
    demo.ensure_users()  # twice is safe
    for username, page in (("sysadmin", "/admin/"), ("secadmin", "/security/"), ("auditor", AUDIT)):
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [username]
        assert user.region_id is None and not user.is_superuser
        assert user.is_staff == (username == "sysadmin")
        response = client.post(
            "/accounts/login/", {"username": username, "password": demo.PASSWORD}, follow=True
        )
        assert response.redirect_chain[-1][0] == page, username
        client.logout()
    assert User.objects.get(username="admin").is_superuser


def test_the_users_workbook_never_changes_an_administrator(secadmin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators import people
    from indicators.xlsx import ExcelImportError

    from .test_people import workbook

    data = workbook([("李安全", secadmin.username, "fgj", "填报员", "")])
    with pytest.raises(ExcelImportError) as refused:
        people.load_users_file(SimpleUploadedFile("用户.xlsx", data))
    assert any("不能通过导入修改" in str(problem) for problem in refused.value.problems)
    assert set(secadmin.groups.values_list("name", flat=True)) == {roles.SECADMIN}


def test_the_office_group_may_manage_people_in_the_admin(db):
    # Which people is the user admin's question (access.managed_users); the group lets it in.
    roles.ensure_groups()
    held = set(
        Group.objects.get(name=roles.REVIEWER).permissions.values_list("codename", flat=True)
    )
    assert {"add_user", "change_user", "view_user"} <= held
    assert not {"delete_user", "change_group"} & held


def test_the_system_administrator_never_opens_the_other_administrators_accounts(
    client, sysadmin, secadmin, auditor
):
    # Setting their passwords would let it act as them (三员): theirs are reset on the server.
    client.force_login(sysadmin)
    for user in (secadmin, auditor):
        # Django names the password page auth_user_password_change whatever the user model.
        for name in ("indicators_user_change", "auth_user_password_change"):
            url = reverse(f"admin:{name}", args=[user.pk])
            assert client.get(url).status_code == 404, url
        response = client.post(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {"password1": "Takeover#2026x", "password2": "Takeover#2026x"},
        )
        assert response.status_code == 404
        user.refresh_from_db()
        assert not user.check_password("Takeover#2026x")
    listing = client.get(reverse("admin:indicators_user_changelist")).content.decode()
    assert "t-auditor" not in listing and "t-secadmin" not in listing


def test_a_password_set_in_the_admin_for_someone_else_must_be_replaced_at_their_next_login(
    client, sysadmin, fgj
):
    client.force_login(sysadmin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[fgj.pk]),
        {"password1": "Reset#2026xyz", "password2": "Reset#2026xyz"},
    )
    assert response.status_code == 302
    fgj.refresh_from_db()
    assert fgj.must_change_password and fgj.check_password("Reset#2026xyz")
    reporter = type(client)()
    reporter.post("/accounts/login/", {"username": "t-fgj", "password": "Reset#2026xyz"})
    assert (
        reporter.get("/start/", follow=True)
        .redirect_chain[-1][0]
        .startswith(reverse("password_change"))
    )


def test_saving_a_user_in_the_admin_keeps_when_it_joined(client, sysadmin, fgj):
    from audit.models import Action, AuditRecord

    joined = fgj.date_joined
    client.force_login(sysadmin)
    url = reverse("admin:indicators_user_change", args=[fgj.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        groups=[g.pk for g in fgj.groups.all()],
        department=fgj.department_id,
        date_joined_0="2020-01-01",
        date_joined_1="00:00",
    )
    data.pop("password", None)
    data.pop("user_permissions", None)
    assert client.post(url, data).status_code == 302
    fgj.refresh_from_db()
    assert fgj.date_joined == joined
    changes = AuditRecord.objects.filter(action=Action.CHANGED, object_id=str(fgj.pk))
    assert not any("date_joined" in str(record.detail) for record in changes)


def test_the_admin_offers_no_view_site_link_to_the_system_administrator(client, sysadmin, reviewer):
    # Its site is the admin: "/" would send it straight back (a reader of dashboards keeps it).
    client.force_login(sysadmin)
    assert client.get("/admin/").context["site_url"] is None
    reviewer.is_staff = True
    reviewer.save()
    client.force_login(reviewer)
    assert client.get("/admin/").context["site_url"] == "/"
