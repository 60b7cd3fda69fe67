"""Password rules of 等保2.0: character classes and length from the security policy, no reuse of
the last five passwords, a history kept whichever way a password is set, and expiry with a
warning ahead and a forced change after."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import passwords
from accounts.models import PasswordHistory, SecurityPolicy
from indicators import people
from indicators.models import Department, User

from .conftest import make_user

CHANGE = "/accounts/password/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def change(client, old, new):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def set_policy(**fields):
    policy = SecurityPolicy.objects.get_or_create(pk=1)[0]
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()


# --- Complexity and length ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "simple", ["liuchengxian-plan", "LIUCHENG-PLAN-OK", "liuchengxian2024", "Liuchengxianplan"]
)
def test_a_password_of_two_character_classes_is_refused(fgj, simple):
    with pytest.raises(ValidationError) as refused:
        validate_password(simple, fgj)
    assert "四类中的至少3类" in " ".join(refused.value.messages)


@pytest.mark.parametrize("good", ["Liucheng-plan-ok", "liucheng-2024-ok", "Liucheng2024plan"])
def test_a_password_of_three_character_classes_is_accepted(fgj, good):
    validate_password(good, fgj)


@pytest.mark.parametrize("password", ["T-fgj#Pass12", "Xy9#jgf-t-Qz", "ab#T-FGJ-2026"])
def test_a_password_holding_the_login_name_is_refused(fgj, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, fgj)  # t-fgj, forwards, backwards, in capitals
    assert "密码不能包含登录名。" in refused.value.messages


def test_the_policy_sets_the_classes_and_the_length(fgj):
    set_policy(password_classes=4, password_min_length=16)
    with pytest.raises(ValidationError):
        validate_password("Liucheng2024plan", fgj)  # no symbol
    with pytest.raises(ValidationError) as refused:
        validate_password("Liucheng-2024-o", fgj)  # 15 characters
    assert any("16" in message for message in refused.value.messages)
    validate_password("Liucheng-2024-ok", fgj)


def test_the_change_page_refuses_a_simple_password_in_chinese(client, fgj):
    client.force_login(fgj)
    response = change(client, "pw-for-tests-1", "liuchengxian-plan")
    assert response.status_code == 400
    assert "密码须包含大写字母、小写字母、数字、符号四类中的至少3类" in response.content.decode()


# --- History and reuse --------------------------------------------------------------------------

SIX = [f"Liucheng-{n}-Plan" for n in range(1, 7)]


def test_each_of_the_last_five_passwords_is_refused_and_the_sixth_is_allowed(client, fgj):
    client.force_login(fgj)
    old = "pw-for-tests-1"
    for new in SIX:
        assert change(client, old, new).status_code == 302
        old = new
    for recent in SIX[1:]:
        response = change(client, old, recent)
        assert response.status_code == 400, recent
        assert "不能使用最近5次用过的密码" in response.content.decode()
    assert change(client, old, SIX[0]).status_code == 302


def test_the_current_password_may_not_be_set_again(client, fgj):
    client.force_login(fgj)
    assert change(client, "pw-for-tests-1", "pw-for-tests-1").status_code == 400


def test_history_is_kept_for_the_policys_count_only(fgj):
    for new in SIX:
        fgj.set_password(new)
        fgj.save()
    kept = PasswordHistory.objects.filter(user=fgj)
    assert kept.count() == 5
    assert fgj.check_password(SIX[-1])
    with pytest.raises(ValidationError):
        validate_password(SIX[1], fgj)
    validate_password(SIX[0], fgj)


def test_a_new_account_starts_its_history(report):
    user = make_user("t-new")
    assert PasswordHistory.objects.filter(user=user).count() == 1


def test_the_admins_set_password_records_history(client, fgj):
    admin = User.objects.create_superuser("t-admin", password="Admin-password-1")
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[fgj.pk])
    response = client.post(
        url, {"password1": SIX[0], "password2": SIX[0], "usable_password": "true"}
    )
    assert response.status_code == 302
    assert PasswordHistory.objects.filter(user=fgj).count() == 2
    # Setting it again is reuse.
    response = client.post(
        url, {"password1": SIX[0], "password2": SIX[0], "usable_password": "true"}
    )
    assert response.status_code == 200
    assert "不能使用最近5次用过的密码" in response.content.decode()


def test_the_users_workbook_records_the_initial_passwords(report):
    person = people.Person(
        row=2,
        name="张三",
        username="t-zhang",
        department=Department.objects.get(code="fgj"),
        role="reporter",
        phone="",
    )
    loaded = people.apply_users([person])
    user = User.objects.get(username="t-zhang")
    ((_person, password),) = loaded.created
    (row,) = PasswordHistory.objects.filter(user=user)
    assert row.password == user.password
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_hash_rewritten_at_login_is_not_a_new_password(client, settings, fgj):
    # A stronger hasher rewrites the stored hash at the next login: same password, same age.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    before = list(PasswordHistory.objects.filter(user=fgj))
    response = client.post("/accounts/login/", {"username": "t-fgj", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    fgj.refresh_from_db()
    assert fgj.password.startswith("pbkdf2_sha256$")
    assert list(PasswordHistory.objects.filter(user=fgj)) == before


# --- Expiry -------------------------------------------------------------------------------------


@pytest.fixture
def fresh(report):
    """A reporter whose password was set at START."""
    with time_machine.travel(START, tick=False):
        return make_user("t-fresh", "reporter", Department.objects.get(code="fgj"))


def login_on(client, day, address="10.0.0.7"):
    return client.post(
        "/accounts/login/",
        {"username": "t-fresh", "password": "pw-for-tests-1"},
        REMOTE_ADDR=address,
        follow=True,
    )


def test_seven_days_before_expiry_a_warning_follows_the_login(client, fresh):
    with time_machine.travel(START + timedelta(days=83), tick=False):
        page = login_on(client, 83).content.decode()
    assert "您的密码将于7天后过期，请及时修改" in page


def test_eight_days_before_expiry_there_is_no_warning(client, fresh):
    with time_machine.travel(START + timedelta(days=82), tick=False):
        page = login_on(client, 82).content.decode()
    assert "过期" not in page


def test_the_warning_comes_once_a_day_on_pages(client, fresh):
    page = f"/departments/{fresh.department_id}/"
    evening = START + timedelta(days=85, hours=14, minutes=50)  # 23:50
    with time_machine.travel(evening, tick=False):
        assert "5天后过期" in login_on(client, 85).content.decode()
        assert "过期" not in client.get(page).content.decode()
    with time_machine.travel(evening + timedelta(minutes=20), tick=False):  # 00:10
        assert "5天后过期" in client.get(page).content.decode()
        assert "过期" not in client.get(page).content.decode()


def test_after_expiry_every_page_leads_to_the_password_change(client, fresh):
    with time_machine.travel(START + timedelta(days=91), tick=False):
        login_on(client, 91)
        for path in ("/", "/departments/", "/admin/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith(f"{CHANGE}?next="), path
        page = client.get(CHANGE).content.decode()
        assert "您的密码已过期" in page
        response = change(client, "pw-for-tests-1", "Liucheng-2026-new")
        assert response.status_code == 302
        assert client.get(f"/departments/{fresh.department_id}/").status_code == 200


def test_an_account_without_history_ages_from_when_it_was_made(client, fresh):
    PasswordHistory.objects.filter(user=fresh).delete()
    fresh.date_joined = START - timedelta(days=100)
    fresh.save()
    with time_machine.travel(START, tick=False):
        login_on(client, 0)
        assert client.get("/departments/").status_code == 302


def test_a_lifetime_of_zero_never_expires(client, fresh):
    set_policy(password_max_age_days=0)
    with time_machine.travel(START + timedelta(days=400), tick=False):
        page = login_on(client, 400).content.decode()
        assert "过期" not in page
        assert client.get(f"/departments/{fresh.department_id}/").status_code == 200


def test_days_left_rounds_up_and_is_none_without_expiry(report):
    rules = SecurityPolicy(password_max_age_days=90)
    assert passwords.days_left(START, rules, START + timedelta(days=83, hours=1)) == 7
    assert passwords.days_left(START, rules, START + timedelta(days=90)) == 0
    assert passwords.days_left(START, SecurityPolicy(password_max_age_days=0), START) is None
