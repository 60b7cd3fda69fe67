"""Forms for monthly reporting and review. Every input passes one of these; views never read
request.POST by hand.

`EntryForm` holds the rules for one indicator's month. The web form and the Excel import both
use it, so a number refused on the page is refused in a workbook too.
"""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Department, EntryState, Kind, ProgressEntry, Section

# A value above this multiple of the annual target is accepted only once confirmed.
CONFIRM_ABOVE_TARGET_TIMES = 3

# Kinds whose value accumulates through the year: it should not fall below an approved month.
ACCUMULATING = (Kind.CUMULATIVE, Kind.MILESTONE)


def plain_number(value):
    if value is None:
        return "—"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class EntryForm(forms.Form):
    """One indicator's end-of-month value, progress note and problems.

    ``indicator`` is the target; ``previous`` the latest approved entry of an earlier month (or
    None); ``submitting`` whether the row is being submitted rather than saved as a draft.
    """

    value = forms.DecimalField(
        label=_("截至月底累计"),
        required=False,
        max_digits=16,
        decimal_places=4,
        error_messages={
            "invalid": _("请输入数字。"),
            "max_digits": _("数字太长，最多16位。"),
            "max_decimal_places": _("最多保留4位小数。"),
            "max_whole_digits": _("数字太大，请核实单位。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("进展情况"),
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

    def __init__(self, *args, indicator, previous=None, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.previous = previous
        self.submitting = submitting
        self.needs_confirmation = False

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value is None:
            if self.submitting:
                raise forms.ValidationError(_("报送前请填写本月累计值。"))
            return value
        if value < 0:
            raise forms.ValidationError(_("不能为负数。"))
        if self.indicator.kind == Kind.MILESTONE and value > 100:
            raise forms.ValidationError(_("节点型目标填写完成百分比，须在0到100之间。"))
        if self.indicator.unit.strip() in ("%", "％") and value > 100:
            raise forms.ValidationError(_("百分比须在0到100之间。"))
        return value

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get("value")
        if value is None:
            return cleaned
        previous = self.previous
        if (
            previous is not None
            and self.indicator.kind in ACCUMULATING
            and previous.value is not None
            and value < previous.value
        ):
            note = cleaned.get("note", "").strip()
            if not note or note == previous.note.strip():
                self.add_error(
                    "note",
                    _(
                        "本月累计值%(value)s低于%(month)s月已审核的%(previous)s。"
                        "累计值一般不会减少；如确需调减，请在进展情况中说明原因。"
                    )
                    % {
                        "value": plain_number(value),
                        "month": previous.month,
                        "previous": plain_number(previous.value),
                    },
                )
        target = self.indicator.target
        if target and value > target * CONFIRM_ABOVE_TARGET_TIMES and not cleaned.get("confirm"):
            self.needs_confirmation = True
            self.add_error(
                "value",
                _(
                    "填报值超过年度目标（%(target)s）的%(times)s倍，请核实；确认无误请勾选“确认数值无误”。"
                )
                % {"target": plain_number(target), "times": CONFIRM_ABOVE_TARGET_TIMES},
            )
        return cleaned

    @property
    def has_content(self):
        data = self.cleaned_data
        return data.get("value") is not None or bool(data.get("note")) or bool(data.get("problems"))


class MonthlyPostForm(forms.Form):
    """What the monthly form posts besides the rows: the action, and which rows it carries.

    ``rows`` lists the indicators the page showed. Each must be one the user may report on this
    month; a forged id for another department's target refuses the whole post.
    """

    ACTIONS = [("save", _("保存草稿")), ("submit", _("报送"))]

    action = forms.ChoiceField(choices=ACTIONS)
    rows = forms.CharField(required=False, widget=forms.HiddenInput)
    project_rows = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, allowed_ids, allowed_projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_ids = set(allowed_ids)
        self.allowed_projects = set(allowed_projects)

    def _ids(self, name, allowed, refusal):
        text = self.cleaned_data[name]
        try:
            ids = [int(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("表单数据不完整，请刷新后重新填写。")) from None
        if not set(ids) <= allowed:
            raise forms.ValidationError(refusal)
        return ids

    def clean_rows(self):
        return self._ids(
            "rows",
            self.allowed_ids,
            _("表单中含有不属于本单位（或由项目库自动计算）的指标，未保存任何内容。"),
        )

    def clean_project_rows(self):
        return self._ids(
            "project_rows",
            self.allowed_projects,
            _("表单中含有不属于本单位或已不可修改的项目，未保存任何内容。"),
        )


class ReviewForm(forms.Form):
    """Approve or return a selection of submitted target entries and project progress rows."""

    entries = forms.ModelMultipleChoiceField(queryset=ProgressEntry.objects.none(), required=False)
    projects = forms.ModelMultipleChoiceField(queryset=None, required=False)
    comment = forms.CharField(label=_("退回意见"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        from projects.models import ProjectProgress

        super().__init__(*args, **kwargs)
        # Only what is waiting for review can be chosen; anything else is an invalid choice.
        self.fields["entries"].queryset = ProgressEntry.objects.filter(
            state=EntryState.SUBMITTED
        ).select_related("indicator__report")
        self.fields["projects"].queryset = ProjectProgress.objects.filter(
            state=EntryState.SUBMITTED
        ).select_related("project__report")
        for name in ("entries", "projects"):
            messages = self.fields[name].error_messages
            messages["invalid_choice"] = _("所选记录已不在待审核状态，请刷新。")
            messages["invalid_pk_value"] = _("所选记录不存在。")

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("entries") or cleaned.get("projects")):
            raise forms.ValidationError(_("请至少选择一条记录。"))
        return cleaned


class LockForm(forms.Form):
    ACTIONS = [("lock", _("锁定")), ("unlock", _("解锁"))]

    action = forms.ChoiceField(choices=ACTIONS)


class ReviewFilterForm(forms.Form):
    """Filters of the review queue."""

    department = forms.ModelChoiceField(
        label=_("责任单位"), queryset=Department.objects.all(), required=False
    )
    section = forms.ModelChoiceField(
        label=_("板块"), queryset=Section.objects.none(), required=False
    )
    month = forms.TypedChoiceField(
        label=_("月份"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(m, f"{m}月") for m in range(1, 13)],
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.filter(report=report)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, the new one twice, every validator in settings), which also
    lifts the forced change once the person has chosen their own password."""

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule. Django 5.2 reworded its message and the Chinese catalogue it ships has
    only the former wording, so the page mixed an English sentence into Chinese: say it with
    the former wording, which every language Django ships still translates."""

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
