"""Group robots' webhook addresses (企业微信, 钉钉): which may be stored and fetched, how they are
shown, and how a 钉钉 request is signed. Pure: no database, no network.

A robot's address is a secret of its group (whoever holds it can post there), and the server
fetches it on its own, so a bad address is a way into the server's network (SSRF). The one
answer to "may this address be used" is `refusal`: the model field's validator asks it when the
office saves an address, and the sender (``supervision.channels``) asks it again before every
post, so an address stored before the rule, or written straight into the database, is never
fetched. An address must be

- ``https`` to a host on the allow-list: 企业微信's ``qyapi.weixin.qq.com``, 钉钉's
  ``oapi.dingtalk.com`` and the hosts named in the setting ``WEBHOOK_ALLOWED_HOSTS`` (from the
  environment, comma-separated; ``host:port`` allows a port other than 443);
- a host name, never an IP address, with no user name or password (``https://allowed@evil/``).

The test suite alone adds its own receivers on 127.0.0.1 (``WEBHOOK_TEST_RECEIVERS``, see
settings): a test cannot serve https for 钉钉's host name, and pretending otherwise would test
nothing.

`mask` is how an address appears anywhere but the form that edits it (the message log, the
failure log, lists): every query value and every long path segment (the key, the
access_token, a token in the path) reduced to its last four characters.

`signed` adds 钉钉's 加签 (signature) to an address: ``timestamp`` (milliseconds) and ``sign``,
the Base64 of HMAC-SHA256 keyed by the secret over ``"{timestamp}\\n{secret}"``, URL-encoded,
as 钉钉 documents it.
"""

import base64
import hashlib
import hmac
import ipaddress
import time
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WECOM_HOST = "qyapi.weixin.qq.com"
DINGTALK_HOST = "oapi.dingtalk.com"
BUILT_IN_HOSTS = (WECOM_HOST, DINGTALK_HOST)
# A path segment at least this long is taken for a token (飞书 and others keep it in the path).
TOKEN_SEGMENT = 16


def allowed_hosts():
    """{(host, port)} a robot may be reached at over https: the built-in two and the setting's."""
    allowed = set()
    for entry in (*BUILT_IN_HOSTS, *settings.WEBHOOK_ALLOWED_HOSTS):
        host, _sep, port = entry.strip().lower().partition(":")
        if host:
            allowed.add((host.rstrip("."), int(port) if port.isdigit() else 443))
    return allowed


def _is_ip(host):
    try:
        ipaddress.ip_address(host)
    except ValueError:
        # Forms a resolver still reads as an address (127.1, 0x7f.0.0.1, 2130706433).
        return all(part.isdigit() or part.lower().startswith("0x") for part in host.split("."))
    return True


def refusal(url):
    """Why ``url`` may not be used as a robot's address, or None."""
    url = (url or "").strip()
    if any(ord(char) <= 32 or char == "\\" for char in url):
        return _("群机器人地址不能包含空格、控制字符或反斜杠。")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("群机器人地址的格式不正确。")
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme == "http" and parts.netloc in settings.WEBHOOK_TEST_RECEIVERS:
        return None  # only the test suite lists receivers here (see the module's docstring)
    if parts.scheme != "https":
        return _("群机器人地址必须以 https:// 开头。")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return _("群机器人地址不能包含用户名或密码（@）。")
    if not host:
        return _("群机器人地址缺少主机名。")
    if _is_ip(host.strip("[]")) or ":" in host:
        return _("群机器人地址不能是IP地址，请填写企业微信或钉钉给出的地址。")
    allowed = allowed_hosts()
    if (host, port or 443) in allowed:
        return None
    if any(host == known for known, _port in allowed):
        return _("群机器人地址不能使用端口%(port)s。") % {"port": port}
    return _(
        "“%(host)s”不是允许的群机器人地址：只能是企业微信（%(wecom)s）、钉钉（%(dingtalk)s）"
        "或系统设置 WEBHOOK_ALLOWED_HOSTS 中列出的地址。"
    ) % {"host": host, "wecom": WECOM_HOST, "dingtalk": DINGTALK_HOST}


def validate_robot_url(url):
    """The model field's validator: the admin form shows the reason beside the field."""
    reason = refusal(url)
    if reason:
        raise ValidationError(reason, code="robot_url")


def _tail(value):
    return f"****{value[-4:]}" if len(value) > 4 else "****"


def mask(url):
    """``url`` as it may be shown or logged: no user name, every query value and every long path
    segment reduced to ``****`` and its last four characters."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "****"
    netloc = f"{host}:{port}" if port else host
    path = "/".join(
        _tail(segment) if len(segment) >= TOKEN_SEGMENT else segment
        for segment in parts.path.split("/")
    )
    query = "&".join(
        f"{name}={_tail(value)}" for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def mask_secret(secret):
    """A 加签 secret as it may be shown: its last four characters."""
    return _tail(secret.strip()) if secret and secret.strip() else ""


def signature(secret, timestamp):
    """钉钉's ``sign`` for ``timestamp`` (milliseconds, as text), not yet URL-encoded."""
    digest = hmac.new(
        secret.encode(), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def signed(url, secret, now=None):
    """``url`` with 钉钉's 加签 appended (``&timestamp=…&sign=…``); unchanged without a secret.
    ``now``: seconds since the epoch (default: the clock)."""
    secret = (secret or "").strip()
    if not secret:
        return url
    timestamp = str(round((time.time() if now is None else now) * 1000))
    extra = urlencode(
        {"timestamp": timestamp, "sign": signature(secret, timestamp)}, quote_via=quote_plus
    )
    return f"{url}{'&' if urlsplit(url).query else '?'}{extra}"
