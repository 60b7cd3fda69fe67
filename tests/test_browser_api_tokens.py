"""A real Chromium on the token page, with the keyboard alone: a leader makes a token, copies the
secret shown once, calls the API with it, and revokes it."""

import pytest
from django.test import Client

from .conftest import make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_makes_uses_and_revokes_a_token_with_the_keyboard(visit, report):
    make_user("t-leader", "leader")
    visit.login("t-leader")
    visit.goto("/")
    visit.page.click("text=接口令牌")
    assert visit.page.url.endswith("/api/tokens/")
    visit.page.focus("#id_name")
    visit.page.keyboard.type("大屏数据同步")
    visit.page.keyboard.press("Tab")
    visit.page.keyboard.press("Control+A")
    visit.page.keyboard.type("30")
    visit.page.keyboard.press("Enter")
    visit.page.wait_for_load_state("networkidle")
    secret = visit.page.input_value("#token-secret")
    assert secret.startswith("ctk_") and secret in visit.page.inner_text(".token-example")
    screenshot(visit.page, "api-token-made")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/reports/").status_code == 200
    visit.goto("/api/tokens/")
    assert secret not in visit.page.content()  # shown once
    assert visit.page.inner_text("#tokens tbody tr >> nth=0").count("有效") == 1
    visit.page.focus("#tokens button[type=submit]")
    visit.page.keyboard.press("Enter")
    visit.page.wait_for_load_state("networkidle")
    assert "已撤销令牌" in visit.page.inner_text(".messages")
    assert "已撤销" in visit.page.inner_text("#tokens tbody")
    assert api.get("/api/v1/reports/").status_code == 401
    assert visit.failed_responses == [] and visit.console_errors == []
