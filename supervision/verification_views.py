"""Pages of 核实 (verification): the office's list (tasks, the month's approved figures to mark,
the sample), a task's page (its figure, result, evidence and history), and the task's files.

Each view: decorators → the object for this user (a task of another region, or of a report in
筹备 the user does not set up, is a 404 that names nothing; a reporter is refused) → a Form →
the gate (``supervision.verification``) → redirect. Leaders read; only the office changes.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from indicators import access
from indicators.access import dashboard_required
from indicators.checks import flags_of
from indicators.models import EntryState, ProgressEntry
from indicators.periods import choose_report, parse_int, resolve_period
from reporting.forms import EvidenceRemoveForm, EvidenceUploadForm
from reporting.views.evidence import serve

from . import verification
from .forms import (
    VerificationCancelForm,
    VerificationMarkForm,
    VerificationRecordForm,
    VerificationSampleForm,
)
from .models import VerificationEvidence, VerificationSample, VerificationTask

TASK_RELATIONS = (
    "entry__indicator__lead_department",
    "created_by",
    "verified_by",
    "sample__drawn_by",
)


def _list_url(report, month=None):
    url = f"{reverse('supervision:verifications')}?report={report.pk}"
    return url if month is None else f"{url}&month={month}"


def _back(request, report, month=None):
    """Where an office action returns: the page it was posted from (``next``, this site's
    only), else the list."""
    back = request.POST.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect(_list_url(report, month))


def _form_errors(request, form):
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))


def _with_flags(entries):
    for entry in entries:
        entry.flag_labels = [flag.label for flag in flags_of(entry)]
    return entries


@dashboard_required
def verification_list(request):
    period = resolve_period(request)
    report, month = period.report, period.month
    tasks = verification.readable_tasks(request.user).filter(report=report)
    tasks = tasks.select_related(*TASK_RELATIONS).order_by("month", "entry__indicator__code")
    context = {
        "period": period,
        "reports": access.report_list(request.user),
        "months": range(1, 13),
        "pending": list(tasks.filter(state=VerificationTask.State.PENDING)),
        "closed": list(tasks.filter(month=month).exclude(state=VerificationTask.State.PENDING)),
        "refusal": verification.refusal(request.user, report),
        "can_verify": access.can_verify(request.user, report),
        "tolerance": settings.VERIFY_TOLERANCE_PERCENT,
    }
    _with_flags([task.entry for task in context["pending"] + context["closed"]])
    if context["can_verify"]:
        context.update(_office_part(report, month))
    return render(request, "supervision/verification.html", context)


def _office_part(report, month):
    """What only the office sees: the month's approved figures not yet verified, to mark, and
    the sampling form with the samples drawn."""
    taken = VerificationTask.objects.filter(
        report=report,
        state__in=(VerificationTask.State.PENDING, VerificationTask.State.VERIFIED),
    ).values("entry_id")
    candidates = (
        ProgressEntry.objects.filter(
            indicator__report=report, month=month, state=EntryState.APPROVED
        )
        .exclude(pk__in=taken)
        .select_related("indicator__lead_department")
        .order_by("indicator__code")
    )
    samples = (
        VerificationSample.objects.filter(report=report, month=month)
        .select_related("drawn_by")
        .annotate(drawn=Count("tasks"))
    )
    return {
        "candidates": _with_flags(list(candidates)),
        "samples": list(samples),
        "sample_form": VerificationSampleForm(initial={"month": month}),
    }


def _report_for(request):
    """The report a posted office action names: 404 for one the user may not open, 403 for
    one they read but may not verify."""
    report = choose_report(request.user, parse_int(request.POST.get("report")))
    if not access.can_verify(request.user, report):
        raise PermissionDenied
    return report


@login_required
@require_POST
def verification_mark(request):
    report = _report_for(request)
    form = VerificationMarkForm(request.POST, report=report)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, report)
    entries = list(form.cleaned_data["entries"])
    try:
        tasks = verification.mark(request.user, report, entries)
    except verification.VerificationError as error:
        messages.error(request, str(error))
        return _back(request, report, entries[0].month)
    messages.success(
        request,
        ngettext("已标记%(n)s项待核实。", "已标记%(n)s项待核实。", len(tasks)) % {"n": len(tasks)},
    )
    if len(tasks) == 1:
        return redirect("supervision:verification", tasks[0].pk)
    return redirect(_list_url(report, entries[0].month))


@login_required
@require_POST
def verification_sample(request):
    report = _report_for(request)
    form = VerificationSampleForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(_list_url(report))
    data = form.cleaned_data
    try:
        drawn = verification.sample(
            request.user, report, data["month"], data["count"], seed=data["seed"]
        )
    except verification.VerificationError as error:
        messages.error(request, str(error))
    else:
        n = drawn.tasks.count()
        messages.success(
            request,
            ngettext(
                "已随机抽取%(n)s项待核实（随机种子%(seed)s）。",
                "已随机抽取%(n)s项待核实（随机种子%(seed)s）。",
                n,
            )
            % {"n": n, "seed": drawn.seed},
        )
    return redirect(_list_url(report, data["month"]))


# --- A task ---


def _task_for(request, pk):
    """The task if the user may read it: 404 for another region's (or a hidden report's), 403
    for someone of the region who reads no task (a reporter)."""
    task = get_object_or_404(
        VerificationTask.objects.select_related("report__region", *TASK_RELATIONS), pk=pk
    )
    if not access.sees_region(request.user, task.report.region_id) or access.is_hidden(
        request.user, task.report
    ):
        raise Http404
    if not access.can_read_dashboards(request.user):
        raise PermissionDenied
    return task


@login_required
def verification_detail(request, pk):
    task = _task_for(request, pk)
    user, entry = request.user, task.entry
    may_change = verification.task_refusal(user, task) is None
    shows_evidence = verification.can_read_evidence(user, task)
    context = {
        "task": task,
        "entry": entry,
        "flags": [flag.label for flag in flags_of(entry)],
        "may_change": may_change,
        "refusal": None if may_change else verification.refusal(user, task.report),
        "shows_evidence": shows_evidence,
        "evidence": list(task.evidence.all()) if shows_evidence else [],
        "record_form": VerificationRecordForm(
            initial={"version": task.version, "entry_version": entry.version}
        ),
        "upload_form": EvidenceUploadForm(initial={"version": task.version}),
        "cancel_form": VerificationCancelForm(initial={"version": task.version}),
        "history": [
            (record, verification.CHANGE_LABELS.get(record.history_change_reason, ""))
            for record in task.history.select_related("history_user").order_by("history_date")
        ],
        "tolerance": settings.VERIFY_TOLERANCE_PERCENT,
    }
    return render(request, "supervision/verification_task.html", context)


def _may_change(request, task):
    """The office of the task's region, or 403 (a leader, an office above the region)."""
    if not access.can_verify(request.user, task.report):
        raise PermissionDenied


@login_required
@require_POST
def verification_record(request, pk):
    task = _task_for(request, pk)
    _may_change(request, task)
    form = VerificationRecordForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("supervision:verification", task.pk)
    data = form.cleaned_data
    try:
        task = verification.record(
            request.user,
            task,
            data["verified_value"],
            data["note"],
            version=data["version"],
            entry_version=data["entry_version"],
        )
    except verification.VerificationError as error:
        messages.error(request, str(error))
    else:
        if task.state == VerificationTask.State.REOPENED:
            messages.warning(
                request, _("核实值与报送值不符，已退回责任单位更正，并提示其采用核实值。")
            )
        else:
            messages.success(request, _("已核实：核实值与报送值相符。"))
    return redirect("supervision:verification", task.pk)


@login_required
@require_POST
def verification_cancel(request, pk):
    task = _task_for(request, pk)
    _may_change(request, task)
    form = VerificationCancelForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("supervision:verification", task.pk)
    data = form.cleaned_data
    try:
        verification.cancel(request.user, task, data["note"], version=data["version"])
    except verification.VerificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("核实任务已撤销。"))
    return redirect("supervision:verification", task.pk)


@login_required
@require_POST
def verification_attach(request, pk):
    task = _task_for(request, pk)
    _may_change(request, task)
    # Asked before any file is read: only someone who may add files to this task now gets to
    # make the server decode images.
    reason = verification.task_refusal(request.user, task)
    if reason:
        messages.error(request, reason)
        return redirect("supervision:verification", task.pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("supervision:verification", task.pk)
    files = form.cleaned_data["files"]
    try:
        verification.attach(request.user, task, files, version=form.cleaned_data["version"])
    except verification.VerificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext("已上传%(n)s个核实材料。", "已上传%(n)s个核实材料。", len(files))
            % {"n": len(files)},
        )
    return redirect("supervision:verification", task.pk)


def _evidence_for(request, pk):
    """A task's file if the user may open it: 404 for another region's, 403 for the rest of
    those who may not (leaders, reporters)."""
    item = get_object_or_404(
        VerificationEvidence.objects.select_related("task__report__region"), pk=pk
    )
    report = item.task.report
    if not access.sees_region(request.user, report.region_id) or access.is_hidden(
        request.user, report
    ):
        raise Http404
    if not verification.can_read_evidence(request.user, item.task):
        raise PermissionDenied
    return item


@login_required
@require_POST
def verification_detach(request, pk):
    item = _evidence_for(request, pk)
    form = EvidenceRemoveForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("supervision:verification", item.task_id)
    try:
        verification.detach(request.user, item, version=form.cleaned_data["version"])
    except verification.VerificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("已删除核实材料“%(name)s”。") % {"name": item.original_name})
    return redirect("supervision:verification", item.task_id)


@login_required
def verification_file(request, pk, thumbnail=False):
    return serve(_evidence_for(request, pk), thumbnail)
