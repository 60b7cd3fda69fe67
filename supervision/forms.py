from django import forms
from django.utils.translation import gettext_lazy as _

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
