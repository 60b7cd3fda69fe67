"""Sessions of 等保2.0: an idle session ends after the policy's minutes and any session after its
hours, with a word on the login page; a login shows the previous one's time and address and
keeps its own address in the session."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts import sessions
from accounts.models import LoginRecord, SecurityPolicy
from indicators.models import Department

from .conftest import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 9, 15, tzinfo=SHANGHAI)


@pytest.fixture
def clerk(report):
    return make_user("t-clerk", "reporter", Department.objects.get(code="fgj"))


@pytest.fixture
def page(clerk):
    return f"/departments/{clerk.department_id}/"


def login(client, address="10.0.0.7"):
    return client.post(
        "/accounts/login/",
        {"username": "t-clerk", "password": "pw-for-tests-1"},
        REMOTE_ADDR=address,
        follow=True,
    )


def at(minutes):
    return time_machine.travel(START + timedelta(minutes=minutes), tick=False)


# --- Idle timeout -------------------------------------------------------------------------------


def test_twenty_nine_idle_minutes_are_fine_and_thirty_one_end_the_session(client, clerk, page):
    with at(0):
        login(client)
    with at(29):
        assert client.get(page).status_code == 200
    # Counted from the last request, not from the login.
    with at(29 + 29):
        assert client.get(page).status_code == 200
    with at(29 + 29 + 31):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={page}"
        assert "_auth_user_id" not in client.session
        login_page = client.get(response["Location"]).content.decode()
    assert "因长时间未操作，已自动退出" in login_page


def test_thirty_one_minutes_after_the_login_without_a_request_end_the_session(client, clerk, page):
    with at(0):
        login(client)
    with at(31):
        assert client.get(page).status_code == 302


def test_the_idle_minutes_come_from_the_policy(client, clerk, page):
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"idle_minutes": 10})
    with at(0):
        login(client)
    with at(11):
        assert client.get(page).status_code == 302


def test_the_last_activity_is_written_at_most_once_a_minute(client, clerk, page):
    with at(0):
        login(client)
        seen = client.session[sessions.SEEN_AT]
    with at(0.5):
        client.get(page)
        assert client.session[sessions.SEEN_AT] == seen
    with at(2):
        client.get(page)
        assert client.session[sessions.SEEN_AT] > seen


# --- Absolute limit -----------------------------------------------------------------------------


def test_an_active_session_still_ends_after_the_policys_hours(client, clerk, page):
    with at(0):
        login(client)
    for minutes in range(20, 8 * 60, 20):
        with at(minutes):
            assert client.get(page).status_code == 200, minutes
    with at(8 * 60 + 1):
        response = client.get(page)
        assert response.status_code == 302
        assert "登录已超过8小时" in client.get(response["Location"]).content.decode()


# --- Last login ---------------------------------------------------------------------------------


def test_the_first_login_says_it_is_the_first(client, clerk):
    with at(0):
        page = login(client).content.decode()
    assert "这是您第一次登录本系统" in page


def test_a_login_shows_the_previous_logins_time_and_address(client, clerk):
    with at(0):
        login(client, address="10.0.0.7")
        client.post("/accounts/logout/")
    with at(24 * 60):
        page = login(client, address="10.0.9.9").content.decode()
    assert "上次登录：2026-03-02 09:15，地址：10.0.0.7" in page
    record = LoginRecord.objects.get(user=clerk)
    assert record.address == "10.0.9.9"


def test_the_address_is_the_proxys_real_ip_behind_a_proxy(client, settings, clerk):
    settings.BEHIND_PROXY = True
    with at(0):
        client.post(
            "/accounts/login/",
            {"username": "t-clerk", "password": "pw-for-tests-1"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_REAL_IP="10.0.4.4",
        )
        assert client.session[sessions.LOGIN_ADDRESS] == "10.0.4.4"
    assert LoginRecord.objects.get(user=clerk).address == "10.0.4.4"


def test_the_session_keeps_when_and_where_it_began(client, clerk):
    with at(0):
        login(client, address="10.0.0.8")
        assert client.session[sessions.LOGIN_ADDRESS] == "10.0.0.8"
        assert client.session[sessions.LOGIN_AT] == START.timestamp()
