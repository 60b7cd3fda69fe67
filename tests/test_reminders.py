"""Reminders and escalation (``manage.py send_reminders``): each schedule step sent once, through
a real SMTP server (aiosmtpd) and a real HTTP group-robot receiver, both on 127.0.0.1; a failed
channel is retried on the next run without stopping the others; escalation at its boundaries."""

import datetime
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from indicators import demo, timeliness, workflow
from indicators.models import Department, Indicator, Region, Report
from supervision.models import Channel, Dispatch, Notice
from supervision.reminders import run

from .conftest import approve, make_user, submit

OCT = datetime.date(2023, 10, 1)  # September's figures are due on 5 October


def day(n):
    return OCT.replace(day=n)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    mailbox.controller = controller
    yield mailbox
    controller.stop()


class Robot:
    """A group robot's webhook: records each JSON post; paths in ``failing`` answer 500."""

    def __init__(self):
        self.posts = []
        self.failing = set()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path in robot.failing:
                    self.send_response(500)
                    self.end_headers()
                    return
                robot.posts.append((self.path, json.loads(body)))
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def paths(self, containing=""):
        return [path for path, body in self.posts if containing in body["text"]["content"]]


@pytest.fixture
def robot(settings):
    """The receiver on 127.0.0.1 over plain http: robots' addresses are https to 企业微信 or
    钉钉 only (indicators.webhooks), so the test lists its own receiver, as only tests may."""
    robot = Robot()
    settings.WEBHOOK_TEST_RECEIVERS = [robot.url.removeprefix("http://")]
    yield robot
    robot.server.shutdown()
    robot.server.server_close()


@pytest.fixture
def cycle(report, fgj, rsj, reviewer, leader, robot):
    """The demo report with a schedule of -3, 0 and +2 days, the office's robot, 发改局's own
    robot, an address for 发改局's reporter, the office and the leader."""
    report.reminder_days = "-3,0,2"
    report.escalation_days = 3
    report.webhook_url = f"{robot.url}/office"
    report.save()
    fgj_department = Department.objects.get(code="fgj")
    fgj_department.webhook_url = f"{robot.url}/fgj"
    fgj_department.save()
    Department.objects.filter(region=report.region).update(leader=leader)
    for user, address in ((fgj, "fgj@example.test"), (reviewer, "office@example.test")):
        user.email = address
        user.save()
    leader.email = "leader@example.test"
    leader.save()
    return report


def mail_to(smtp, address):
    return [body for rcpt, body in smtp.messages if rcpt == [address]]


def waiting_departments(report, today):
    rows = timeliness.department_timeliness(report, today)
    return {r.department.pk for r in rows if r.month(9).due > r.month(9).submitted}


def september_reminders():
    return Dispatch.objects.filter(key__startswith="remind:", key__contains=":9:")


def test_each_schedule_step_is_sent_once_through_every_channel(cycle, fgj, smtp, robot):
    result = run(day(2), reports=[cycle])
    fgj_department = fgj.department
    assert result["failed"] == 0
    # 发改局's reporter: a notice and an e-mail; 发改局's robot, and the office's for the others.
    notice = Notice.objects.get(user=fgj)
    assert "9月" in notice.title and "还有3天截止" in notice.body
    assert notice.url == f"/report/2023/9/?report={cycle.pk}"
    (mail,) = mail_to(smtp, "fgj@example.test")
    assert "Subject:" in mail and "/report/2023/9/" in mail
    waiting = waiting_departments(cycle, day(2))
    assert fgj_department.pk in waiting
    assert robot.paths().count("/fgj") == 1
    assert robot.paths("填报提醒").count("/office") == len(waiting) - 1
    _path, body = robot.posts[robot.paths().index("/fgj")]
    assert body["msgtype"] == "text" and "发展和改革局" in body["text"]["content"]

    sent = (len(smtp.messages), len(robot.posts), Notice.objects.count())
    run(day(2), reports=[cycle])
    run(day(3), reports=[cycle])  # still within the -3 step's catch-up days: nothing new
    assert (len(smtp.messages), len(robot.posts), Notice.objects.count()) == sent

    run(day(5), reports=[cycle])  # the deadline day: the second step, once
    assert len(mail_to(smtp, "fgj@example.test")) == 2
    assert "今天截止" in Notice.objects.filter(user=fgj).first().body
    run(day(5), reports=[cycle])
    assert len(mail_to(smtp, "fgj@example.test")) == 2


def test_a_department_that_has_reported_is_not_reminded(cycle, fgj, smtp, robot):
    for indicator in Indicator.objects.filter(
        lead_department=fgj.department, register_rule="", frequency="monthly"
    ):
        submit(fgj, indicator, 9, value=1)
    for indicator in Indicator.objects.filter(
        lead_department=fgj.department, register_rule=""
    ).exclude(frequency="monthly"):
        if indicator.is_due(9):
            submit(fgj, indicator, 9, value=1)
    run(day(2), reports=[cycle])
    assert not Notice.objects.filter(user=fgj).exists()
    assert "/fgj" not in robot.paths()
    assert mail_to(smtp, "fgj@example.test") == []


def test_a_failed_channel_is_retried_next_run_without_stopping_the_others(
    cycle, fgj, smtp, robot, settings
):
    robot.failing.add("/fgj")
    closed_port = free_port()
    settings.EMAIL_PORT = closed_port  # nothing listens there: the e-mail fails too
    result = run(day(2), reports=[cycle])
    assert result["failed"] == Dispatch.objects.filter(status=Dispatch.Status.FAILED).count()
    assert Notice.objects.filter(user=fgj).count() == 1  # the notice went
    assert "/office" in robot.paths()  # the other departments' robot posts went
    failed = Dispatch.objects.filter(status=Dispatch.Status.FAILED)
    assert {d.channel for d in failed} == {Channel.EMAIL, Channel.WEBHOOK}
    assert failed.filter(channel=Channel.WEBHOOK).get().recipient.endswith("/fgj")
    assert all(d.last_error and d.attempts == 1 for d in failed)
    retried = failed.count()

    robot.failing.clear()
    settings.EMAIL_PORT = smtp.controller.port
    office_posts = robot.paths().count("/office")
    result = run(day(3), reports=[cycle])
    assert result == {"planned": 0, "sent": retried, "failed": 0}
    assert robot.paths().count("/fgj") == 1
    assert robot.paths().count("/office") == office_posts
    assert len(mail_to(smtp, "fgj@example.test")) == 1
    assert Notice.objects.filter(user=fgj).count() == 1
    assert not Dispatch.objects.exclude(status=Dispatch.Status.SENT).exists()


def test_failures_stop_being_retried_after_the_attempt_limit(cycle, robot, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    robot.failing.add("/office")
    run(day(2), reports=[cycle])
    run(day(3), reports=[cycle])
    posts = len(robot.posts)
    run(day(4), reports=[cycle])
    assert len(robot.posts) == posts
    assert set(
        Dispatch.objects.filter(channel=Channel.WEBHOOK, recipient__endswith="/office").values_list(
            "attempts", flat=True
        )
    ) == {2}


def test_old_steps_are_not_sent_after_the_catch_up_days(cycle, settings):
    settings.REMINDER_CATCH_UP_DAYS = 7
    run(datetime.date(2023, 10, 20), reports=[cycle])
    assert not september_reminders().exists()


# --- Escalation ---


def escalations(kind):
    return Dispatch.objects.filter(key__startswith=f"escalate-{kind}:")


def test_a_department_is_escalated_only_when_more_than_n_days_late(cycle, fgj, leader, reviewer):
    run(day(8), reports=[cycle])  # three days after the deadline: not yet
    assert not escalations("late").exists()
    run(day(9), reports=[cycle])  # four days: more than three
    key = f"escalate-late:{cycle.pk}:9:{fgj.department.pk}"
    told = set(
        Dispatch.objects.filter(key=key, channel=Channel.NOTICE).values_list("user", flat=True)
    )
    assert told == {leader.pk, reviewer.pk}
    notice = Notice.objects.get(user=leader, title__contains=f"逾期未报】{fgj.department.name}")
    assert "已逾期4天" in notice.body and notice.url.startswith(
        f"/departments/{fgj.department.pk}/"
    )
    assert Dispatch.objects.filter(key=key, channel=Channel.WEBHOOK).exists()
    count = escalations("late").count()
    run(day(10), reports=[cycle])
    assert escalations("late").count() == count


def test_a_department_that_reported_late_but_before_escalation_is_not_escalated(cycle, fgj, leader):
    due = [
        i
        for i in Indicator.objects.filter(lead_department=fgj.department, register_rule="")
        if i.is_due(9)
    ]
    for indicator in due:
        submit(fgj, indicator, 9, value=1)
    run(day(9), reports=[cycle])
    assert not escalations("late").filter(key__endswith=f":{fgj.department.pk}").exists()


def far_target(report):
    return Indicator.objects.get(report=report, code="UC-02")  # cumulative, target 100 (%)


@pytest.mark.parametrize(
    ("july", "august", "escalated"),
    [
        (10, 20, True),  # far behind in July and in August
        (60, 20, False),  # on track in July: one month is not two
        (52, 20, False),  # July only behind (58.3 % expected): not far behind
        (10, 62, False),  # recovered in August
    ],
)
def test_a_target_far_behind_two_months_running_is_escalated(
    cycle, leader, july, august, escalated
):
    indicator = far_target(cycle)
    approve(indicator, 7, july)
    approve(indicator, 8, august)
    run(datetime.date(2023, 9, 6), reports=[cycle])  # August closed on 5 September
    found = escalations("far").filter(key=f"escalate-far:{cycle.pk}:8:{indicator.pk}")
    assert found.exists() is escalated
    if escalated:
        notice = Notice.objects.get(user=leader, title__contains=indicator.code)
        assert "7月、8月连续严重滞后" in notice.body and "低于序时进度" in notice.body


def test_the_command_runs_daily_and_says_what_it_did(cycle, smtp, robot):
    out = StringIO()
    started = time.monotonic()
    call_command("send_reminders", "--date", "2023-10-02", stdout=out)
    elapsed = time.monotonic() - started
    assert "new" in out.getvalue() and "0 failed" in out.getvalue()
    print(f"send_reminders on the demo report: {elapsed:.2f}s; {out.getvalue().strip()}")
    out = StringIO()
    call_command("send_reminders", "--date", "2023-10-02", stdout=out)
    assert out.getvalue().startswith("send_reminders: 0 new, 0 sent, 0 failed")


def test_only_active_reporters_of_the_department_get_its_reminders(cycle, fgj, report):
    gone = make_user("t-fgj-gone", "reporter", fgj.department)
    gone.is_active = False
    gone.save()
    run(day(2), reports=[cycle])
    assert Notice.objects.filter(user=fgj).exists()
    assert not Notice.objects.filter(user=gone).exists()


def test_a_returned_entry_counts_as_waiting(cycle, fgj, reviewer):
    indicator = next(
        i
        for i in Indicator.objects.filter(lead_department=fgj.department, register_rule="")
        if i.is_due(9)
    )
    entry = submit(fgj, indicator, 9, value=1)
    workflow.review(reviewer, [entry], workflow.RETURN, comment="数值有误")
    run(day(2), reports=[cycle])
    assert Notice.objects.filter(user=fgj).exists()


def test_the_office_reads_its_own_regions_messages_in_the_admin(client, cycle, reviewer):
    run(day(2), reports=[cycle])
    reviewer.is_staff = True
    reviewer.save()
    demo.ensure_groups()  # the office's view permission on 消息发送记录
    client.force_login(reviewer)
    listing = client.get("/admin/supervision/dispatch/")
    assert listing.status_code == 200 and "填报提醒" in listing.content.decode()
    elsewhere = Region.objects.create(name="鹿寨县")
    outsider = make_user("t-luzhai-office", "reviewer", region=elsewhere)
    outsider.is_staff = True
    outsider.save()
    client.force_login(outsider)
    listing = client.get("/admin/supervision/dispatch/")
    assert listing.status_code == 200 and "填报提醒" not in listing.content.decode()
    dispatch = Dispatch.objects.first()
    assert client.get(f"/admin/supervision/dispatch/{dispatch.pk}/change/").status_code in (
        302,
        404,
    )


def test_a_webhook_typed_without_its_scheme_is_kept_as_https(rf, report, reviewer):
    """The office pastes a group robot's address without ``https://``: the admin keeps it as an
    https address (what Django 6 will assume), not http."""
    from django.contrib import admin
    from django.forms.models import model_to_dict

    department = Department.objects.filter(region=report.region).first()
    request = rf.get("/admin/")
    request.user = reviewer
    form_class = admin.site._registry[Department].get_form(request, department)
    data = {k: v for k, v in model_to_dict(department).items() if v is not None}
    data["webhook_url"] = "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    form = form_class(data, instance=department)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["webhook_url"].startswith("https://qyapi.weixin.qq.com/")


@pytest.mark.parametrize("state", ["preparing", "archived"])
def test_no_reminder_goes_out_for_a_report_in_preparation_or_archived(cycle, smtp, robot, state):
    # The daily job (no reports given) reminds for open reports only (执行, 收尾).
    Report.objects.filter(pk=cycle.pk).update(state=state)
    assert run(day(2))["planned"] == 0
    assert not Dispatch.objects.exists() and not Notice.objects.exists()
    Report.objects.filter(pk=cycle.pk).update(state=Report.State.CLOSING)
    assert run(day(2))["planned"] > 0
