"""Forms of the project register. Every input passes one of these.

`ProjectProgressForm` holds the rules for one project's month, as `indicators.forms.EntryForm`
does for a target: the monthly web form and the register workbook import both use it, so a number
refused on the page is refused in a workbook too.
"""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.forms import plain_number
from indicators.progress import month_end

from .models import STAGE_ORDER, Stage

# A year's investment above this multiple of the year's plan is accepted only once confirmed.
CONFIRM_ABOVE_PLAN_TIMES = 3
DATED_STAGES = (Stage.STARTED, Stage.COMPLETED)


def stage_rank(stage):
    return STAGE_ORDER.index(stage)


class AmountField(forms.DecimalField):
    """An amount in 万元 as clerks type it: full-width digits and thousands commas are fine."""

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace(",", "").replace(" ", "")
        return super().to_python(value)


class ProjectProgressForm(forms.Form):
    """One project's month: investment completed this year, a stage change and its date, and
    the 形象进度.

    ``project`` is the project as the register holds it now (its stage is the last approved
    one); ``month`` the month reported, of the project's report year; ``previous`` the latest
    approved progress of an earlier month (or None); ``submitting`` whether the row is being
    submitted rather than saved as a draft.
    """

    investment_completed = AmountField(
        label=_("本年累计完成投资（万元）"),
        required=False,
        max_digits=14,
        decimal_places=2,
        error_messages={
            "invalid": _("请输入数字（万元）。"),
            "max_digits": _("数字太长，最多14位。"),
            "max_decimal_places": _("最多保留2位小数。"),
            "max_whole_digits": _("数字太大，请核实单位是否为万元。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    stage = forms.ChoiceField(
        label=_("项目阶段"),
        choices=[("", _("（不变）")), *Stage.choices],
        required=False,
    )
    stage_date = forms.DateField(
        label=_("开工/竣工日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("请输入日期，如 2023-09-15。")},
    )
    physical_progress = forms.CharField(
        label=_("形象进度"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    problems = forms.CharField(
        label=_("存在问题"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirm = forms.BooleanField(label=_("确认数值无误"), required=False)

    def __init__(self, *args, project, month, previous=None, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.month = month
        self.previous = previous
        self.submitting = submitting
        self.needs_confirmation = False

    @property
    def month_end(self):
        return month_end(self.project.report.year, self.month)

    def clean_investment_completed(self):
        value = self.cleaned_data["investment_completed"]
        if value is None:
            if self.submitting:
                raise forms.ValidationError(_("报送前请填写本年累计完成投资。"))
            return value
        if value < 0:
            raise forms.ValidationError(_("完成投资不能为负数。"))
        return value

    def clean(self):
        cleaned = super().clean()
        self._check_value(cleaned)
        self._check_stage(cleaned)
        return cleaned

    def _check_value(self, cleaned):
        value = cleaned.get("investment_completed")
        if value is None:
            return
        previous = self.previous
        if (
            previous is not None
            and previous.investment_completed is not None
            and value < previous.investment_completed
        ):
            text = cleaned.get("physical_progress", "").strip()
            if not text or text == previous.physical_progress.strip():
                self.add_error(
                    "physical_progress",
                    _(
                        "本年累计完成投资%(value)s万元低于%(month)s月已审核的%(previous)s万元。"
                        "累计投资一般不会减少；如确需调减，请在形象进度中说明原因。"
                    )
                    % {
                        "value": plain_number(value),
                        "month": previous.month,
                        "previous": plain_number(previous.investment_completed),
                    },
                )
        limit = self.project.planned_investment * CONFIRM_ABOVE_PLAN_TIMES
        if value > limit and value > 0 and not cleaned.get("confirm"):
            self.needs_confirmation = True
            self.add_error(
                "investment_completed",
                _(
                    "本年累计完成投资超过本年计划投资（%(planned)s万元）的%(times)s倍，请核实"
                    "单位和数值；确认无误请勾选“确认数值无误”。"
                )
                % {
                    "planned": plain_number(self.project.planned_investment),
                    "times": CONFIRM_ABOVE_PLAN_TIMES,
                },
            )

    def _check_stage(self, cleaned):
        stage = cleaned.get("stage") or ""
        day = cleaned.get("stage_date")
        current = self.project.stage
        if not stage or stage == current:
            # No change; a date is kept only to correct the recorded date of the current stage.
            if day and (stage or current) not in DATED_STAGES:
                self.add_error("stage_date", _("只有开工或竣工时才填写日期。"))
            elif day:
                self._check_day(cleaned, stage or current, day)
            return
        if stage_rank(stage) < stage_rank(current):
            self.add_error(
                "stage",
                _(
                    "项目阶段只能向前推进（谋划→具备开工条件→已开工→已竣工），"
                    "目前为“%(current)s”。如登记有误，请联系督查室更正。"
                )
                % {"current": Stage(current).label},
            )
            return
        if stage == Stage.COMPLETED and self.project.start_date is None:
            self.add_error("stage", _("项目尚未登记开工，请先报送开工及开工日期，再报送竣工。"))
            return
        if stage in DATED_STAGES:
            if day is None:
                self.add_error(
                    "stage_date",
                    _("报送%(stage)s时请填写%(stage)s日期。") % {"stage": Stage(stage).label},
                )
                return
            self._check_day(cleaned, stage, day)
        elif day:
            self.add_error("stage_date", _("只有开工或竣工时才填写日期。"))

    def _check_day(self, cleaned, stage, day):
        if day > self.month_end:
            self.add_error(
                "stage_date",
                _("日期不能晚于%(month)s月底（%(end)s）：以后的变化请在当月报送。")
                % {"month": self.month, "end": self.month_end.isoformat()},
            )
        elif (
            stage == Stage.COMPLETED
            and self.project.start_date is not None
            and day < self.project.start_date
        ):
            self.add_error(
                "stage_date",
                _("竣工日期不能早于开工日期（%(start)s）。")
                % {"start": self.project.start_date.isoformat()},
            )

    @property
    def stage_change(self):
        """(stage, date) this row reports, or None: what approval will apply to the project."""
        stage = self.cleaned_data.get("stage")
        if not stage:
            return None
        return stage, self.cleaned_data.get("stage_date")

    @property
    def has_content(self):
        data = self.cleaned_data
        return (
            data.get("investment_completed") is not None
            or bool(data.get("stage"))
            or bool(data.get("physical_progress"))
            or bool(data.get("problems"))
        )
