"""Forms of the project register. Every input passes one of these.

`ProjectProgressForm` is a project's month, on the same base as a target's
(``indicators.forms.RowForm``): the monthly web form and the Excel imports build it for the same
row, so a number refused on the page is refused in a workbook too. Whether a stage change can be
taken is the project's own rule (``Project.stage_change_errors``), asked here and at approval.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.forms import RowForm, number_field, text_field

from .models import Stage


class ProjectProgressForm(RowForm):
    """A project's month: investment completed this year (万元), a stage change and its date,
    and the 形象进度. ``subject`` is the project as the register holds it now."""

    value_field = "investment_completed"
    text_fields = ("stage", "stage_date", "physical_progress", "problems")
    required_message = _("报送前请填写本年累计完成投资。")

    investment_completed = number_field(
        _("本年累计完成投资（万元）"), max_digits=14, decimal_places=2
    )
    stage = forms.ChoiceField(
        label=_("项目阶段"), choices=[("", _("（不变）")), *Stage.choices], required=False
    )
    stage_date = forms.DateField(
        label=_("开工/竣工日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请输入日期，如 2023-09-15。")},
    )
    physical_progress = text_field(_("形象进度"))
    problems = text_field(_("存在问题"))

    def clean_investment_completed(self):
        value = self.cleaned_data["investment_completed"]
        if value is not None and value < 0:
            raise forms.ValidationError(_("完成投资不能为负数。"))
        return value

    def clean(self):
        cleaned = super().clean()
        if "stage" not in self.errors and "stage_date" not in self.errors:
            errors = self.subject.stage_change_errors(
                cleaned.get("stage") or "", cleaned.get("stage_date"), self.month
            )
            for name, message in errors.items():
                self.add_error(name, message)
        return cleaned
