"""Group robots' addresses (SSRF): https to 企业微信, 钉钉 and the configured hosts only, refused
when saved and again when sent (a stored bad address is never fetched, a redirect never
followed), masked wherever shown or logged; and 钉钉's 加签, checked by a real receiver on
127.0.0.1 the way 钉钉 documents it."""

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from indicators import demo, webhooks
from indicators.models import Department, Report
from supervision.models import Channel, Dispatch
from supervision.reminders import deliver

KEY = "693a91f6-7e2b-4c1d-9f00-5e1c0d2babcd"
WECOM = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=" + "d" * 60 + "9876"
SECRET = "SEC" + "0123456789abcdef" * 4
HOUR_MS = 3600 * 1000


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers as a robot would.

    With ``secret`` it is a 钉钉 robot in 加签 mode: it refuses (errcode 310000, as 钉钉 does) a
    request whose ``timestamp`` is more than an hour from its clock or whose ``sign`` is not
    Base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}")). ``redirect``: answer 302 there."""

    def __init__(self, secret="", redirect=""):
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append((self.path, body))
                if redirect:
                    self.send_response(302)
                    self.send_header("Location", redirect)
                    self.end_headers()
                    return
                answer = receiver.judge(self.path)
                data = json.dumps(answer).encode()
                self.send_response(200 if not self.path.startswith("/broken") else 500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.secret = secret
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.netloc = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"http://{self.netloc}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def judge(self, path):
        if not self.secret:
            return {"errcode": 0, "errmsg": "ok"}
        query = parse_qs(urlsplit(path).query)
        timestamp = query.get("timestamp", [""])[0]
        sign = query.get("sign", [""])[0]
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > HOUR_MS:
            return {"errcode": 310000, "errmsg": "timestamp out of range"}
        expected = base64.b64encode(
            hmac.new(
                self.secret.encode(),
                f"{timestamp}\n{self.secret}".encode(),
                hashlib.sha256,
            ).digest()
        ).decode()
        if not hmac.compare_digest(sign, expected):
            return {"errcode": 310000, "errmsg": "sign not match"}
        return {"errcode": 0, "errmsg": "ok"}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made = []

    def make(**options):
        receiver = Receiver(**options)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


def dispatch_to(report, url):
    return Dispatch.objects.create(
        report=report,
        key=f"test:{Dispatch.objects.count()}",
        channel=Channel.WEBHOOK,
        recipient=url,
        title="【填报提醒】测试",
        body="请及时填报。",
    )


# --- Saving an address -----------------------------------------------------------------------

BAD_ADDRESSES = [
    "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
    "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
    "https://127.0.0.1/robot/send",
    "https://10.1.2.3/robot/send",
    "https://169.254.169.254/latest/meta-data/",
    "https://localhost/robot/send",
    "https://[::1]/robot/send",
    "https://2130706433/robot/send",
    "https://evil.example/cgi-bin/webhook/send?key=abc",
    "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=abc",
    "https://qyapi.weixin.qq.com@evil.example/cgi-bin/webhook/send?key=abc",
    "https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
    "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=abc",
    "https://oapi.dingtalk.com:80/robot/send?access_token=abc",
]


@pytest.mark.parametrize("url", BAD_ADDRESSES)
def test_an_address_outside_the_allow_list_is_refused(url):
    assert webhooks.refusal(url)


@pytest.mark.parametrize(
    "url",
    [
        WECOM,
        DINGTALK,
        "https://qyapi.weixin.qq.com:443/cgi-bin/webhook/send?key=abc",
        "https://OAPI.dingtalk.com/robot/send?access_token=abc",
    ],
)
def test_wecom_and_dingtalk_robots_are_accepted(url):
    assert webhooks.refusal(url) is None


def test_hosts_named_in_the_setting_are_accepted_and_only_on_their_port(settings):
    url = "https://robot.gxzf.gov.cn/hook/abc"
    assert webhooks.refusal(url)
    settings.WEBHOOK_ALLOWED_HOSTS = ["robot.gxzf.gov.cn", "im.example.gov.cn:8443"]
    assert webhooks.refusal(url) is None
    assert webhooks.refusal("https://im.example.gov.cn:8443/hook/abc") is None
    assert webhooks.refusal("https://im.example.gov.cn/hook/abc")
    assert webhooks.refusal("http://robot.gxzf.gov.cn/hook/abc")


def admin_form(rf, user, obj, **changes):
    request = rf.get("/admin/")
    request.user = user
    form_class = admin.site._registry[type(obj)].get_form(request, obj)
    data = {k: v for k, v in model_to_dict(obj).items() if v is not None}
    return form_class({**data, **changes}, instance=obj)


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "必须以 https:// 开头"),
        ("https://169.254.169.254/latest/meta-data/", "不能是IP地址"),
        ("https://qyapi.weixin.qq.com@evil.example/x?key=abc", "不能包含用户名或密码"),
        (
            "https://evil.example/cgi-bin/webhook/send?key=abc",
            "“evil.example”不是允许的群机器人地址",
        ),
        ("https://qyapi.weixin.qq.com:8443/x?key=abc", "不能使用端口8443"),
    ],
)
def test_the_admin_form_refuses_a_bad_robot_address_with_the_reason(rf, report, url, words):
    department = Department.objects.filter(region=report.region).first()
    superuser = demo.ensure_user("admin")
    form = admin_form(rf, superuser, department, webhook_url=url)
    assert not form.is_valid()
    assert any(words in message for message in form.errors["webhook_url"])
    department.refresh_from_db()
    assert department.webhook_url == ""


def test_the_model_refuses_a_bad_address_on_the_report_too(report):
    report.webhook_url = "https://10.0.0.8/robot"
    with pytest.raises(ValidationError) as refused:
        report.full_clean()
    assert "webhook_url" in refused.value.message_dict


# --- Sending ---------------------------------------------------------------------------------


def addresses_of(receiver, path):
    """Bad addresses that all lead to ``receiver`` if fetched."""
    port = receiver.netloc.split(":")[1]
    return [
        f"http://127.0.0.1:{port}{path}",
        f"https://127.0.0.1:{port}{path}",
        f"ftp://127.0.0.1:{port}{path}",
        f"https://localhost:{port}{path}",
        f"https://qyapi.weixin.qq.com@127.0.0.1:{port}{path}",
    ]


def test_a_stored_bad_address_is_never_fetched(report, receivers):
    """Written straight into the database (no validator ran): the sender refuses it anyway, and
    the receiver listening at that address hears nothing."""
    receiver = receivers()
    urls = addresses_of(receiver, f"/cgi-bin/webhook/send?key={KEY}")
    for url in urls:
        Report.objects.filter(pk=report.pk).update(webhook_url=url)
        dispatch_to(report, url)
    sent, failed = deliver()
    assert (sent, failed) == (0, len(urls))
    assert receiver.requests == []
    for dispatch in Dispatch.objects.all():
        assert dispatch.status == Dispatch.Status.FAILED
        assert KEY not in dispatch.last_error and "****abcd" in dispatch.last_error


def test_a_redirect_is_not_followed(report, receivers, settings):
    elsewhere = receivers()
    robot = receivers(redirect=f"{elsewhere.url}/stolen")
    # Both are listed receivers: the redirect itself is what is refused.
    settings.WEBHOOK_TEST_RECEIVERS = [robot.netloc, elsewhere.netloc]
    dispatch = dispatch_to(report, f"{robot.url}/cgi-bin/webhook/send?key={KEY}")
    assert deliver() == (0, 1)
    assert len(robot.requests) == 1 and elsewhere.requests == []
    dispatch.refresh_from_db()
    assert "HTTP 302" in dispatch.last_error and KEY not in dispatch.last_error


def test_a_failure_is_logged_with_the_key_masked(report, receivers, settings, caplog):
    robot = receivers()
    settings.WEBHOOK_TEST_RECEIVERS = [robot.netloc]
    url = f"{robot.url}/broken/cgi-bin/webhook/send?key={KEY}"
    dispatch = dispatch_to(report, url)
    with caplog.at_level(logging.WARNING, logger="supervision.reminders"):
        assert deliver() == (0, 1)
    assert len(robot.requests) == 1
    logged = caplog.text
    assert "key=****abcd" in logged and KEY not in logged
    dispatch.refresh_from_db()
    assert KEY not in dispatch.last_error and KEY not in str(dispatch)


def test_the_message_log_in_the_admin_shows_robot_addresses_masked(
    client, report, reviewer, settings
):
    dispatch = dispatch_to(report, WECOM)
    reviewer.is_staff = True
    reviewer.save()
    demo.ensure_groups()
    client.force_login(reviewer)
    for page in (
        "/admin/supervision/dispatch/",
        f"/admin/supervision/dispatch/{dispatch.pk}/change/",
    ):
        body = client.get(page).content.decode()
        assert "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****abcd" in body, page
        assert KEY not in body, page


def test_a_robot_address_is_shown_with_its_key_masked():
    assert webhooks.mask(WECOM) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****abcd"
    assert webhooks.mask(DINGTALK) == "https://oapi.dingtalk.com/robot/send?access_token=****9876"
    assert webhooks.mask(
        "https://open.feishu.cn/open-apis/bot/v2/hook/0f1e2d3c4b5a69788796a5b4"
    ) == ("https://open.feishu.cn/open-apis/bot/v2/hook/****a5b4")
    assert webhooks.mask("https://me:pw@qyapi.weixin.qq.com/x?key=abcdef") == (
        "https://qyapi.weixin.qq.com/x?key=****cdef"
    )


def test_reports_and_departments_offer_their_robot_masked_for_lists(report):
    report.webhook_url, report.webhook_secret = DINGTALK, SECRET
    assert report.masked_webhook() == "https://oapi.dingtalk.com/robot/send?access_token=****9876"
    assert report.masked_webhook_secret() == "****cdef"
    assert SECRET not in report.masked_webhook_secret()


# --- 钉钉's 加签 -------------------------------------------------------------------------------


@pytest.fixture
def dingtalk(report, receivers, settings):
    """A 钉钉 robot in 加签 mode on 127.0.0.1, stored as the office's robot with its secret."""
    robot = receivers(secret=SECRET)
    settings.WEBHOOK_TEST_RECEIVERS = [robot.netloc]
    report.webhook_url = f"{robot.url}/robot/send?access_token=abcd1234"
    report.webhook_secret = SECRET
    report.save()
    return robot


def test_a_signed_robot_accepts_what_the_sender_signs(report, dingtalk):
    dispatch = dispatch_to(report, report.webhook_url)
    assert deliver() == (1, 0)
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT
    [(path, body)] = dingtalk.requests
    query = parse_qs(urlsplit(path).query)
    assert query["access_token"] == ["abcd1234"]
    assert abs(int(query["timestamp"][0]) - time.time() * 1000) < 60_000
    assert json.loads(body)["text"]["content"].startswith("【填报提醒】测试")


def test_a_department_robots_secret_signs_its_own_posts(report, receivers, settings):
    robot = receivers(secret=SECRET)
    settings.WEBHOOK_TEST_RECEIVERS = [robot.netloc]
    department = Department.objects.filter(region=report.region).first()
    department.webhook_url = f"{robot.url}/robot/send?access_token=dept"
    department.webhook_secret = SECRET
    department.save()
    dispatch_to(report, department.webhook_url)
    assert deliver() == (1, 0)


def test_a_wrong_secret_is_refused_by_the_robot_and_not_logged(report, dingtalk, caplog):
    Report.objects.filter(pk=report.pk).update(webhook_secret="SEC-not-the-robots-secret")
    dispatch = dispatch_to(report, report.webhook_url)
    with caplog.at_level(logging.WARNING, logger="supervision.reminders"):
        assert deliver() == (0, 1)
    dispatch.refresh_from_db()
    assert "sign not match" in dispatch.last_error
    assert "SEC-not-the-robots-secret" not in caplog.text + dispatch.last_error
    assert "sign=" not in caplog.text


def test_without_a_secret_the_signed_robot_refuses(report, dingtalk):
    Report.objects.filter(pk=report.pk).update(webhook_secret="")
    dispatch_to(report, report.webhook_url)
    assert deliver() == (0, 1)
    assert "timestamp" not in dingtalk.requests[0][0]


def test_the_receiver_refuses_a_signature_older_than_an_hour(dingtalk):
    """The receiver is a real check: a signature made 61 minutes ago is refused, one made now
    accepted (so the accepted posts above were signed with the time of sending)."""
    url = f"{dingtalk.url}/robot/send?access_token=abcd1234"

    def post(signed_url):
        request = urllib.request.Request(signed_url, data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())["errcode"]

    assert post(webhooks.signed(url, SECRET, now=time.time() - 61 * 60)) == 310000
    assert post(webhooks.signed(url, SECRET)) == 0


def test_the_signature_is_the_one_dingtalk_documents():
    # Recomputed as 钉钉's documentation writes it (Python sample of 自定义机器人安全设置).
    secret = "SEC" + "a" * 64
    timestamp = "1577262236757"
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    signed = webhooks.signed(DINGTALK, secret, now=1577262236.757)
    query = parse_qs(urlsplit(signed).query)
    assert query["timestamp"] == [timestamp]
    assert query["sign"] == [expected]
    assert "%2B" in signed or "+" not in expected  # the sign is URL-encoded
