"""The office's forms on the publishing page: every input passes one before reaching the gate
(``opendata.publishing``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import MONTHS

from .models import PublicField

PUBLISH, UNPUBLISH = "publish", "unpublish"


class SiteForm(forms.Form):
    """The region's public page switched on (1) or off (0)."""

    enabled = forms.TypedChoiceField(
        choices=[("1", _("开启")), ("0", _("关闭"))], coerce=lambda value: value == "1"
    )


class MonthForm(forms.Form):
    month = forms.TypedChoiceField(choices=MONTHS, coerce=int)
    action = forms.ChoiceField(choices=[(PUBLISH, _("公开")), (UNPUBLISH, _("撤回"))])


class FieldsForm(forms.Form):
    """The optional fields the public page shows (none checked: none shown)."""

    shown = forms.MultipleChoiceField(
        label=_("另外公开"),
        choices=PublicField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
