"""The reporter's monthly form: one row per target and project the department reports, saved as a
draft or submitted through the workflow gate, all rows or none."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators import access, workflow
from indicators.periods import landing_period, report_of_year, reporter_reports
from reporting.forms import MonthlyPostForm
from reporting.navigation import administrator_home
from reporting.rows import due_months, month_rows


@login_required
def landing(request):
    """Where a login lands: an administrator on its page, a reporter on the month they are due
    to report (a list of months when two open reports owe some), a dashboard reader on the
    overview; someone with no role yet is told so (403)."""
    user = request.user
    page = administrator_home(user)
    if page:
        return redirect(page)
    if access.can_read_dashboards(user):
        return redirect("reporting:home")
    if not user.is_reporter:
        raise PermissionDenied
    reports = reporter_reports(user)
    if not reports:
        return redirect("reporting:department", pk=user.department_id)
    today = timezone.localdate()
    due = due_months(user, reports, today)
    period = landing_period(reports, due, today)
    if period is not None:
        return redirect("reporting:monthly-form", year=period.year, month=period.month)
    # Two years owe months (the turn of the year): the reporter chooses from the list.
    context = {"due": due, "department": user.department}
    return render(request, "reporting/landing.html", context)


def refused(request, message, status=400):
    return render(request, "refused.html", {"message": message}, status=status)


@access.reporter_required
def monthly_form(request, year, month):
    report = report_of_year(request, year)
    refusal = workflow.month_refusal(report, month, timezone.localdate())
    if refusal:
        return refused(request, refusal)
    user = request.user
    month_of = month_rows(user, report, month)
    rows = month_of.all
    if request.method != "POST":
        return render_form(request, month_of)
    post = MonthlyPostForm(request.POST, known=[row.key for row in rows])
    if not post.is_valid():
        for errors in post.errors.values():
            for error in errors:
                messages.error(request, error)
        foreign = post.has_error("rows", code="foreign")
        return render_form(request, month_of, status=403 if foreign else 400)
    action = post.cleaned_data["action"]
    submitting = action == workflow.SUBMIT
    chosen = chosen_rows(rows, request.POST, set(post.cleaned_data["rows"]), submitting)
    if not chosen:
        messages.info(request, _("没有需要保存的内容。"))
        return redirect(request.get_full_path())
    closed = [row for row in chosen if not row.is_editable]
    for row in closed:
        row.form.is_valid()
        row.form.add_error(None, row.refusal)
    if closed:
        messages.error(request, _("有的行已不能修改（原因见各行），未保存任何内容。"))
        return render_form(request, month_of, status=403)
    if not all(row.form.is_valid() for row in chosen):
        messages.error(request, _("有填写错误，未保存任何内容。请按各行提示修改后重新提交。"))
        return render_form(request, month_of)
    try:
        workflow.apply(user, [row.change() for row in chosen], action)
    except workflow.Refused as refusal:
        for index, reason in refusal.reasons.items():
            chosen[index].form.add_error(None, reason)
        messages.error(request, _("有的行未能保存（原因见各行），未保存任何内容。"))
        return render_form(request, month_of, status=409 if refusal.is_conflict else 403)
    messages.success(request, saved_message(submitting, len(chosen)))
    return redirect(request.get_full_path())


def chosen_rows(rows, data, posted, submitting):
    """The posted rows (keys in ``posted``) bound to ``data`` that the post means to change."""
    chosen = []
    for row in rows:
        if row.key not in posted:
            continue
        form = row.bind(data, submitting=submitting)
        if not row.is_editable:
            # Closed since the page was shown (submitted elsewhere, reviewed, locked): only an
            # attempt to change it needs an answer, and the answer is the gate's reason.
            if form.is_touched:
                chosen.append(row)
        elif form.is_touched or (submitting and not row.is_blank()):
            chosen.append(row)
    return chosen


def saved_message(submitting, count):
    if submitting:
        return ngettext(
            "已报送%(n)s条，等待督查室审核。", "已报送%(n)s条，等待督查室审核。", count
        ) % {"n": count}
    return ngettext("已保存%(n)s条草稿。", "已保存%(n)s条草稿。", count) % {"n": count}


def render_form(request, month_of, status=200):
    rows = month_of.all
    for row in rows:
        if row.is_editable and row.form is None:
            row.bind()
    editable = [row for row in rows if row.is_editable]
    filled = sum(1 for row in editable if row.is_filled)
    report = month_of.report
    due = due_months(request.user, reporter_reports(request.user))
    owed = {item.month: item for item in due if item.report.pk == report.pk}
    context = {
        "report": report,
        "month": month_of.month,
        # Each month of this report, with what is still owed in it; then the months other open
        # reports owe (the old year's December in January), so both years are a click away.
        "months": [(m, owed.get(m)) for m in range(1, 13)],
        "other_due": [item for item in due if item.report.pk != report.pk],
        "locked": month_of.locked,
        # What the reporter fills comes first; read-only rows (derived, submitted) follow.
        "rows": sorted(month_of.targets, key=lambda row: not row.is_editable),
        "project_rows": month_of.projects,
        "editable_count": len(editable),
        "filled_count": filled,
        "empty_count": len(editable) - filled,
        "row_keys": ",".join(row.prefix for row in rows),
        "all_rows": rows,
        "evidence_limit": settings.EVIDENCE_MAX_FILES,
        "evidence_size": settings.EVIDENCE_MAX_BYTES,
        "department": request.user.department,
    }
    return render(request, "reporting/monthly_form.html", context, status=status)
