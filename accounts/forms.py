"""The security administrator's forms (lift a lock-out, end a session, set the policy) and the
admin's user form with the 三员 rule."""

from django import forms
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import roles
from .models import SecurityPolicy


class UserRolesChangeForm(UserChangeForm):
    """The admin's user form, asking the 三员 rule of the groups chosen (``roles``) before the
    guard on ``User.groups`` would refuse them."""

    def clean_groups(self):
        groups = self.cleaned_data.get("groups")
        if groups is not None:
            roles.check_groups(group.name for group in groups)
        return groups


class LiftLockoutForm(forms.Form):
    username = forms.CharField(max_length=255)
    # Empty: the account's lock-out across every address.
    ip_address = forms.GenericIPAddressField(required=False)


class EndSessionForm(forms.Form):
    session = forms.RegexField(regex=r"^[0-9a-f]{32}$")


# Bounds of each rule (等保2.0: passwords of at least 8 characters and several classes, locks
# after a few failures, sessions that end): (least, most).
BOUNDS = {
    "password_min_length": (8, 64),
    "password_classes": (1, 4),
    "password_max_age_days": (0, 365),
    "password_warn_days": (0, 30),
    "password_history": (0, 24),
    "idle_minutes": (5, 480),
    "session_hours": (1, 24),
    "failure_limit": (3, 10),
    "account_failure_limit": (5, 100),
    "lockout_minutes": (5, 1440),
}


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = list(BOUNDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (least, most) in BOUNDS.items():
            field = self.fields[name]
            field.widget.attrs.update(min=least, max=most)
            field.validators.append(_bound(least, most))

    # The rules across fields (warning before expiry, the account-wide limit not below the
    # one-address limit) are the model's own (SecurityPolicy.clean), which a ModelForm asks.


def _bound(least, most):
    def check(value):
        if value is not None and not least <= value <= most:
            raise ValidationError(
                _("请填写%(least)s到%(most)s之间的数。"),
                code="bounds",
                params={"least": least, "most": most},
            )

    return check
