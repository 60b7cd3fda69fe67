"""The admin's workbook upload pages (users, a report's set-up): one shape for both.

`upload_page` checks the add permission, validates the upload form, hands the file to ``load``
and renders the load page with every problem when the workbook is refused (400). ``load`` does
the loading and answers the success (a message and a redirect, or a file to download).
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy

from .xlsx import ExcelImportError


class WorkbookUploadForm(forms.Form):
    """One .xlsx file; ``label`` names which workbook."""

    file = forms.FileField(
        error_messages={
            "required": gettext_lazy("请选择要上传的Excel文件。"),
            "empty": gettext_lazy("文件是空的。"),
        },
    )

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = label


def upload_page(
    request, model_admin, *, label, load, title, template, template_url, extra_context=None
):
    """The upload page of ``model_admin``: ``load(file)`` answers a loaded workbook and raises
    `ExcelImportError` for a refused one; ``extra_context`` is what its template adds."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = WorkbookUploadForm(request.POST or None, request.FILES or None, label=label)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            return load(form.cleaned_data["file"])
        except ExcelImportError as error:
            problems = error.problems
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "problems": problems,
        "template_url": template_url,
        **(extra_context or {}),
    }
    return TemplateResponse(request, template, context, status=400 if problems else 200)
