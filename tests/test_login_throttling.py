"""Login throttling that neither leaks nor locks out: failures lock one account at one address;
a slower limit counts one account's failures from every address; a successful login clears
only that account's own failures; and the security administrator lists and lifts lock-outs."""

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import throttle
from accounts.models import SecurityPolicy
from indicators.models import User

from .conftest import make_user

GOOD = "pw-for-tests-1"
OFFICE = "10.0.0.7"  # one office's NAT address


def login(client, username, password=GOOD, address=OFFICE):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in_as(client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


@pytest.fixture
def admin(report):
    return User.objects.create_superuser("t-admin", password="Admin-password-1")


def test_the_interleaved_bypass_no_longer_clears_failures_against_another_account(
    client, admin, fgj
):
    # The attacker (t-fgj) tries 4 wrong passwords for admin, logs in as themself, and repeats:
    # 16 wrong passwords for admin from one address.
    for _round in range(4):
        for _ in range(4):
            login(client, "t-admin", "guess-password")
        response = login(client, "t-fgj")
        assert response.status_code == 302
        assert signed_in_as(client) == fgj
        client.logout()
    response = login(client, "t-admin", "Admin-password-1")
    assert response.status_code == 429
    assert signed_in_as(client) is None
    assert "已被暂时锁定" in response.content.decode()
    # The real admin, at their own computer, is not locked out by it.
    assert login(client, "t-admin", "Admin-password-1", address="10.0.0.1").status_code == 302


def test_the_attackers_own_login_clears_only_the_attackers_failures(client, admin, fgj):
    for _ in range(3):
        login(client, "t-admin", "guess-password")
        login(client, "t-fgj", "typo-password")
    assert login(client, "t-fgj").status_code == 302
    assert not AccessAttempt.objects.filter(username="t-fgj").exists()
    assert AccessAttempt.objects.get(username="t-admin").failures_since_start == 3


def test_a_right_password_clears_the_accounts_own_failures_at_that_address(client, fgj):
    for _ in range(4):
        login(client, "t-fgj", "typo-password")
    assert login(client, "t-fgj").status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "t-fgj", "typo-password")
    assert login(client, "t-fgj").status_code == 302


def test_one_persons_lockout_leaves_colleagues_behind_the_same_address_signed_in(client, fgj, rsj):
    for _ in range(5):
        login(client, "t-fgj", "typo-password")
    assert login(client, "t-fgj").status_code == 429
    # The colleague at the same NAT address logs in as usual.
    response = login(client, "t-rsj")
    assert response.status_code == 302
    assert signed_in_as(client) == rsj


def test_guessing_many_accounts_from_one_address_locks_none_of_the_others(client, rsj):
    for n in range(5):
        login(client, f"guess-{n}", "wrong-password")
    assert login(client, "t-rsj").status_code == 302


def test_the_lock_is_for_that_address_only(client, fgj):
    for _ in range(5):
        login(client, "t-fgj", "typo-password", address=OFFICE)
    assert login(client, "t-fgj", address=OFFICE).status_code == 429
    assert login(client, "t-fgj", address="10.0.0.99").status_code == 302


def test_one_account_is_locked_everywhere_after_its_limit_from_every_address(client, fgj):
    # 4 failures from each of 5 addresses: none reaches 5 at one address, but 20 in all.
    addresses = [f"10.0.1.{n}" for n in range(1, 6)]
    for address in addresses[:-1]:
        for _ in range(4):
            assert login(client, "t-fgj", "guess-password", address).status_code == 200
    for _ in range(3):
        assert login(client, "t-fgj", "guess-password", addresses[-1]).status_code == 200
    # The twentieth failure answers with the lock-out page.
    response = login(client, "t-fgj", "guess-password", addresses[-1])
    assert response.status_code == 429
    # From a new address, the right password is refused too, and the page says why.
    response = login(client, "t-fgj", address="10.0.2.1")
    assert response.status_code == 429
    assert signed_in_as(client) is None
    page = response.content.decode()
    assert 'id="account-lockout"' in page
    assert "累计输错密码20次" in page


def test_one_address_alone_cannot_lock_an_account_everywhere(client, fgj):
    # Tries while locked are refused and not counted: from one address, at most five count.
    for _ in range(30):
        login(client, "t-fgj", "guess-password", address="10.0.5.5")
    assert login(client, "t-fgj", address="10.0.5.5").status_code == 429
    assert login(client, "t-fgj", address=OFFICE).status_code == 302


def test_the_account_wide_lock_ends_after_the_lockout_time(client, fgj):
    for n in range(20):
        login(client, "t-fgj", "guess-password", f"10.0.1.{n % 5}")
    assert login(client, "t-fgj", address="10.0.2.1").status_code == 429
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31)):
        assert login(client, "t-fgj", address="10.0.2.1").status_code == 302


def test_limits_and_lockout_time_come_from_the_security_policy(client, fgj, rsj):
    policy = SecurityPolicy.objects.get_or_create(pk=1)[0]
    policy.failure_limit = 3
    policy.lockout_minutes = 10
    policy.save()
    for _ in range(2):
        assert login(client, "t-fgj", "typo-password").status_code == 200
    response = login(client, "t-fgj", "typo-password")
    assert response.status_code == 429
    assert "10分钟" in response.content.decode()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11)):
        assert login(client, "t-fgj").status_code == 302


def test_the_security_administrator_lists_and_lifts_lockouts(client, fgj, rsj):
    for _ in range(5):
        login(client, "t-fgj", "typo-password")
    for n in range(20):
        login(client, "t-rsj", "guess-password", f"10.0.3.{n % 5}")
    found = {(lockout.username, lockout.address) for lockout in throttle.lockouts()}
    assert found == {("t-fgj", OFFICE), ("t-rsj", "")}
    throttle.lift("t-fgj", OFFICE)
    throttle.lift("t-rsj")
    assert throttle.lockouts() == []
    assert login(client, "t-fgj").status_code == 302
    client.logout()
    assert login(client, "t-rsj").status_code == 302


def test_changing_browsers_neither_escapes_the_lock_nor_the_list(client, fgj):
    for n in range(5):
        client.post(
            "/accounts/login/",
            {"username": "t-fgj", "password": "typo-password"},
            REMOTE_ADDR=OFFICE,
            HTTP_USER_AGENT=f"browser-{n}",
        )
    assert login(client, "t-fgj").status_code == 429
    (lockout,) = throttle.lockouts()
    assert (lockout.username, lockout.address, lockout.failures) == ("t-fgj", OFFICE, 5)


def test_a_user_locked_out_nowhere_is_listed_nowhere(client, fgj):
    make_user("t-other")
    for _ in range(2):
        login(client, "t-fgj", "typo-password")
    assert throttle.lockouts() == []


@pytest.mark.parametrize(
    "wrong",
    [
        {"failure_limit": 0},  # would lock every login
        {"idle_minutes": 0},
        {"failure_limit": 10, "account_failure_limit": 5},  # the slower limit must be slower
    ],
)
def test_the_policy_refuses_values_that_lock_everyone_out_or_switch_a_rule_off(db, wrong):
    policy = SecurityPolicy(**wrong)
    with pytest.raises(ValidationError):
        policy.full_clean()
