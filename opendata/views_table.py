"""The office's 对照表 page (/comparison/<year>/) and its Word and Excel downloads.

Dashboard readers of the report's region read and download it (leaders, the office, a city's
office reading a county below it, the administrator); another region's report answers 404 (the
period's choice finds none); reporters are refused (403). Only ``access.can_publish`` users
(the office of the report's region) edit the explanations and publish it, through the gate
(``comparison.save_notes``, ``comparison.publish_table``).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from indicators import access
from indicators.access import dashboard_required
from indicators.periods import Period, report_of_year, resolve_period
from indicators.xlsx import XLSX_CONTENT_TYPE

from . import comparison
from .comparison_files import (
    DOCX_CONTENT_TYPE,
    comparison_docx,
    comparison_xlsx,
    file_name,
    outcome_note,
)

# --- Forms ---------------------------------------------------------------------------------------


class NotesForm(forms.Form):
    """One explanation per target of the table (``note_<indicator id>``), and the fingerprint
    of the explanations the page showed (a save over newer words is refused)."""

    stamp = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, rows, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[self.name_of(row)] = forms.CharField(
                label=_("说明：%(code)s %(name)s")
                % {"code": row.target.code, "name": row.target.name},
                required=False,
                max_length=comparison.MAX_EXPLANATION,
                initial=row.explanation,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 30}),
            )

    @staticmethod
    def name_of(row):
        return f"note_{row.target.id}"

    def notes(self):
        """{indicator id: text} as typed."""
        return {row.target.id: self.cleaned_data[self.name_of(row)] for row in self.rows}


class PublishForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("我已核对全部说明：发布后说明不能再修改。"), required=True
    )


# --- Views ---------------------------------------------------------------------------------------


def _here(report):
    return f"{reverse('opendata:comparison', args=[report.year])}?report={report.pk}"


@dashboard_required
@require_safe
def comparison_latest(request):
    """The header's link: the 对照表 of the report the user is looking at (or their latest)."""
    return redirect(_here(resolve_period(request).report))


@dashboard_required
def comparison_page(request, year):
    report = report_of_year(request, year)
    can_edit = access.can_publish(request.user, report)
    table = comparison.table(report)
    editable = can_edit and not table.is_published and table.month is not None
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    form = None
    if editable:
        form = NotesForm(table.rows, request.POST or None, initial={"stamp": table.stamp})
        if request.method == "POST" and _saved(request, report, form):
            return redirect(_here(report))
    elif request.method == "POST":
        messages.error(request, _("对照表已发布或尚无公开数据，说明不能修改。"))
        return redirect(_here(report))
    context = {
        "report": report,
        "table": table,
        "sections": _sections(table, form),
        "form": form,
        "can_publish": can_edit and not table.is_published,
        "publish_form": PublishForm() if can_edit and not table.is_published else None,
        "is_year_end": table.month == comparison.YEAR_END_MONTH,
        "outcome_note": outcome_note(table),
        "period": Period(report, table.month or comparison.YEAR_END_MONTH),
    }
    return render(request, "opendata/table/comparison.html", context)


def _saved(request, report, form):
    """Save the posted explanations through the gate; False (with a message) when refused."""
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容：") + _errors(form))
        return False
    try:
        changed = comparison.save_notes(
            report,
            form.notes(),
            request.user,
            stamp=form.cleaned_data["stamp"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, _("已保存%(count)s条说明。") % {"count": changed})
    return True


def _errors(form):
    return " ".join(
        f"{form.fields[name].label}：{error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


def _sections(table, form):
    """(section name, [(row, its explanation's field or None)]) for the template."""
    return [
        (name, [(row, form[NotesForm.name_of(row)] if form else None) for row in rows])
        for name, rows in table.sections
    ]


@dashboard_required
@require_POST
def comparison_publish(request, year):
    report = report_of_year(request, year)
    if not access.can_publish(request.user, report):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请先勾选确认：发布后说明不能再修改。"))
        return redirect(_here(report))
    try:
        comparison.publish_table(report, request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("对照表已发布，说明不再改变。"))
    return redirect(_here(report))


def _download(request, year, make, content_type, extension):
    table = comparison.table(report_of_year(request, year))
    response = HttpResponse(make(table), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name(table, extension))
    return response


@dashboard_required
@require_safe
def comparison_docx_view(request, year):
    return _download(request, year, comparison_docx, DOCX_CONTENT_TYPE, "docx")


@dashboard_required
@require_safe
def comparison_xlsx_view(request, year):
    return _download(request, year, comparison_xlsx, XLSX_CONTENT_TYPE, "xlsx")
