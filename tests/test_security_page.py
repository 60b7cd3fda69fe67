"""The security page (/security/): the security administrator sees lock-outs and lifts them, sees
who is signed in and ends a session, and sets the policy; the supervision office sees and lifts
only its own region's lock-outs, and nothing else there; everyone else is refused."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import roles
from accounts.models import SecurityPolicy
from indicators.models import Region, User

from .conftest import make_user

PAGE = "/security/"
UNLOCK = "/security/unlock/"
END = "/security/sessions/end/"
POLICY = "/security/policy/"


@pytest.fixture
def secadmin(report):
    user = User.objects.create_user("t-secadmin", password="pw-for-tests-1")
    user.groups.add(Group.objects.get(name=roles.SECADMIN))
    return user


@pytest.fixture
def outsider(report):
    """A reporter-less account of another county, 鹿寨县, on the same server."""
    county = Region.objects.create(name="鹿寨县", code="450223", level=Region.Level.COUNTY)
    return make_user("t-luzhai", roles.LEADER, region=county)


def login(client, username, password="pw-for-tests-1", address="10.0.0.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def lock(username, address="10.0.0.7"):
    client = Client()
    for _ in range(5):
        login(client, username, "wrong-password", address)
    assert login(client, username, address=address).status_code == 429


def page(client, user):
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


# --- Lock-outs ----------------------------------------------------------------------------------


def test_the_security_administrator_lifts_a_lockout_and_the_account_signs_in_again(
    client, secadmin, fgj
):
    lock("t-fgj")
    shown = page(client, secadmin)
    assert 'data-username="t-fgj"' in shown
    assert "10.0.0.7" in shown
    response = client.post(UNLOCK, {"username": "t-fgj", "ip_address": "10.0.0.7"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="t-fgj").exists()
    assert login(Client(), "t-fgj").status_code == 302


def test_a_lockout_is_lifted_only_by_post_with_a_csrf_token(secadmin, fgj):
    lock("t-fgj")
    client = Client(enforce_csrf_checks=True)
    client.force_login(secadmin)
    assert client.get(UNLOCK, {"username": "t-fgj"}).status_code == 405
    assert client.post(UNLOCK, {"username": "t-fgj"}).status_code == 403
    assert AccessAttempt.objects.filter(username="t-fgj").exists()


def test_the_security_administrator_sees_a_lockout_of_a_name_no_one_holds(client, secadmin):
    lock("admin-guess")
    assert 'data-username="admin-guess"' in page(client, secadmin)


def test_an_account_locked_across_addresses_is_shown_once_and_lifted_everywhere(
    client, secadmin, fgj
):
    for n in range(5):  # four failures from each of five addresses: twenty for the account
        AccessAttempt.objects.create(
            username="t-fgj",
            ip_address=f"10.0.1.{n}",
            user_agent="test",
            failures_since_start=4,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/accounts/login/",
        )
    shown = page(client, secadmin)
    assert shown.count('data-username="t-fgj"') == 1
    assert "所有地址" in shown
    assert client.post(UNLOCK, {"username": "t-fgj", "ip_address": ""}).status_code == 302
    assert not AccessAttempt.objects.filter(username="t-fgj").exists()
    assert login(Client(), "t-fgj").status_code == 302


def test_failures_below_the_limit_are_no_lockout(client, secadmin, fgj):
    for _ in range(3):
        login(Client(), "t-fgj", "wrong-password")
    assert 'data-username="t-fgj"' not in page(client, secadmin)


def test_the_office_sees_and_lifts_only_its_own_regions_lockouts(client, reviewer, fgj, outsider):
    lock("t-fgj")
    lock("t-luzhai", address="10.9.9.9")
    lock("nobody-at-all", address="10.9.9.8")
    shown = page(client, reviewer)
    assert 'data-username="t-fgj"' in shown
    assert "t-luzhai" not in shown
    assert "nobody-at-all" not in shown
    assert client.post(UNLOCK, {"username": "t-luzhai"}).status_code == 404
    assert client.post(UNLOCK, {"username": "nobody-at-all"}).status_code == 404
    assert AccessAttempt.objects.filter(username="t-luzhai").exists()
    assert client.post(UNLOCK, {"username": "t-fgj", "ip_address": "10.0.0.7"}).status_code == 302
    assert login(Client(), "t-fgj").status_code == 302


def test_the_office_does_not_see_or_lift_an_administrators_lockout(client, reviewer):
    administrator = make_user("t-sysadmin-city", roles.SYSADMIN, region=reviewer.region)
    lock(administrator.username)
    assert administrator.username not in page(client, reviewer)
    assert client.post(UNLOCK, {"username": administrator.username}).status_code == 404


def test_a_malformed_address_lifts_nothing_and_says_so(client, secadmin, fgj):
    lock("t-fgj")
    client.force_login(secadmin)
    response = client.post(
        UNLOCK, {"username": "t-fgj", "ip_address": "not-an-address"}, follow=True
    )
    assert "账号或地址不正确" in response.content.decode()
    assert AccessAttempt.objects.filter(username="t-fgj").exists()


def test_the_outsiders_office_does_not_see_this_countys_lockouts(client, fgj, outsider):
    office = make_user("t-luzhai-office", roles.REVIEWER, region=outsider.region)
    lock("t-fgj")
    assert "t-fgj" not in page(client, office)
    assert client.post(UNLOCK, {"username": "t-fgj"}).status_code == 404


def test_the_office_sees_neither_sessions_nor_policy_and_may_not_use_them(
    client, reviewer, secadmin
):
    other = Client()
    other.force_login(secadmin)
    shown = page(client, reviewer)
    assert 'id="sessions"' not in shown
    assert 'id="policy"' not in shown
    handle = _handles()[0]
    assert client.post(END, {"session": handle}).status_code == 403
    assert client.post(POLICY, _policy(password_min_length=12)).status_code == 403
    assert SecurityPolicy.objects.get_or_create(pk=1)[0].password_min_length == 10
    assert len(_handles()) == 2


@pytest.mark.parametrize("who", ["fgj", "leader"])
def test_reporters_and_leaders_are_refused_the_security_page(client, db, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 403
    assert client.post(UNLOCK, {"username": "t-fgj"}).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Sessions -----------------------------------------------------------------------------------


def _handles():
    from accounts.security import signed_in

    return [session.handle for session in signed_in()]


def test_the_security_administrator_sees_who_is_signed_in_and_ends_a_session(client, secadmin, fgj):
    reporter = Client()
    assert login(reporter, "t-fgj").status_code == 302
    key = reporter.session.session_key
    shown = page(client, secadmin)
    assert 'data-username="t-fgj"' in shown
    assert key not in shown  # a session is never named by its key
    from accounts.security import handle

    response = client.post(END, {"session": handle(key)})
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert reporter.get("/start/")["Location"].startswith("/accounts/login/")
    assert client.get(PAGE).status_code == 200  # the administrator's own session goes on


def test_ending_a_session_that_is_not_there_is_404_and_ends_nothing(client, secadmin, fgj):
    login(Client(), "t-fgj")
    client.force_login(secadmin)
    assert client.post(END, {"session": "0" * 32}).status_code == 404
    assert client.post(END, {"session": "not-a-handle"}).status_code == 404
    assert Session.objects.count() == 2


# --- The policy ---------------------------------------------------------------------------------


def _policy(**changes):
    values = {
        "password_min_length": 10,
        "password_classes": 3,
        "password_max_age_days": 90,
        "password_warn_days": 7,
        "password_history": 5,
        "idle_minutes": 30,
        "session_hours": 8,
        "failure_limit": 5,
        "account_failure_limit": 20,
        "lockout_minutes": 30,
    }
    return values | changes


def test_the_security_administrator_sets_the_policy(client, secadmin):
    client.force_login(secadmin)
    response = client.post(POLICY, _policy(password_min_length=12, idle_minutes=15))
    assert response.status_code == 302
    rules = SecurityPolicy.objects.get(pk=1)
    assert (rules.password_min_length, rules.idle_minutes) == (12, 15)
    assert rules.updated_by == secadmin
    assert "安全策略" in client.get(PAGE).content.decode()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"password_min_length": 6}, "请填写8到64之间的数。"),
        ({"password_classes": 5}, "请填写1到4之间的数。"),
        ({"password_classes": 0}, "请填写1到4之间的数。"),
        ({"failure_limit": 1}, "请填写3到10之间的数。"),
        ({"password_max_age_days": 7, "password_warn_days": 10}, "须小于密码有效期。"),
        ({"account_failure_limit": 5, "failure_limit": 8}, "不能小于同一地址的上限"),
        ({"idle_minutes": "很久"}, "输入整数"),
    ],
)
def test_a_bad_policy_value_is_refused_with_a_message_and_changes_nothing(
    client, secadmin, changes, message
):
    client.force_login(secadmin)
    response = client.post(POLICY, _policy(**({"password_min_length": 12} | changes)))
    assert response.status_code == 400
    assert response.content.decode().count(message) == 1  # said once, by the one rule
    assert SecurityPolicy.objects.get_or_create(pk=1)[0].password_min_length == 10


# --- Language -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("who", ["secadmin", "reviewer"])
def test_the_security_page_speaks_one_language(request, fgj, who, language):
    from django.conf import settings

    from .interface_language import Data, page_problems

    lock("t-fgj")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(request.getfixturevalue(who))
    pages = [client.get(PAGE).content.decode()]
    if who == "secadmin":
        refused = client.post(POLICY, _policy(password_min_length=6, failure_limit=8))
        pages.append(refused.content.decode())
        pages.append(client.post(POLICY, _policy(), follow=True).content.decode())
    pages.append(client.post(UNLOCK, {"username": "t-fgj"}, follow=True).content.decode())
    data = Data()
    for html in pages:
        assert not page_problems(html, language, data)


# --- What the security officers do is in the audit log -----------------------------------------


def test_lifting_ending_and_setting_the_policy_are_each_recorded(client, secadmin, fgj):
    from audit.models import Action, AuditRecord

    lock("t-fgj")
    client.force_login(secadmin)
    assert client.post(UNLOCK, {"username": "t-fgj", "ip_address": "10.0.0.7"}).status_code == 302
    lifted = AuditRecord.objects.get(action=Action.LOCKOUT_LIFTED)
    assert (lifted.actor_name, lifted.detail) == (
        "t-secadmin",
        {"account": "t-fgj", "address": "10.0.0.7"},
    )
    reporter = Client()
    assert login(reporter, "t-fgj").status_code == 302
    from accounts.security import handle

    client.post(END, {"session": handle(reporter.session.session_key)})
    ended = AuditRecord.objects.get(action=Action.SESSION_ENDED)
    assert (ended.actor_name, ended.object_text) == ("t-secadmin", str(fgj))
    client.post(POLICY, _policy(idle_minutes=15))
    changed = AuditRecord.objects.filter(
        action=Action.CHANGED, object_label="accounts.SecurityPolicy"
    ).last()
    assert changed.actor_name == "t-secadmin"
    assert "15" in str(changed.detail)
    assert AuditRecord.objects.count() > 3 and not _broken()


def _broken():
    from audit.log import verify

    return verify()[1]


def test_an_idle_logout_is_recorded_with_its_reason(client, fgj):
    import time_machine
    from django.utils import timezone

    from audit.models import Action, AuditRecord

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert login(client, "t-fgj").status_code == 302
    with time_machine.travel(start + timezone.timedelta(minutes=31), tick=False):
        client.get("/start/")
    logout = AuditRecord.objects.get(action=Action.LOGOUT)
    assert logout.detail == {"reason": "idle"}
