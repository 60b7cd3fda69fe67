"""A report's life, and the one gate that moves it: 筹备 → 执行 → 收尾 → 归档.

- 筹备 (preparing): the office sets the report up (the admin, its workbook reloadable); nobody
  else sees it, and no figure is entered;
- 执行 (active): published, live for reporters and leaders; it goes back to 筹备 only while no
  figure has been entered;
- 收尾 (closing): from December on, still open for late figures, the annual statistics
  (待统计年报) and review;
- 归档 (archived): closed by the office once nothing waits (no row to review, no open 督办单, no
  核实 task without its result, no annual figure missing), read-only, its figures, 通报, slips
  and 核实 frozen. There is no way back: a closed year stays as it was closed.

Every move is the office's (of the report's region; the administrator anywhere), is checked here
and nowhere else, and is written to the audit log (``audit.signals`` records the state change).
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access
from .models import EntryState, ProgressEntry, Report
from .numbers import amount
from .progress import year_month_label

State = Report.State


@dataclass(frozen=True)
class Move:
    name: str
    source: str
    target: str
    label: str  # the button's words


MOVES = {
    move.name: move
    for move in (
        Move("publish", State.PREPARING, State.ACTIVE, gettext_lazy("发布")),
        Move("unpublish", State.ACTIVE, State.PREPARING, gettext_lazy("退回筹备")),
        Move("close_year", State.ACTIVE, State.CLOSING, gettext_lazy("转入收尾")),
        Move("resume", State.CLOSING, State.ACTIVE, gettext_lazy("恢复执行")),
        Move("archive", State.CLOSING, State.ARCHIVED, gettext_lazy("归档")),
    )
}


class Refused(Exception):
    """A move the gate refuses; its message says why, in the interface language."""


def has_figures(report):
    """Whether any figure (a target's or a project's) has been entered in ``report``."""
    project_progress = apps.get_model("projects", "ProjectProgress")
    return (
        ProgressEntry.objects.filter(indicator__report=report).exists()
        or project_progress.objects.filter(project__report=report).exists()
    )


def waiting_count(report):
    """Rows of ``report`` submitted and not yet reviewed."""
    project_progress = apps.get_model("projects", "ProjectProgress")
    return (
        ProgressEntry.objects.filter(indicator__report=report, state=EntryState.SUBMITTED).count()
        + project_progress.objects.filter(
            project__report=report, state=EntryState.SUBMITTED
        ).count()
    )


def open_slips(report):
    """Supervision slips (督办单) of ``report`` not yet closed (销号)."""
    slip = apps.get_model("supervision", "Slip")
    return slip.objects.filter(report=report).exclude(state=slip.State.CLOSED).count()


def open_verifications(report):
    """核实 tasks of ``report`` still waiting for a result (or to be withdrawn)."""
    task = apps.get_model("supervision", "VerificationTask")
    return task.objects.filter(report=report, state=task.State.PENDING).count()


def awaiting_statistics(report):
    """Targets of ``report`` marked 待统计年报 whose December figure is not yet approved."""
    approved = ProgressEntry.objects.filter(
        indicator__report=report, month=12, state=EntryState.APPROVED
    ).values("indicator")
    return report.indicators.filter(awaits_annual_statistics=True).exclude(pk__in=approved)


def refusal(user, report, move, today=None):
    """Why ``user`` may not make ``move`` (a `Move`) on ``report`` now, or None."""
    today = today or timezone.localdate()
    if not access.can_review_report(user, report):
        return _("只有本地区的督查室可以发布、收尾或归档工作报告。")
    if report.state != move.source:
        return _("“%(report)s”现为“%(state)s”，不能%(move)s。") % {
            "report": report,
            "state": report.get_state_display(),
            "move": move.label,
        }
    if move.name == "publish" and not report.indicators.exists():
        return _("“%(report)s”还没有目标任务，不能发布。") % {"report": report}
    if move.name == "unpublish" and has_figures(report):
        return _("“%(report)s”已有填报数据，不能退回筹备。") % {"report": report}
    if move.name == "close_year" and today < datetime.date(report.year, 12, 1):
        return _("%(year_month)s起才能转入收尾。") % {
            "year_month": year_month_label(report.year, 12)
        }
    if move.name == "archive":
        waiting = waiting_count(report)
        if waiting:
            return _("“%(report)s”还有%(n)s条数据待审核，审核后才能归档。") % {
                "report": report,
                "n": amount(waiting, 0),
            }
        slips = open_slips(report)
        if slips:
            return _("“%(report)s”还有%(n)s份督办单未销号，销号后才能归档。") % {
                "report": report,
                "n": slips,
            }
        tasks = open_verifications(report)
        if tasks:
            return _("“%(report)s”还有%(n)s项核实任务未完成，核实或撤销后才能归档。") % {
                "report": report,
                "n": tasks,
            }
        missing = list(awaiting_statistics(report).values_list("code", flat=True))
        if missing:
            return _("还有%(n)s项目标任务待统计年报（%(codes)s），录入审核后才能归档。") % {
                "n": len(missing),
                "codes": "、".join(missing),
            }
    return None


def moves_for(user, report, today=None):
    """The moves ``user`` may make on ``report`` now, as [(Move, refusal or None)] of the moves
    that start from its state (the admin shows the refused ones greyed with their reason)."""
    return [
        (move, refusal(user, report, move, today))
        for move in MOVES.values()
        if move.source == report.state
    ]


def move(user, report, name, today=None):
    """Make the move ``name`` on ``report`` for ``user``, or raise `Refused`; returns the report.
    The row is locked while the move is checked: two clicks at once make one move."""
    if name not in MOVES:
        raise Refused(_("没有这个操作。"))
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("region").get(pk=report.pk)
        reason = refusal(user, report, MOVES[name], today)
        if reason:
            raise Refused(reason)
        report.state = MOVES[name].target
        report._audit_user = user  # the mover, in a request or not (a shell, a command)
        report.save(update_fields=["state"])
    return report
