"""Monthly reporting: the reporter's form, the supervision office's review queue, month locks."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators import workflow
from indicators.access import indicators_owned_by, reporter_required, reviewer_required
from indicators.forms import EntryForm, LockForm, MonthlyPostForm, ReviewFilterForm, ReviewForm
from indicators.models import EntryState, Indicator, MonthLock, ProgressEntry, Report
from indicators.periods import reporting_month, resolve_period
from projects import workflow as project_workflow
from projects.forms import ProjectProgressForm
from projects.models import Project, ProjectProgress, Stage


@login_required
def landing(request):
    """Where a login lands: reporters on the month they are due to report, others on /."""
    if request.user.is_reporter:
        report = Report.objects.latest_first().first()
        if report is not None:
            month = reporting_month(report, timezone.localdate())
            return redirect("indicators:monthly-form", year=report.year, month=month)
    return redirect("indicators:home")


def get_report_for_year(year):
    report = Report.objects.latest_first().filter(year=year).first()
    if report is None:
        raise Http404(_("没有%(year)s年度的工作报告。") % {"year": year})
    return report


def month_refusal(report, month, today):
    """Why this month cannot be reported now, or None."""
    if not 1 <= month <= 12:
        return _("月份须在1到12之间。")
    if (report.year, month) > (today.year, today.month):
        return _("%(year)s年%(month)s月还没有到，不能提前填报。") % {
            "year": report.year,
            "month": month,
        }
    return None


@dataclass
class Row:
    """One line of the monthly form: a target or a project, its entry for the month, the latest
    approved entry before it, and a form where the reporter may still edit (else None)."""

    subject: object  # an Indicator or a Project
    entry: object  # a ProgressEntry or ProjectProgress, or None
    previous: object
    form: object
    value_field: str
    text_fields: tuple

    @property
    def key(self):
        """("i", id) for a target, ("p", id) for a project: how the posted row lists name it."""
        return ("i" if isinstance(self.subject, Indicator) else "p", self.subject.pk)

    @property
    def is_filled(self):
        if self.form is not None and self.form.is_bound:
            return bool(str(self.form[self.value_field].value() or "").strip())
        return self.entry is not None and getattr(self.entry, self.value_field) is not None

    @property
    def is_blank(self):
        """Nothing typed in this row (in what was posted)."""
        names = (self.value_field, *self.text_fields)
        return all(not str(self.form[name].value() or "").strip() for name in names)

    def chosen_for(self, action):
        """Whether this row takes part in a save (changed rows) or a submit (rows with content)."""
        if action == workflow.SUBMIT:
            return not self.is_blank
        return self.form.has_changed()


def latest_before(model, key, ids, month):
    """For each id, its latest approved ``model`` row of a month before ``month`` (one query)."""
    latest = {}
    rows = model.objects.filter(
        **{f"{key}__in": ids}, month__lt=month, state=EntryState.APPROVED
    ).order_by(key, "-month")
    for row in rows:
        latest.setdefault(getattr(row, key), row)
    return latest


def previous_approved(indicator_ids, month):
    return latest_before(ProgressEntry, "indicator_id", indicator_ids, month)


INDICATOR_TEXT = ("note", "problems")
PROJECT_TEXT = ("stage", "stage_date", "physical_progress", "problems")


def indicator_rows(user, report, month, locked, data, submitting):
    owned = list(indicators_owned_by(user, Indicator.objects.for_report(report)))
    ids = [i.pk for i in owned]
    entries = {
        e.indicator_id: e for e in ProgressEntry.objects.filter(indicator_id__in=ids, month=month)
    }
    previous = previous_approved(ids, month)
    rows = []
    for indicator in owned:
        entry = entries.get(indicator.pk)
        editable = (
            not locked
            and not indicator.is_derived
            and (entry is None or entry.is_editable_by_reporter)
        )
        form = None
        if editable:
            initial = {"version": entry.version if entry else 0}
            if entry:
                initial.update(value=entry.value, note=entry.note, problems=entry.problems)
            form = EntryForm(
                data,
                prefix=f"i{indicator.pk}",
                initial=initial,
                indicator=indicator,
                previous=previous.get(indicator.pk),
                submitting=submitting,
            )
        rows.append(
            Row(indicator, entry, previous.get(indicator.pk), form, "value", INDICATOR_TEXT)
        )
    # What the reporter fills comes first; read-only rows (derived, submitted) follow.
    return sorted(rows, key=lambda row: row.form is None)


def project_rows(user, report, month, locked, data, submitting):
    projects = list(
        Project.objects.filter(report=report, lead_department_id=user.department_id)
        .select_related("report")
        .order_by("code")
    )
    ids = [p.pk for p in projects]
    entries = {
        e.project_id: e for e in ProjectProgress.objects.filter(project_id__in=ids, month=month)
    }
    previous = latest_before(ProjectProgress, "project_id", ids, month)
    rows = []
    for project in projects:
        entry = entries.get(project.pk)
        form = None
        if not locked and (entry is None or entry.is_editable_by_reporter):
            initial = {"version": entry.version if entry else 0}
            if entry:
                initial.update(
                    investment_completed=entry.investment_completed,
                    stage=entry.stage,
                    stage_date=entry.stage_date,
                    physical_progress=entry.physical_progress,
                    problems=entry.problems,
                )
            form = ProjectProgressForm(
                data,
                prefix=f"p{project.pk}",
                initial=initial,
                project=project,
                month=month,
                previous=previous.get(project.pk),
                submitting=submitting,
            )
        rows.append(
            Row(
                project, entry, previous.get(project.pk), form, "investment_completed", PROJECT_TEXT
            )
        )
    return rows


def build_rows(user, report, month, locked, data=None, submitting=False):
    """(target rows, project rows) of a reporter's monthly form."""
    return (
        indicator_rows(user, report, month, locked, data, submitting),
        project_rows(user, report, month, locked, data, submitting),
    )


def editable_ids(rows):
    return [row.subject.pk for row in rows if row.form]


@reporter_required
def monthly_form(request, year, month):
    report = get_report_for_year(year)
    refusal = month_refusal(report, month, timezone.localdate())
    if refusal:
        return render(request, "refused.html", {"message": refusal}, status=400)
    locked = workflow.is_locked(report, month)
    user = request.user
    if request.method != "POST":
        return render_form(request, report, month, locked, *build_rows(user, report, month, locked))
    targets, projects = build_rows(user, report, month, locked)
    post = MonthlyPostForm(
        request.POST, allowed_ids=editable_ids(targets), allowed_projects=editable_ids(projects)
    )
    if not post.is_valid():
        if locked:
            messages.error(request, _("%(month)s月已锁定，不能再修改。") % {"month": month})
        else:
            for errors in post.errors.values():
                for error in errors:
                    messages.error(request, error)
        status = 403 if locked or {"rows", "project_rows"} & set(post.errors) else 400
        return render_form(request, report, month, locked, targets, projects, status=status)
    action = post.cleaned_data["action"]
    submitting = action == workflow.SUBMIT
    targets, projects = build_rows(user, report, month, locked, request.POST, submitting)
    posted = {("i", pk) for pk in post.cleaned_data["rows"]}
    posted |= {("p", pk) for pk in post.cleaned_data["project_rows"]}
    chosen = [
        row
        for row in targets + projects
        if row.form and row.key in posted and row.chosen_for(action)
    ]
    if not chosen:
        messages.info(request, _("没有需要保存的内容。"))
        return redirect(request.path)
    if all(row.form.is_valid() for row in chosen):
        saved = save_rows(user, month, chosen, action)
        if saved is not None:
            if submitting:
                messages.success(request, _("已报送%(n)s条，等待督查室审核。") % {"n": saved})
            else:
                messages.success(request, _("已保存%(n)s条草稿。") % {"n": saved})
            return redirect(request.path)
    messages.error(request, _("有填写错误，未保存任何内容。请按各行提示修改后重新提交。"))
    return render_form(request, report, month, locked, targets, projects)


def row_record(row, month):
    """The entry to save for a row, and the fields its form gives it."""
    data = row.form.cleaned_data
    if row.key[0] == "i":
        entry = row.entry or ProgressEntry(indicator=row.subject, month=month)
        return entry, {name: data[name] for name in ("value", *INDICATOR_TEXT)}
    entry = row.entry or ProjectProgress(project=row.subject, month=month)
    return entry, {name: data[name] for name in ("investment_completed", *PROJECT_TEXT)}


def save_rows(user, month, rows, action):
    """Save (or submit) the rows in one transaction; None if any row was refused."""
    refused = False
    with transaction.atomic():
        for row in rows:
            entry, fields = row_record(row, month)
            try:
                workflow.record(
                    entry, user, action, fields=fields, version=row.form.cleaned_data["version"]
                )
            except workflow.WorkflowError as error:
                row.form.add_error(None, str(error))
                refused = True
        if refused:
            transaction.set_rollback(True)
            return None
    return len(rows)


def render_form(request, report, month, locked, targets, projects, status=200):
    editable = [row for row in targets + projects if row.form]
    filled = sum(1 for row in editable if row.is_filled)
    context = {
        "report": report,
        "month": month,
        "months": range(1, 13),
        "locked": locked,
        "rows": targets,
        "project_rows": projects,
        "editable_count": len(editable),
        "filled_count": filled,
        "empty_count": len(editable) - filled,
        "row_ids": ",".join(str(pk) for pk in editable_ids(targets)),
        "project_ids": ",".join(str(pk) for pk in editable_ids(projects)),
        "department": request.user.department,
        "stages": Stage.choices,
    }
    return render(request, "indicators/monthly_form.html", context, status=status)


@reviewer_required
def review_queue(request):
    period = resolve_period(request)
    report = period.report
    filters = ReviewFilterForm(request.GET or None, report=report)
    entries = (
        ProgressEntry.objects.filter(indicator__report=report, state=EntryState.SUBMITTED)
        .select_related("indicator__section", "indicator__lead_department", "submitted_by")
        .order_by("month", "indicator__lead_department__order", "indicator__code")
    )
    if filters.is_valid():
        chosen = filters.cleaned_data
        if chosen["department"]:
            entries = entries.filter(indicator__lead_department=chosen["department"])
        if chosen["section"]:
            entries = entries.filter(indicator__section=chosen["section"])
        if chosen["month"]:
            entries = entries.filter(month=chosen["month"])
    entries = list(entries)
    previous = previous_approved([e.indicator_id for e in entries], 13)
    for entry in entries:
        entry.previous = _previous_for(entry, previous)
    progress = (
        ProjectProgress.objects.filter(project__report=report, state=EntryState.SUBMITTED)
        .select_related("project__lead_department", "submitted_by")
        .order_by("month", "project__lead_department__order", "project__code")
    )
    if filters.is_valid():
        if filters.cleaned_data["department"]:
            progress = progress.filter(project__lead_department=filters.cleaned_data["department"])
        if filters.cleaned_data["month"]:
            progress = progress.filter(month=filters.cleaned_data["month"])
        if filters.cleaned_data["section"]:
            progress = progress.none()  # sections hold targets, not projects
    locks = {
        lock.month: lock
        for lock in MonthLock.objects.filter(report=report).select_related("locked_by")
    }
    context = {
        "period": period,
        "filters": filters,
        "entries": entries,
        "project_progress": _with_previous(list(progress)),
        "lock_rows": [(month, locks.get(month)) for month in range(1, 13)],
        "lock_history": MonthLock.history.filter(report_id=report.pk)
        .select_related("history_user")
        .order_by("-history_date")[:12],
        "approve_url": _action_url(workflow.APPROVE, request),
        "return_url": _action_url(workflow.RETURN, request),
    }
    return render(request, "indicators/review.html", context)


def _with_previous(progress):
    latest = latest_before(ProjectProgress, "project_id", [p.project_id for p in progress], 13)
    for row in progress:
        earlier = latest.get(row.project_id)
        row.previous = earlier if earlier and earlier.month < row.month else None
    return progress


def _action_url(action, request):
    """The review action's URL, carrying the queue's filters so the reviewer lands back there."""
    url = reverse("indicators:review-action", args=[action])
    return f"{url}?{request.GET.urlencode()}" if request.GET else url


def _previous_for(entry, latest):
    """The approved value the reviewer compares against (None when it is this very month)."""
    previous = latest.get(entry.indicator_id)
    return previous if previous and previous.month < entry.month else None


@require_POST
@reviewer_required
def review_action(request, action):
    if action not in (workflow.APPROVE, workflow.RETURN):
        raise Http404
    form = ReviewForm(request.POST)
    query = request.GET.urlencode()
    back = reverse("indicators:review") + (f"?{query}" if query else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    comment = form.cleaned_data["comment"]
    try:
        with transaction.atomic():
            count = workflow.review(
                request.user, list(form.cleaned_data["entries"]), action, comment
            )
            count += project_workflow.review(
                request.user, list(form.cleaned_data["projects"]), action, comment
            )
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
        return redirect(back)
    if action == workflow.APPROVE:
        messages.success(request, _("已审核通过%(n)s条。") % {"n": count})
    else:
        messages.success(request, _("已退回%(n)s条，填报单位将看到退回意见。") % {"n": count})
    return redirect(back)


@require_POST
@reviewer_required
def month_lock(request, year, month):
    report = get_report_for_year(year)
    if not 1 <= month <= 12:
        raise Http404
    form = LockForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied
    try:
        if form.cleaned_data["action"] == "lock":
            workflow.lock_month(request.user, report, month)
            messages.success(
                request, _("%(month)s月已锁定，填报单位不能再修改。") % {"month": month}
            )
        else:
            workflow.unlock_month(request.user, report, month)
            messages.success(request, _("%(month)s月已解锁。") % {"month": month})
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    return redirect(reverse("indicators:review") + f"?year={report.year}")
