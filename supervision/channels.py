"""The channels a message travels by: the in-app notice, e-mail (Django's SMTP settings) and a
group robot's webhook (企业微信 and 钉钉 both take the same text message JSON).

Each `send_*` either delivers or raises `ChannelError` with a reason worth logging; the caller
(``reminders.deliver``) records it and tries again on the next run.
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

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


def send_webhook(dispatch):
    request = urllib.request.Request(
        dispatch.recipient,
        data=json.dumps(webhook_payload(dispatch), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            answer = response.read(10000)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    # Both robots answer HTTP 200 with {"errcode": 0, ...}; anything else is a refusal.
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise ChannelError(f"robot refused: {answer[:300].decode(errors='replace')}")


SENDERS = {Channel.NOTICE: send_notice, Channel.EMAIL: send_email, Channel.WEBHOOK: send_webhook}
