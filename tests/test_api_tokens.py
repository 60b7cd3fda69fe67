"""Personal access tokens: made on the person's own page (the secret shown once, only its digest
stored), listed and revoked there; a token stops opening the API once it expires, is revoked or
its user is deactivated (401, in JSON)."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import tokens
from api.models import AccessToken
from audit.models import Action, AuditRecord

from .api_helpers import caller, token_of
from .conftest import make_user

SECRET = re.compile(r"ctk_[A-Za-z0-9_-]{43}")
TARGETS = "/api/v1/targets/"


def csrf_client(user):
    """A browser as the site sees it: signed in, and refused a post without the form's token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def form_token(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def create(client, name="大屏数据同步", days=90):
    page = client.get(reverse("api:tokens")).content.decode()
    data = {"csrfmiddlewaretoken": form_token(page), "name": name, "days": days}
    return client.post(reverse("api:tokens"), data)


def test_the_secret_is_shown_once_and_only_its_digest_is_stored(leader):
    client = csrf_client(leader)
    response = create(client)
    assert response.status_code == 200
    (secret,) = set(SECRET.findall(response.content.decode()))
    token = AccessToken.objects.get(user=leader)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12] and token.name == "大屏数据同步"
    assert (
        datetime.timedelta(days=89)
        < token.expires_at - timezone.now()
        <= datetime.timedelta(days=90)
    )
    stored = [str(getattr(token, f.attname)) for f in AccessToken._meta.concrete_fields]
    assert not any(secret in value or secret[12:] in value for value in stored)
    # Listed by its prefix from now on; the secret itself is never shown again.
    again = client.get(reverse("api:tokens")).content.decode()
    assert token.prefix in again and secret not in again
    record = AuditRecord.objects.get(action=Action.CREATED, object_label="api.AccessToken")
    assert record.actor == leader and record.detail["api_token"] == token.prefix
    assert secret not in str(record.detail)
    assert caller(secret).get(TARGETS).status_code == 200


def test_the_page_refuses_a_post_without_its_csrf_token(leader):
    client = csrf_client(leader)
    response = client.post(reverse("api:tokens"), {"name": "x", "days": 30})
    assert response.status_code == 403 and not AccessToken.objects.exists()


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", 30, "这个字段是必填项"),
        ("同步", 0, "大于或等于1"),
        ("同步", 366, "小于或等于365"),
        ("同步", "一年", "整数"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(leader, name, days, message):
    response = create(csrf_client(leader), name, days)
    assert response.status_code == 400 and message in response.content.decode()
    assert not AccessToken.objects.exists()


def test_the_gate_refuses_a_blank_name_and_a_term_past_the_limit(leader):
    for name, days in (("  ", 30), ("同步", 400)):
        with pytest.raises(tokens.ValidationError):
            tokens.issue(leader, name, days)
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor"])
def test_the_three_administrators_hold_no_tokens(report, role):
    client = Client()
    client.force_login(make_user(f"t-{role}", role, region=None))
    assert client.get(reverse("api:tokens")).status_code == 403
    with pytest.raises(tokens.PermissionDenied):
        tokens.issue(make_user(f"t2-{role}", role, region=None), "x", 30)


def test_anonymous_is_sent_to_log_in(client, report):
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reporters_leaders_and_the_office_make_tokens(fgj, leader, office):
    for user in (fgj, leader, office):
        assert create(csrf_client(user)).status_code == 200
    assert AccessToken.objects.count() == 3


def revoke(client, token):
    page = client.get(reverse("api:tokens")).content.decode()
    data = {"csrfmiddlewaretoken": form_token(page), "token": token.pk}
    return client.post(reverse("api:token-revoke"), data)


def test_a_revoked_token_answers_401_in_json(leader):
    secret = token_of(leader)
    token = AccessToken.objects.get(user=leader)
    client = csrf_client(leader)
    assert revoke(client, token).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.state == "已撤销"
    response = caller(secret).get(TARGETS)
    assert response.status_code == 401 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "访问令牌无效、已过期或已撤销，或其用户已停用。"}
    assert response["WWW-Authenticate"].startswith("Bearer")
    record = AuditRecord.objects.get(action=Action.DELETED, object_label="api.AccessToken")
    assert record.detail == {"api_token": token.prefix, "revoked": True}
    # Revoking again changes nothing and records nothing.
    assert revoke(client, token).status_code == 302
    assert AuditRecord.objects.filter(action=Action.DELETED).count() == 1


def test_another_persons_token_is_not_found(leader, reviewer):
    token_of(leader)
    token = AccessToken.objects.get(user=leader)
    assert revoke(csrf_client(reviewer), token).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_answers_401(leader):
    secret = token_of(leader, days=1)
    assert caller(secret).get(TARGETS).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, seconds=1)):
        assert caller(secret).get(TARGETS).status_code == 401
        assert AccessToken.objects.get(user=leader).state == "已过期"


def test_a_deactivated_users_token_answers_401(leader):
    secret = token_of(leader)
    leader.is_active = False
    leader.save()
    assert caller(secret).get(TARGETS).status_code == 401


def test_a_user_who_may_no_longer_read_anything_is_refused(leader):
    secret = token_of(leader)
    leader.groups.clear()
    assert caller(secret).get(TARGETS).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer ctk_" + "x" * 43, "Bearer", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_a_header_naming_no_token_answers_401(report, header):
    response = Client(HTTP_AUTHORIZATION=header).get(TARGETS + f"?report={report.pk}")
    assert response.status_code == 401


def test_the_last_use_is_noted_at_most_once_a_minute(leader):
    secret = token_of(leader)
    caller(secret).get(TARGETS)
    first = AccessToken.objects.get(user=leader).last_used_at
    assert first is not None
    caller(secret).get(TARGETS)
    assert AccessToken.objects.get(user=leader).last_used_at == first
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        caller(secret).get(TARGETS)
        assert AccessToken.objects.get(user=leader).last_used_at > first
