"""Accounts: password rules, the password change every user has, the forced change after an
initial password, and login throttling with its unlock path."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from indicators.demo import PASSWORD
from indicators.models import User
from reporting import demo

from .conftest import make_user

CHANGE = "/accounts/password/"
NEW = "Liucheng-2024-ok"


def login(client, username, password="pw-for-tests-1", address="10.0.0.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


# --- Password rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["demo1234", "fgjfgjfgj", "12345678901", "password123"])
def test_weak_passwords_are_refused(fgj, weak):
    with pytest.raises(ValidationError):
        validate_password(weak, User(username="fgj"))


def test_a_long_unrelated_password_is_accepted(fgj):
    validate_password(NEW, fgj)


def test_demo_users_keep_working_with_the_demo_password(report, client):
    demo.load_demo()
    assert login(client, "fgj", PASSWORD).status_code == 302
    assert not User.objects.get(username="fgj").must_change_password


# --- Changing one's password --------------------------------------------------------------------


def test_every_user_finds_the_password_change_in_the_header(client, fgj):
    client.force_login(fgj)
    page = client.get(f"/departments/{fgj.department_id}/").content.decode()
    assert f'href="{CHANGE}"' in page


def test_a_reporter_changes_their_password_and_stays_signed_in(client, fgj):
    client.force_login(fgj)
    response = client.post(
        CHANGE,
        {"old_password": "pw-for-tests-1", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    fgj.refresh_from_db()
    assert fgj.check_password(NEW)
    assert client.get(reverse("reporting:landing")).status_code == 302  # still signed in


def test_a_leader_who_changes_nothing_else_may_change_their_own_password(client, leader):
    client.force_login(leader)
    assert client.get(CHANGE).status_code == 200
    client.post(
        CHANGE, {"old_password": "pw-for-tests-1", "new_password1": NEW, "new_password2": NEW}
    )
    leader.refresh_from_db()
    assert leader.check_password(NEW)


def test_a_weak_new_password_is_refused_and_nothing_changes(client, fgj):
    client.force_login(fgj)
    response = client.post(
        CHANGE,
        {
            "old_password": "pw-for-tests-1",
            "new_password1": "fgjfgjfgj",
            "new_password2": "fgjfgjfgj",
        },
    )
    assert response.status_code == 400
    # In Chinese like the page (Django 5.2's own catalogue lacks this sentence's new wording).
    assert "密码长度太短。密码必须包含至少 10 个字符。" in response.content.decode()
    fgj.refresh_from_db()
    assert fgj.check_password("pw-for-tests-1")


def test_the_old_password_is_needed(client, fgj):
    client.force_login(fgj)
    response = client.post(
        CHANGE, {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 400
    fgj.refresh_from_db()
    assert fgj.check_password("pw-for-tests-1")


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_after_the_change_is_only_ever_one_of_ours(client, fgj):
    client.force_login(fgj)
    response = client.post(
        CHANGE,
        {
            "old_password": "pw-for-tests-1",
            "new_password1": NEW,
            "new_password2": NEW,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("reporting:landing")


# --- The forced change --------------------------------------------------------------------------


@pytest.fixture
def newcomer(report):
    user = make_user("t-newcomer", "leader")
    user.must_change_password = True
    user.save()
    return user


def test_an_initial_password_leads_every_page_to_the_password_change(client, newcomer):
    client.force_login(newcomer)
    for path in ("/", "/departments/", "/admin/", "/export/summary.xlsx?year=2023&month=9"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{CHANGE}?next="), path
    page = client.get(CHANGE)
    assert page.status_code == 200
    assert "初始密码" in page.content.decode()


def test_after_the_change_the_page_asked_for_opens(client, newcomer):
    client.force_login(newcomer)
    response = client.post(
        f"{CHANGE}?next=/departments/",
        {
            "old_password": "pw-for-tests-1",
            "new_password1": NEW,
            "new_password2": NEW,
            "next": "/departments/",
        },
    )
    assert response["Location"] == "/departments/"
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password
    assert client.get("/departments/").status_code == 200


def test_healthz_and_logout_stay_open_before_the_change(client, newcomer):
    client.force_login(newcomer)
    assert client.get("/healthz").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_a_user_the_office_adds_in_the_admin_must_change_the_password(client, report):
    admin = User.objects.create_superuser("t-admin", password="pw-for-tests-1")
    client.force_login(admin)
    response = client.post(
        reverse("admin:indicators_user_add"),
        {"username": "t-added", "password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="t-added").must_change_password


# --- Login throttling ---------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, fgj):
    for _ in range(4):
        assert login(client, "t-fgj", "wrong-password").status_code == 200
    # The fifth failure already answers with the lock-out page.
    assert login(client, "t-fgj", "wrong-password").status_code == 429
    response = login(client, "t-fgj")
    assert response.status_code == 429
    page = response.content.decode()
    assert "已被暂时锁定" in page
    assert "30分钟" in page
    assert "_auth_user_id" not in client.session


# One account at one address, never a whole address: see tests/test_login_throttling.py.


def test_the_office_unlocks_an_account_with_axes_reset_username(client, fgj):
    for _ in range(5):
        login(client, "t-fgj", "wrong-password")
    assert login(client, "t-fgj").status_code == 429
    call_command("axes_reset_username", "t-fgj", stdout=None)
    assert login(client, "t-fgj").status_code == 302


def test_the_office_sees_and_deletes_lockouts_in_the_admin(client, fgj):
    for _ in range(5):
        login(client, "t-fgj", "wrong-password")
    admin = User.objects.create_superuser("t-admin", password="pw-for-tests-1")
    client.force_login(admin)
    listing = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert "t-fgj" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="t-fgj")
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    client.logout()
    assert login(client, "t-fgj").status_code == 302


def test_a_right_password_before_the_limit_clears_the_count(client, fgj):
    for _ in range(4):
        login(client, "t-fgj", "wrong-password")
    assert login(client, "t-fgj").status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "t-fgj", "wrong-password")
    assert login(client, "t-fgj").status_code == 302
