from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("名称"),
        max_length=60,
        help_text=_("写明用途，如“大屏数据同步”。"),
    )
    days = forms.IntegerField(
        label=_("有效期（天）"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].widget.attrs.update(min=1, max=settings.API_TOKEN_MAX_DAYS)


class RevokeForm(forms.Form):
    token = forms.IntegerField(min_value=1)
