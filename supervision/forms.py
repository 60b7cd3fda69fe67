from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.forms import number_field
from indicators.models import MONTHS, ProgressEntry

from .models import Slip


class DateInput(forms.DateInput):
    input_type = "date"


class VersionForm(forms.Form):
    """The version of the object the person saw: a change made from a stale page is refused."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class SlipIssueForm(forms.ModelForm):
    class Meta:
        model = Slip
        fields = ["matter", "gap", "requirement", "reply_by"]
        widgets = {
            "matter": forms.Textarea(attrs={"rows": 3}),
            "requirement": forms.Textarea(attrs={"rows": 3}),
            "reply_by": DateInput(format="%Y-%m-%d"),
        }


class SlipAnswerForm(VersionForm):
    causes = forms.CharField(label=_("滞后原因"), widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 4}))
    recover_by = forms.DateField(label=_("预计完成时间"), widget=DateInput(format="%Y-%m-%d"))


class SlipReviewForm(VersionForm):
    office_comment = forms.CharField(
        label=_("督查室意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SlipCloseForm(SlipReviewForm):
    closing = forms.ChoiceField(label=_("销号方式"), choices=Slip.Closing.choices)


class BulletinForm(VersionForm):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(
        label=_("正文"),
        widget=forms.Textarea(attrs={"rows": 30}),
        help_text=_("一段一行；以“一、”“二、”开头的行作为小标题。"),
    )


# --- 核实 (verification) ---


class VerificationMarkForm(forms.Form):
    """Approved figures of ``report`` chosen for 核实 by hand (another report's are not found)."""

    entries = forms.ModelMultipleChoiceField(
        queryset=ProgressEntry.objects.none(),
        error_messages={
            "required": _("请至少选择一项已审核的数值。"),
            "invalid_choice": _("所选数值不存在或不属于该工作报告，请刷新后重试。"),
            "invalid_pk_value": _("所选数值不存在或不属于该工作报告，请刷新后重试。"),
        },
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entries"].queryset = ProgressEntry.objects.filter(
            indicator__report=report
        ).select_related("indicator")


class VerificationSampleForm(forms.Form):
    month = forms.TypedChoiceField(label=_("月份"), choices=MONTHS, coerce=int)
    count = forms.IntegerField(label=_("抽取数量"), min_value=1, max_value=100, initial=5)
    seed = forms.IntegerField(
        label=_("随机种子"),
        required=False,
        min_value=0,
        max_value=2**32 - 1,
        help_text=_("留空则随机生成；同一种子对同一批数值抽取结果相同。"),
    )


class VerificationRecordForm(VersionForm):
    verified_value = number_field(_("核实值"), max_digits=16, decimal_places=4)
    note = forms.CharField(
        label=_("核实说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    entry_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verified_value"].required = True
        self.fields["verified_value"].error_messages["required"] = _("请填写核实值。")


class VerificationCancelForm(VersionForm):
    note = forms.CharField(
        label=_("撤销原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
