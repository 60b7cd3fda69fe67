"""The supervision office's side: the review queue, approving, returning and reopening entries,
and month locks. Every change goes through the workflow gate."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.http import require_POST

from indicators import access, lifecycle, workflow
from indicators.access import reviewer_required
from indicators.models import EntryState, MonthLock, ProgressEntry
from indicators.numbers import amount
from indicators.periods import report_of_year, review_scope, reviewed_reports
from indicators.progress import month_label
from projects.models import ProjectProgress
from reporting import recent
from reporting.forms import LockForm, ReviewFilterForm, ReviewForm

ACTIONS = (workflow.APPROVE, workflow.RETURN, workflow.REOPEN)
DONE_MESSAGES = {
    workflow.APPROVE: ngettext_lazy("已审核通过%(n)s条。", "已审核通过%(n)s条。", "n"),
    workflow.RETURN: ngettext_lazy(
        "已退回%(n)s条，填报单位将看到退回意见。", "已退回%(n)s条，填报单位将看到退回意见。", "n"
    ),
    workflow.REOPEN: ngettext_lazy(
        "已退回更正%(n)s条，填报单位将看到意见并重新报送。",
        "已退回更正%(n)s条，填报单位将看到意见并重新报送。",
        "n",
    ),
}


@reviewer_required
def review_queue(request):
    """The rows waiting for review in every open report the office reviews, grouped by report
    (oldest first), or in the one it picks, with a month-lock panel per report shown; the
    filters are of one report."""
    scope = review_scope(request)
    report = scope.period.report
    if not access.can_review_report(request.user, report):
        raise PermissionDenied
    filters = ReviewFilterForm(
        request.GET or None, report=report, reports=reviewed_reports(request.user)
    )
    chosen = filters.cleaned_data if filters.is_valid() else {}
    entries, progress = _waiting_rows(scope.reports, chosen)
    shown = scope.reports or [report]  # nothing open: the default report's locks still show
    locks = _locks(shown)
    order = chosen.get("order")
    entries = _marked(recent.attach(list(entries), scope.reports), locks, order)
    progress = _marked(recent.attach(list(progress), scope.reports), locks, order)
    context = {
        "period": scope.period,
        "is_chosen": scope.is_chosen,
        "filters": filters,
        "groups": _grouped(request.user, scope.reports, entries, progress),
        "lock_panels": _lock_panels(shown, locks),
        "back": request.get_full_path(),
    }
    return render(request, "reporting/review.html", context)


def _waiting_rows(reports, chosen):
    """The submitted target entries and project rows of ``reports``, narrowed by the filters
    ``chosen``: two queries whatever the number of reports and rows."""
    entries = (
        ProgressEntry.objects.filter(indicator__report__in=reports, state=EntryState.SUBMITTED)
        .select_related("indicator__section", "indicator__lead_department", "submitted_by")
        .prefetch_related("evidence")
        .order_by("month", "indicator__lead_department__order", "indicator__code")
    )
    progress = (
        ProjectProgress.objects.filter(project__report__in=reports, state=EntryState.SUBMITTED)
        .select_related("project__lead_department", "submitted_by")
        .prefetch_related("evidence")
        .order_by("month", "project__lead_department__order", "project__code")
    )
    if chosen.get("department"):
        entries = entries.filter(indicator__lead_department=chosen["department"])
        progress = progress.filter(project__lead_department=chosen["department"])
    if chosen.get("section"):
        entries = entries.filter(indicator__section=chosen["section"])
        progress = progress.none()  # sections hold targets, not projects
    if chosen.get("month"):
        entries = entries.filter(month=chosen["month"])
        progress = progress.filter(month=chosen["month"])
    if chosen.get("flagged"):
        entries = entries.exclude(flags=[])
        progress = progress.exclude(flags=[])
    return entries, progress


def _grouped(user, reports, entries, progress):
    """One group per report, in the order given: its heading, its rows, how many wait, and
    whether the office may now move it to 收尾 (from December: said beside its rows)."""
    close_year = lifecycle.MOVES["close_year"]
    groups = []
    for report in reports:
        mine = [row for row in entries if row.subject.report_id == report.pk]
        projects = [row for row in progress if row.subject.report_id == report.pk]
        groups.append(
            {
                "report": report,
                "heading": report.label_with_state,
                "entries": mine,
                "project_progress": projects,
                "waiting": len(mine) + len(projects),
                "may_close_year": lifecycle.refusal(user, report, close_year) is None,
            }
        )
    return groups


def _locks(reports):
    """{(report id, month): lock} of ``reports``: one query whatever their number."""
    locks = MonthLock.objects.filter(report__in=reports).select_related("locked_by")
    return {(lock.report_id, lock.month): lock for lock in locks}


def _lock_panels(reports, locks):
    """One month-lock panel per shown report: its heading, its twelve months with their lock
    and its last twelve lock changes (one query for the history of every report), so the
    office locks December of the closing year beside January of the new one."""
    history = _lock_history(reports)
    return [
        {
            "report": report,
            "heading": report.label_with_state,
            "months": [(month, locks.get((report.pk, month))) for month in range(1, 13)],
            "history": [record for record in history if record.report_id == report.pk],
        }
        for report in reports
    ]


def _lock_history(reports, last=12):
    """The ``last`` lock changes of each of ``reports``, newest first, in one query: the rank
    within each report is a window function, so one busy report does not crowd out another."""
    rank = Window(RowNumber(), partition_by=F("report_id"), order_by=F("history_date").desc())
    return list(
        MonthLock.history.filter(report_id__in=[report.pk for report in reports])
        .annotate(rank=rank)
        .filter(rank__lte=last)
        .select_related("history_user")
        .order_by("-history_date")
    )


def _marked(rows, locks, order=None):
    """Mark the rows of a locked month of their report: listed, but nothing to approve or
    return until unlocked. Ordered ``BY_FLAGS``, the rows with plausibility flags come first,
    the most flagged first, otherwise in the queue's order (each report's rows stay under its
    heading: `_grouped` keeps this order)."""
    for row in rows:
        row.locked = (row.subject.report_id, row.month) in locks
    if order == ReviewFilterForm.BY_FLAGS:
        rows.sort(key=lambda row: -len(row.flags))
    return rows


def _back(request, default=None):
    """Where the reviewer came from (the queue with its filters, a target's page), else
    ``default`` or the queue."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return default or reverse("reporting:review")


@require_POST
@reviewer_required
def review_action(request, action):
    if action not in ACTIONS:
        raise Http404
    form = ReviewForm(request.POST, user=request.user)
    back = _back(request)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    selection = form.cleaned_data["selection"]
    entries = [entry for entry, _version in selection]
    versions = dict(selection)
    try:
        workflow.review(
            request.user, entries, action, form.cleaned_data["comment"], versions=versions
        )
    except workflow.Refused as refusal:
        for index, reason in refusal.reasons.items():
            messages.error(
                request, _("%(entry)s：%(reason)s") % {"entry": entries[index], "reason": reason}
            )
        messages.error(request, _("未做任何改动。"))
        return redirect(back)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
        return redirect(back)
    done = DONE_MESSAGES[action] % {"n": len(entries)}
    flagged = sum(1 for entry in entries if entry.flags)
    if action == workflow.APPROVE and flagged:
        done += ngettext("其中%(n)s条带有校验提示。", "其中%(n)s条带有校验提示。", flagged) % {
            "n": amount(flagged, 0)
        }
    messages.success(request, done)
    return redirect(back)


@require_POST
@reviewer_required
def month_lock(request, year, month):
    report = report_of_year(request, year)
    if not 1 <= month <= 12:
        raise Http404
    form = LockForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied
    try:
        if form.cleaned_data["action"] == "lock":
            workflow.lock_month(request.user, report, month)
            messages.success(
                request, _("%(month)s已锁定，填报单位不能再修改。") % {"month": month_label(month)}
            )
            waiting = _waiting(report, month)
            if waiting:
                messages.warning(
                    request,
                    ngettext(
                        "%(month)s还有%(n)s条待审核的记录，锁定期间不能审核；如需审核，请先解锁。",
                        "%(month)s还有%(n)s条待审核的记录，锁定期间不能审核；如需审核，请先解锁。",
                        waiting,
                    )
                    % {"month": month_label(month), "n": amount(waiting, 0)},
                )
        else:
            workflow.unlock_month(request.user, report, month)
            messages.success(request, _("%(month)s已解锁。") % {"month": month_label(month)})
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    # Back to the queue the panel was on (every open report's, or this one's).
    return redirect(_back(request, reverse("reporting:review") + f"?report={report.pk}"))


def _waiting(report, month):
    """How many of ``report``'s rows of ``month`` wait for review (targets and projects)."""
    submitted = {"month": month, "state": EntryState.SUBMITTED}
    return (
        ProgressEntry.objects.filter(indicator__report=report, **submitted).count()
        + ProjectProgress.objects.filter(project__report=report, **submitted).count()
    )
