"""Excel for people: the meeting summary out, and a department's monthly numbers in.

The workbooks are built and read in ``reporting.summary`` and ``reporting.monthly_excel``;
these views only check who asks, pass the input through a Form and answer with a file or a page.
"""

import secrets
from io import BytesIO

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.log import workbook_loaded
from indicators import access, workflow
from indicators.access import dashboard_required, reporter_required
from indicators.models import Report
from indicators.numbers import amount
from indicators.periods import (
    Period,
    current_period,
    report_of_year,
    reporter_reports,
    resolve_period,
)
from indicators.progress import month_label
from indicators.xlsx import ExcelImportError, xlsx_response
from reporting import monthly_excel as excel
from reporting import summary
from reporting.rows import due_months

SESSION_KEY = "excel_import"


class PeriodForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    month = forms.IntegerField(min_value=1, max_value=12)


class UploadForm(PeriodForm):
    year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    month = forms.IntegerField(min_value=1, max_value=12, widget=forms.HiddenInput)
    file = forms.FileField(
        label=gettext_lazy("填写好的模板（.xlsx）"),
        error_messages={
            "required": gettext_lazy("请选择要上传的Excel文件。"),
            "empty": gettext_lazy("文件是空的，请选择填写好的Excel文件。"),
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)


# --- The meeting summary ---------------------------------------------------------------------


@dashboard_required
def export_summary(request):
    period = resolve_period(request)
    buffer = BytesIO()
    summary.write_summary(period.report, period.month, buffer)
    return xlsx_response(buffer.getvalue(), summary.summary_filename(period.report, period.month))


# --- Monthly numbers in ----------------------------------------------------------------------


def _period(request, data):
    """The report and month a reporter imports for: asked for, else the oldest month still owed
    across the open reports (the old year's December in January), else the current month."""
    form = PeriodForm(data)
    if form.is_valid():
        report = report_of_year(request, form.cleaned_data["year"])
        return report, form.cleaned_data["month"]
    today = timezone.localdate()
    reports = reporter_reports(request.user)
    due = due_months(request.user, reports, today)
    period = due[0] if due else current_period(reports, today)
    if period is None:
        return None, None
    return period.report, period.month


def _refused(request, message):
    return render(request, "refused.html", {"message": message}, status=400)


@reporter_required
def import_template(request):
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _refused(request, _("请选择年度和月份。"))
    report = report_of_year(request, form.cleaned_data["year"])
    month = form.cleaned_data["month"]
    refusal = workflow.month_refusal(report, month, timezone.localdate())
    if refusal:
        return _refused(request, refusal)
    data = excel.monthly_template_bytes(request.user, report, month)
    return xlsx_response(data, excel.template_filename(report, month, request.user.department))


def _render_import(
    request, report, month, *, upload=None, checked=None, problems=(), token="", status=200
):
    context = {
        "report": report,
        "month": month,
        "period": Period(report, month),
        "months": range(1, 13),
        "reports": access.report_list(request.user),
        "department": request.user.department,
        "locked": workflow.is_locked(report, month),
        "upload": upload or UploadForm(initial={"year": report.year, "month": month}),
        "checked": checked,
        "problems": list(problems),
        "token": token,
    }
    return render(request, "reporting/import.html", context, status=status)


@reporter_required
def import_upload(request):
    """GET: the page; POST a file: the preview; POST a token: write what the preview showed."""
    if request.method != "POST":
        report, month = _period(request, request.GET)
        if report is None:
            return _refused(request, _("还没有工作报告。"))
        return _render_import(request, report, month)

    confirm = ConfirmForm(request.POST)
    if confirm.is_valid():
        return _confirm(request, confirm.cleaned_data["token"])

    upload = UploadForm(request.POST, request.FILES)
    report, month = _period(request, request.POST)
    if report is None:
        return _refused(request, _("还没有工作报告。"))
    if not upload.is_valid():
        return _render_import(request, report, month, upload=upload, status=400)
    refusal = workflow.month_refusal(report, month, timezone.localdate())
    if refusal:
        return _render_import(request, report, month, problems=[refusal], status=400)
    request.session.pop(SESSION_KEY, None)
    try:
        checked = excel.import_monthly(request.user, report, month, upload.cleaned_data["file"])
    except ExcelImportError as error:
        return _render_import(request, report, month, problems=error.problems, status=400)
    token = ""
    if checked.is_valid:
        token = secrets.token_hex(16)
        # Plain JSON in the session: the rows as read, and the versions the preview showed.
        request.session[SESSION_KEY] = {"token": token, **checked.payload()}
        request.session[SESSION_KEY]["file"] = upload.cleaned_data["file"].name
    status = 200 if checked.is_valid else 400
    return _render_import(request, report, month, checked=checked, token=token, status=status)


def _confirm(request, token):
    stored = request.session.get(SESSION_KEY)
    if not stored or not secrets.compare_digest(stored.get("token", ""), token):
        messages.error(request, _("预览已过期或已经导入过，请重新上传文件。"))
        return redirect("reporting:import")
    report = Report.objects.filter(pk=stored["report"]).first()
    month = stored["month"]
    if report is None or stored["department"] != request.user.department_id:
        raise PermissionDenied
    try:
        # Checked again against the database as it is now: a lock, a review or another save
        # since the preview refuses the whole file.
        checked = excel.check_monthly(request.user, report, month, stored["rows"])
        if not checked.is_valid:
            return _render_import(request, report, month, checked=checked, status=400)
        count = excel.commit_monthly(request.user, checked)
    except ExcelImportError as error:
        request.session.pop(SESSION_KEY, None)
        return _render_import(request, report, month, problems=error.problems, status=400)
    except workflow.WorkflowError as error:
        request.session.pop(SESSION_KEY, None)
        return _render_import(request, report, month, problems=[str(error)], status=409)
    request.session.pop(SESSION_KEY, None)
    workbook_loaded("monthly", stored.get("file"), rows=count, request=request, obj=report)
    messages.success(
        request,
        ngettext(
            "已从Excel导入并报送%(n)s条%(month)s数据，等待督查室审核。",
            "已从Excel导入并报送%(n)s条%(month)s数据，等待督查室审核。",
            count,
        )
        % {"n": amount(count, 0), "month": month_label(month)},
    )
    return redirect("reporting:monthly-form", year=report.year, month=month)
