"""The channels a message travels by: the in-app notice, e-mail (Django's SMTP settings) and a
group robot's webhook (企业微信 and 钉钉 both take the same text message JSON).

A robot's address is asked `indicators.webhooks.refusal` before every post (https, allowed hosts
only: never an internal address), is posted to without following redirects, is signed with 钉钉's
加签 when a secret is stored beside it, and appears in errors only masked.

Each `send_*` either delivers or raises `ChannelError` with a reason worth logging; the caller
(``reminders.deliver``) records it and tries again on the next run.
"""

import json
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.mail import send_mail

from indicators import webhooks
from indicators.models import Department, Report

from .models import Channel, Notice


class ChannelError(Exception):
    """A message that did not get through, with why."""


def full_url(path):
    """A link that works outside the site (in an e-mail or a chat group) when SITE_URL is set."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}" if settings.SITE_URL else path


def text_of(dispatch):
    """The message as plain text: title, body and link, one per line."""
    lines = [dispatch.title, dispatch.body]
    if dispatch.url:
        lines.append(full_url(dispatch.url))
    return "\n".join(line for line in lines if line)


def send_notice(dispatch):
    Notice.objects.create(
        user=dispatch.user,
        report=dispatch.report,
        title=dispatch.title,
        body=dispatch.body,
        url=dispatch.url,
    )


def send_email(dispatch):
    try:
        send_mail(
            dispatch.title,
            text_of(dispatch),
            settings.DEFAULT_FROM_EMAIL,
            [dispatch.recipient],
            fail_silently=False,
        )
    except Exception as error:  # smtplib, socket and ssl errors alike: all mean "not sent"
        raise ChannelError(f"{type(error).__name__}: {error}") from error


def webhook_payload(dispatch):
    """企业微信 and 钉钉 group robots both accept {"msgtype": "text", "text": {"content": ...}}."""
    return {"msgtype": "text", "text": {"content": text_of(dispatch)}}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A robot answers where it is asked; a redirect (to another host, an internal address) is a
    refusal, never followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, "redirect refused", headers, fp)


_opener = urllib.request.build_opener(_NoRedirects)


def robot_secret(dispatch):
    """The 加签 secret of the robot ``dispatch`` goes to: the one stored beside that address on
    a department of the report's region, or on the report (looked up when sending, so a secret
    changed after the message was planned is the one used)."""
    url = dispatch.recipient
    departments = Department.objects.filter(region=dispatch.report.region_id, webhook_url=url)
    reports = Report.objects.filter(pk=dispatch.report_id, webhook_url=url)
    for rows in (departments, reports):
        secret = rows.exclude(webhook_secret="").values_list("webhook_secret", flat=True).first()
        if secret:
            return secret
    return ""


def send_webhook(dispatch):
    shown = webhooks.mask(dispatch.recipient)
    # Checked again here, not only when saved: an address stored before the rule, or written
    # straight into the database, is never fetched.
    reason = webhooks.refusal(dispatch.recipient)
    if reason:
        raise ChannelError(f"{shown}: {reason}")
    request = urllib.request.Request(
        webhooks.signed(dispatch.recipient.strip(), robot_secret(dispatch)),
        data=json.dumps(webhook_payload(dispatch), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            answer = response.read(10000)
    except urllib.error.HTTPError as error:
        # Its text names the address (with its key): say only the status.
        raise ChannelError(f"{shown}: HTTP {error.code} {error.msg}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ChannelError(
            f"{shown}: {type(error).__name__}: {_without(reason, dispatch)}"
        ) from None
    # Both robots answer HTTP 200 with {"errcode": 0, ...}; anything else is a refusal.
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        text = _without(answer[:300].decode(errors="replace"), dispatch)
        raise ChannelError(f"{shown}: robot refused: {text}")


def _without(reason, dispatch):
    """An error's text with the robot's address (and its key) masked, wherever it appears."""
    text = str(reason)
    url = dispatch.recipient.strip()
    if url and url in text:
        text = text.replace(url, webhooks.mask(url))
    for _name, value in parse_qsl(urlsplit(url).query):
        if len(value) > 4:
            text = text.replace(value, f"****{value[-4:]}")
    return text


SENDERS = {Channel.NOTICE: send_notice, Channel.EMAIL: send_email, Channel.WEBHOOK: send_webhook}
