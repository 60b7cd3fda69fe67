"""Reminders and escalation: what the supervision cycle sends, and sending it once.

`run` (``manage.py send_reminders``, daily from a systemd timer or cron) does two things:

1. **plan** — for every report, the messages due ``today``, each written once as a `Dispatch`
   per channel and recipient (its key names the step, the month and the department or target,
   so a second run the same day, or the next, plans nothing twice):

   - *reminders* to a department's reporters at each step of the report's schedule
     (``Report.reminder_offsets``: days from the month's deadline), while some of its due
     targets are not yet in; a step missed for up to REMINDER_CATCH_UP_DAYS is still sent;
     December's figures of targets waiting for the annual statistics (待统计年报) are neither
     reminded nor escalated: they come when the statistics do;
   - *escalation* to the department's 分管县领导 and the office: a department more than
     ``Report.escalation_days`` past the deadline with targets still not reported, a target
     far behind (严重滞后) in two months running, and a target projected to miss its annual
     target (预计难以完成) as of two months running;

2. **deliver** — every dispatch not yet sent (new, or failed on an earlier run, up to
   REMINDER_MAX_ATTEMPTS tries) through its channel; a failure is logged and kept for the next
   run and never stops the other messages.

Who is late is ``indicators.timeliness``'s answer; who is far behind or projected to miss is
``reporting.standing``'s: the same the dashboards show.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from indicators import progress
from indicators.models import OPEN_STATES, Department, Report, User
from indicators.timeliness import department_timeliness
from reporting import foresight
from reporting.standing import judged

from .channels import SENDERS, ChannelError
from .models import Channel, Dispatch

logger = logging.getLogger(__name__)

# How long after a month's deadline a target's two far-behind months are still worth raising.
ESCALATION_WINDOW_DAYS = 31


@dataclass(frozen=True)
class Message:
    """What to say, to whom (``users`` get a notice and, with an address, an e-mail; ``hooks``
    are group robots), under a ``key`` that makes it once-only."""

    report: Report
    key: str
    title: str
    body: str
    url: str
    users: tuple
    hooks: tuple


def reporters_of(department):
    return tuple(
        User.objects.filter(department=department, is_active=True, groups__name="reporter")
        .distinct()
        .order_by("pk")
    )


def reporters_by_department(report):
    """{department id: its active reporters} for the report's region, in one query."""
    found = {}
    for user in (
        User.objects.filter(
            department__region=report.region_id, is_active=True, groups__name="reporter"
        )
        .distinct()
        .order_by("pk")
    ):
        found.setdefault(user.department_id, []).append(user)
    return found


def office_of(report):
    """The supervision office of the report's region."""
    return tuple(
        User.objects.filter(region=report.region_id, is_active=True, groups__name="reviewer")
        .distinct()
        .order_by("pk")
    )


def form_url(report, month):
    return f"{reverse('reporting:monthly-form', args=[report.year, month])}?report={report.pk}"


def _when(deadline, today):
    days = (deadline - today).days
    if days > 0:
        return _("还有%(n)s天截止") % {"n": days}
    if days == 0:
        return _("今天截止")
    return _("已逾期%(n)s天") % {"n": -days}


def _in_window(day, today):
    return day <= today <= day + datetime.timedelta(days=settings.REMINDER_CATCH_UP_DAYS)


def reminders(report, today, timeliness=None):
    """The reminder messages of ``report`` due ``today``: one per schedule step and department
    that still has due targets not submitted for that month."""
    timeliness = timeliness if timeliness is not None else department_timeliness(report, today)
    messages, reporters = [], None
    for month in range(1, 13):
        deadline = report.deadline(month)
        for offset in report.reminder_offsets:
            if not _in_window(deadline + datetime.timedelta(days=offset), today):
                continue
            for row in timeliness:
                waiting = row.month(month).waiting  # none for the annual statistics' figures
                if waiting <= 0:
                    continue
                department = row.department
                if reporters is None:
                    reporters = reporters_by_department(report)
                messages.append(
                    Message(
                        report=report,
                        key=f"remind:{report.pk}:{month}:{offset}:{department.pk}",
                        title=_("【填报提醒】%(report)s %(month)s进展")
                        % {
                            "report": report.label,
                            "month": progress.month_label(month),
                        },
                        body=_(
                            "%(department)s：%(month)s尚有%(n)s项目标未报送，报送截止日期为"
                            "%(deadline)s（%(when)s），请及时填报。"
                        )
                        % {
                            "department": department.name,
                            "month": progress.month_label(month),
                            "n": waiting,
                            "deadline": _date(deadline),
                            "when": _when(deadline, today),
                        },
                        url=form_url(report, month),
                        users=tuple(reporters.get(department.pk, ())),
                        hooks=hooks(department.webhook_url or report.webhook_url),
                    )
                )
    return messages


def late_escalations(report, today, timeliness=None):
    """Departments more than ``report.escalation_days`` days past a month's deadline with due
    targets still not reported: told to their 分管县领导 and the office, once per month."""
    timeliness = timeliness if timeliness is not None else department_timeliness(report, today)
    messages, office = [], None
    for month in range(1, 13):
        deadline = report.deadline(month)
        first_day = deadline + datetime.timedelta(days=report.escalation_days + 1)
        if not _in_window(first_day, today):
            continue
        for row in timeliness:
            cell = row.month(month)
            if cell.state != "missing":
                continue
            department = row.department
            office = office if office is not None else office_of(report)
            messages.append(
                escalation(
                    report,
                    f"escalate-late:{report.pk}:{month}:{department.pk}",
                    _("【逾期未报】%(department)s %(month)s进展")
                    % {"department": department.name, "month": progress.month_label(month)},
                    _(
                        "%(department)s%(month)s有%(n)s项目标逾期未报送，截止日期%(deadline)s，"
                        "已逾期%(days)s天。请分管县领导督促。"
                    )
                    % {
                        "department": department.name,
                        "month": progress.month_label(month),
                        "n": cell.missing,
                        "deadline": _date(deadline),
                        "days": (today - deadline).days,
                    },
                    f"{reverse('reporting:department', args=[department.pk])}"
                    f"?report={report.pk}&month={month}",
                    (department.leader, *office),
                )
            )
    return messages


def escalation(report, key, title, body, url, people):
    """A message for the leader in charge and the office, with the office's robot."""
    return Message(report, key, title, body, url, _people(*people), hooks(report.webhook_url))


def closed_month(report, today):
    """The latest month whose deadline has passed, while it is recent enough to act on."""
    for month in range(12, 0, -1):
        deadline = report.deadline(month)
        if deadline < today:
            late = today - deadline
            return month if late <= datetime.timedelta(days=ESCALATION_WINDOW_DAYS) else None
    return None


def standing_escalations(report, today):
    """Targets far behind (严重滞后) as of the latest closed month and the month before it, and
    targets projected to miss (预计难以完成) as of both: the forecast as of each month is the one
    the pages showed then. A target both far behind and projected to miss gets one message that
    says both. Two judged lists, whatever the number of targets."""
    month = closed_month(report, today)
    if month is None or month < 2:
        return []
    before = judged(report, month - 1)
    far_before = {i.pk for i in before if i.progress.status == progress.FAR_BEHIND}
    risk_before = {i.pk for i in before if i.forecast.is_at_risk}
    far, risky = [], []
    for indicator in judged(report, month):
        at_risk = indicator.pk in risk_before and indicator.forecast.is_at_risk
        if indicator.pk in far_before and indicator.progress.status == progress.FAR_BEHIND:
            far.append((indicator, at_risk))
        elif at_risk:
            risky.append(indicator)
    if not far and not risky:
        return []
    office = office_of(report)
    leaders = {
        d.pk: d.leader
        for d in Department.objects.filter(region=report.region_id).select_related("leader")
    }
    return [
        *(far_behind_message(report, month, i, at_risk, leaders, office) for i, at_risk in far),
        *(at_risk_message(report, month, i, leaders, office) for i in risky),
    ]


def far_behind_message(report, month, indicator, at_risk, leaders, office):
    """A target far behind two months running; ``at_risk``: projected to miss as of both too."""
    department = indicator.lead_department
    body = _(
        "%(name)s（牵头单位：%(department)s）%(before)s、%(month)s连续严重滞后，"
        "截至%(month)s底%(gap)s。请分管县领导督促。"
    ) % {
        "name": indicator.name,
        "department": department.name,
        "before": progress.month_label(month - 1),
        "month": progress.month_label(month),
        "gap": progress.gap_phrase(indicator.progress, indicator.kind, indicator.unit),
    }
    if at_risk:
        body += _("该目标%(before)s、%(month)s底均预计难以完成全年目标，%(phrase)s。") % {
            "before": progress.month_label(month - 1),
            "month": progress.month_label(month),
            "phrase": foresight.running_phrase(indicator),
        }
    return escalation(
        report,
        f"escalate-far:{report.pk}:{month}:{indicator.pk}",
        _("【连续严重滞后】%(code)s %(name)s") % {"code": indicator.code, "name": indicator.name},
        body,
        _indicator_url(indicator, month),
        (leaders.get(department.pk), *office),
    )


def at_risk_message(report, month, indicator, leaders, office):
    """A target projected to miss (预计难以完成) as of two months running: escalated like a
    far-behind one, once per month (its key names the month, as a far-behind one's does)."""
    department = indicator.lead_department
    return escalation(
        report,
        f"escalate-risk:{report.pk}:{month}:{indicator.pk}",
        _("【预计难以完成】%(code)s %(name)s") % {"code": indicator.code, "name": indicator.name},
        _(
            "%(name)s（牵头单位：%(department)s）按%(before)s、%(month)s底的数据，连续两个月"
            "预计难以完成全年目标：%(phrase)s；截至%(month)s底%(gap)s。请分管县领导督促。"
        )
        % {
            "name": indicator.name,
            "department": department.name,
            "before": progress.month_label(month - 1),
            "month": progress.month_label(month),
            "phrase": foresight.running_phrase(indicator),
            "gap": progress.gap_phrase(indicator.progress, indicator.kind, indicator.unit)
            or indicator.progress.label,
        },
        _indicator_url(indicator, month),
        (leaders.get(department.pk), *office),
    )


def _indicator_url(indicator, month):
    return f"{reverse('reporting:indicator', args=[indicator.pk])}?month={month}"


def _people(*users):
    seen, people = set(), []
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            people.append(user)
    return tuple(people)


def hooks(*urls):
    return tuple(url for url in urls if url)


def _date(day):
    return date_format(day, "MONTH_DAY_FORMAT")


def messages_for(report, today):
    """Everything ``report``'s cycle has to say ``today``."""
    timeliness = department_timeliness(report, today)
    return [
        *reminders(report, today, timeliness),
        *late_escalations(report, today, timeliness),
        *standing_escalations(report, today),
    ]


def dispatches(message):
    """A message as its dispatch rows: a notice and an e-mail per person, a post per robot."""
    rows = []
    for user in message.users:
        rows.append((Channel.NOTICE, str(user.pk), user))
        if user.email and settings.EMAIL_HOST:
            rows.append((Channel.EMAIL, user.email, user))
    rows += [(Channel.WEBHOOK, hook, None) for hook in message.hooks]
    return rows


def plan(messages):
    """Record each message's dispatches once; returns how many were new."""
    created = 0
    for message in messages:
        for channel, recipient, user in dispatches(message):
            try:
                with transaction.atomic():
                    _, new = Dispatch.objects.get_or_create(
                        key=message.key,
                        channel=channel,
                        recipient=recipient,
                        defaults={
                            "report": message.report,
                            "user": user,
                            "title": message.title,
                            "body": message.body,
                            "url": message.url,
                        },
                    )
            except IntegrityError:
                new = False  # another run recorded it at the same moment
            created += new
    return created


def deliver(queryset=None):
    """Send every dispatch not yet sent; returns (sent, failed). A failure is logged and kept."""
    pending = (queryset if queryset is not None else Dispatch.objects.all()).filter(
        status__in=(Dispatch.Status.PENDING, Dispatch.Status.FAILED),
        attempts__lt=settings.REMINDER_MAX_ATTEMPTS,
    )
    sent = failed = 0
    for dispatch in pending.select_related("user", "report").order_by("pk"):
        dispatch.attempts += 1
        try:
            with transaction.atomic():
                SENDERS[dispatch.channel](dispatch)
                dispatch.status, dispatch.sent_at = Dispatch.Status.SENT, timezone.now()
                dispatch.last_error = ""
                dispatch.save()
            sent += 1
        except ChannelError as error:
            dispatch.status, dispatch.last_error = Dispatch.Status.FAILED, str(error)
            dispatch.save(update_fields=["status", "last_error", "attempts"])
            failed += 1
            logger.warning(
                "message not sent (try %s of %s, again on the next run): %s %s: %s",
                dispatch.attempts,
                settings.REMINDER_MAX_ATTEMPTS,
                dispatch.get_channel_display(),
                dispatch.shown_recipient,
                error,
            )
    return sent, failed


def run(today=None, reports=None):
    """Plan and deliver what is due ``today`` for every open report (执行, 收尾: none in 筹备
    or 归档); returns {"planned", "sent", "failed"}."""
    today = today or timezone.localdate()
    reports = (
        reports
        if reports is not None
        else Report.objects.filter(
            year__in=(today.year - 1, today.year), state__in=OPEN_STATES
        ).select_related("region")
    )
    planned = 0
    for report in reports:
        planned += plan(messages_for(report, today))
    sent, failed = deliver()
    return {"planned": planned, "sent": sent, "failed": failed}
