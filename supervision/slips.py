"""The gate for supervision slips (督办单): every move of a slip goes through `move`.

The office issues a slip to a department (what is behind, the gap, what is required, a reply
deadline); the department answers with causes, measures (整改措施) and the date it expects to
recover; the office accepts the answer or returns it for another, and closes the slip (销号) when
the target is back on track, or by decision at any stage. As with monthly entries, in one
transaction: who may (``indicators.access``), which state (`TRANSITIONS`), which version (the
stored row is locked before its version is compared), and a history row per move with the user.
Each move tells the other side through the same channels as reminders.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from indicators import access, progress, workflow
from indicators.periods import default_month
from reporting.standing import judged

from . import reminders
from .models import Channel, Dispatch, Slip, SlipState

ISSUE, ANSWER, ACCEPT, RETURN, CLOSE = "issue", "answer", "accept", "return", "close"
OFFICE_ACTIONS = (ISSUE, ACCEPT, RETURN, CLOSE)
# What a slip has gone through (督办单已下发 / "has been issued"), also in "cannot be ...".
ACTION_LABELS = {
    ISSUE: pgettext_lazy("done to a slip", "下发"),
    ANSWER: pgettext_lazy("done to a slip", "反馈"),
    ACCEPT: pgettext_lazy("done to a slip", "通过"),
    RETURN: pgettext_lazy("done to a slip", "退回"),
    CLOSE: pgettext_lazy("done to a slip", "销号"),
}

TRANSITIONS = {
    (None, ISSUE): SlipState.ISSUED,
    (SlipState.ISSUED, ANSWER): SlipState.ANSWERED,
    (SlipState.RETURNED, ANSWER): SlipState.ANSWERED,
    (SlipState.ANSWERED, ACCEPT): SlipState.ACCEPTED,
    (SlipState.ANSWERED, RETURN): SlipState.RETURNED,
    (SlipState.ACCEPTED, CLOSE): SlipState.CLOSED,
    # 经研究销号: the office may close an open slip at any stage by decision, with its reasons.
    (SlipState.ISSUED, CLOSE): SlipState.CLOSED,
    (SlipState.ANSWERED, CLOSE): SlipState.CLOSED,
    (SlipState.RETURNED, CLOSE): SlipState.CLOSED,
}

# Colours (督办等级): blue while the reply deadline is near, yellow while the matter is behind,
# red once the reply deadline has passed without an answer.
BLUE, YELLOW, RED = "blue", "yellow", "red"
COLOUR_LABELS = {
    BLUE: gettext_lazy("蓝色督办（临近期限）"),
    YELLOW: gettext_lazy("黄色督办（滞后）"),
    RED: gettext_lazy("红色督办（逾期）"),
}
AWAITING_DEPARTMENT = (SlipState.ISSUED, SlipState.RETURNED)


class SlipError(Exception):
    """A move that cannot be made, with a message for the person who tried."""


def colour(state, reply_by, today, near_days=None):
    """The slip's colour (pure): None once closed."""
    near_days = settings.SLIP_NEAR_DAYS if near_days is None else near_days
    if state == SlipState.CLOSED:
        return None
    if state in AWAITING_DEPARTMENT:
        if today > reply_by:
            return RED
        if (reply_by - today).days <= near_days:
            return BLUE
    return YELLOW


def with_colours(slip_list, today=None):
    """``slip_list`` with each slip's ``colour`` and ``colour_label`` as of ``today``."""
    today = today or timezone.localdate()
    for slip in slip_list:
        slip.colour = colour(slip.state, slip.reply_by, today)
        slip.colour_label = COLOUR_LABELS.get(slip.colour, "")
    return slip_list


def refusal(user, slip, action):
    """Why ``user`` may not take ``action`` on ``slip`` (None: a slip not yet issued), or None."""
    if action == ANSWER:
        if slip is None or not access.can_answer_slip(user, slip):
            return _("只有督办单所属单位的填报员可以反馈。")
    elif not access.can_supervise(user, slip.report):
        return _("只有本地区的督查室可以下发、审核和销号督办单。")
    reason = report_refusal(slip.report, action)
    if reason:
        return reason
    state = slip.state if slip is not None and slip.pk else None
    if (state, action) not in TRANSITIONS:
        label = SlipState(state).label if state else _("未下发")
        return _("督办单状态为“%(state)s”，不能%(action)s。") % {
            "state": label,
            "action": ACTION_LABELS[action],
        }
    return None


def report_refusal(report, action):
    """Why no slip of ``report`` may take ``action`` in the report's state, or None: an archived
    report is read-only (its slips are frozen as the year closed), and a report in 筹备 has no
    figures to be behind on, so no slip is issued on it."""
    if report.is_archived:
        return _("“%(report)s”已归档，督办单不能再下发或办理。") % {"report": report}
    if action == ISSUE and not report.is_published:
        return _("“%(report)s”尚在筹备，发布后才能下发督办单。") % {"report": report}
    return None


def issue(user, slip):
    """Issue an unsaved ``slip`` (its fields filled by the office's form)."""
    reason = refusal(user, slip, ISSUE)
    if reason:
        raise SlipError(reason)
    if slip.indicator_id and slip.indicator.lead_department_id != slip.department_id:
        raise SlipError(_("督办单须下发给该目标的牵头单位。"))
    if slip.department.region_id != slip.report.region_id:
        raise SlipError(_("责任单位不属于该工作报告的地区。"))
    with transaction.atomic():
        slip.state = SlipState.ISSUED
        slip.issued_by = user
        slip._history_user = user
        slip.save()
        _tell(
            slip,
            _("【督办单】%(matter)s") % {"matter": _short(slip.matter)},
            _("督查室下发督办单第%(number)s号，请于%(date)s前反馈滞后原因和整改措施。")
            % {"number": slip.number, "date": _day(slip.reply_by)},
            reminders.reporters_of(slip.department),
        )
    return slip


def move(user, slip, action, version, *, fields=None, today=None):
    """Answer, accept, return or close ``slip`` as ``user``, seen at ``version``."""
    fields = fields or {}
    with transaction.atomic():
        stored = (
            Slip.objects.select_for_update().select_related("report", "department").get(pk=slip.pk)
        )
        reason = refusal(user, stored, action)
        if reason:
            raise SlipError(reason)
        if workflow.is_stale(stored.version, version):
            raise SlipError(_("督办单已被他人处理，请刷新后再办。"))
        if action == ANSWER and not (fields.get("causes") and fields.get("measures")):
            raise SlipError(_("请填写滞后原因和整改措施。"))
        if action == RETURN and not fields.get("office_comment"):
            raise SlipError(_("退回时请填写意见，说明需要补充的内容。"))
        if action == CLOSE:
            _check_closing(stored, fields, today)
        now = timezone.now()
        for name, value in fields.items():
            setattr(stored, name, value)
        stored.state = TRANSITIONS[(stored.state, action)]
        stored.version += 1
        if action == ANSWER:
            stored.answered_by, stored.answered_at = user, now
        elif action in (ACCEPT, RETURN):
            stored.reviewed_by, stored.reviewed_at = user, now
        elif action == CLOSE:
            stored.closed_at = now
        stored._history_user = user
        stored.save()
        _announce(stored, action)
    return stored


def _check_closing(slip, fields, today):
    closing = fields.get("closing")
    if closing == Slip.Closing.DECISION:
        if not fields.get("office_comment"):
            raise SlipError(_("经研究销号时请填写销号理由。"))
        return
    if closing != Slip.Closing.RECOVERED:
        raise SlipError(_("请选择销号方式。"))
    if slip.state != SlipState.ACCEPTED:
        raise SlipError(_("反馈通过后才能按“已达到序时进度”销号；否则请选择经研究销号。"))
    if slip.indicator_id and not _recovered(slip, today):
        raise SlipError(_("该目标仍未达到序时进度，不能按“已达到序时进度”销号。"))


def _recovered(slip, today):
    """Whether the slip's target is done or on track as of the latest month with a figure."""
    month = min(12, max(slip.month, default_month(slip.report, today or timezone.localdate())))
    (indicator,) = judged(slip.report, month, slip.report.indicators.filter(pk=slip.indicator_id))
    return indicator.progress.status in (progress.DONE, progress.ON_TRACK)


def _announce(slip, action):
    office = reminders.office_of(slip.report)
    department = reminders.reporters_of(slip.department)
    if action == ANSWER:
        title = _("【督办反馈】%(number)s号已反馈") % {"number": slip.number}
        body = _("%(department)s已反馈督办单，请审核。") % {"department": slip.department.name}
        _tell(slip, title, body, office)
        return
    words = {
        ACCEPT: _("反馈已通过，请按整改措施推进。"),
        RETURN: _("反馈被退回：%(comment)s") % {"comment": slip.office_comment},
        CLOSE: _("督办单已销号。"),
    }
    title = _("【督办单】%(number)s号%(action)s") % {
        "number": slip.number,
        "action": ACTION_LABELS[action],
    }
    _tell(slip, title, words[action], department)


def _tell(slip, title, body, users):
    """Tell ``users`` about the slip: a notice now (in this transaction); e-mail and robots on the
    next reminder run, which retries them if they fail."""
    message = reminders.Message(
        report=slip.report,
        key=f"slip:{slip.pk}:{slip.version}",
        title=title,
        body=body,
        url=reverse("supervision:slip", args=[slip.pk]),
        users=tuple(users),
        hooks=reminders.hooks(slip.department.webhook_url),
    )
    reminders.plan([message])
    reminders.deliver(Dispatch.objects.filter(key=message.key, channel=Channel.NOTICE))


def _short(text, length=30):
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _day(day):
    return date_format(day, "DATE_FORMAT")


def draft(report, department, indicator, month, today=None):
    """An unsaved slip for ``indicator`` (behind as of ``month``: the reason, the gap and the
    matter from its standing) or, with no indicator, for ``department``'s late report of
    ``month``; the requirement and reply deadline the office usually sets. The office's form
    edits it before `issue`."""
    slip = Slip(report=report, department=department, indicator=indicator, month=month)
    if indicator is not None:
        (standing,) = judged(report, month, report.indicators.filter(pk=indicator.pk))
        status = standing.progress
        slip.reason = (
            Slip.Reason.FAR_BEHIND if status.status == progress.FAR_BEHIND else Slip.Reason.BEHIND
        )
        slip.gap = progress.gap_phrase(status, indicator.kind, indicator.unit)
        slip.matter = _("%(code)s %(name)s：截至%(month)s底%(status)s，%(gap)s。") % {
            "code": indicator.code,
            "name": indicator.name,
            "month": progress.month_label(month),
            "status": status.label,
            "gap": slip.gap,
        }
    else:
        slip.reason = Slip.Reason.LATE
        slip.matter = _("%(department)s%(month)s进展逾期未报送。") % {
            "department": department.name,
            "month": progress.month_label(month),
        }
    slip.requirement = _("请分析滞后原因，提出整改措施和完成时限，按期书面反馈。")
    slip.reply_by = default_reply_by(today)
    return slip


def default_reply_by(today=None):
    return (today or timezone.localdate()) + datetime.timedelta(days=7)


def visible_slips(user):
    """The slips ``user`` may read: their regions' for the office and leaders, their own
    department's for a reporter."""
    return access.scope(
        user,
        Slip.objects.select_related("report__region", "department", "indicator"),
        department_field="department",
    )
