"""Password rules of 等保2.0 (GB/T 22239-2019 身份鉴别 a: 7.1.4.1 at level 2, 8.1.4.1 at level 3):
length and character classes from the security policy, no reuse of the last few passwords, and
an age after which a password expires.

Every way a password is set leaves a PasswordHistory row: the receiver below notices a save that
set one (``set_password`` in the change form, the admin, ``create_user``) or a new account saved
with a hash (the users workbook, the demo). Its newest row says when the password was last set.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import policy
from .models import PasswordHistory


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with the policy's length. Django 5.2 reworded its message and the Chinese
    catalogue it ships has only the former wording, so the page mixed an English sentence into
    Chinese: say it with the former wording, which every language Django ships still
    translates."""

    def __init__(self):
        pass

    @property
    def min_length(self):
        return policy.current().password_min_length

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


def character_classes(password):
    """How many of the four classes (upper case, lower case, digit, symbol) a password uses."""
    found = set()
    for char in password:
        if char.isupper():
            found.add("upper")
        elif char.islower():
            found.add("lower")
        elif char.isdigit():
            found.add("digit")
        else:
            found.add("symbol")
    return len(found)


class CharacterClassesValidator:
    """At least the policy's number of the four character classes (default 3)."""

    def validate(self, password, user=None):
        wanted = policy.current().password_classes
        if character_classes(password) < wanted:
            raise ValidationError(self.message(wanted), code="password_too_simple")

    def message(self, wanted):
        return _("密码须包含大写字母、小写字母、数字、符号四类中的至少%(count)d类。") % {
            "count": wanted
        }

    def get_help_text(self):
        return self.message(policy.current().password_classes)


class NoLoginNameValidator:
    """Not the account's login name, forwards or backwards, inside the password, whatever the
    case: 测评 checks it, and Django's similarity rule lets ``lz-fgj#Pass1`` through."""

    def validate(self, password, user=None):
        name = (user.get_username() if user is not None else "").lower()
        if len(name) < 3:
            return
        text = password.lower()
        if name in text or name[::-1] in text:
            raise ValidationError(self.message(), code="password_has_login_name")

    def message(self):
        return _("密码不能包含登录名。")

    def get_help_text(self):
        return self.message()


class PasswordHistoryValidator:
    """None of the account's last few passwords (the policy's number, default 5) again."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        count = policy.current().password_history
        if not count:
            return
        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:count]
        )
        # An account from before the history was kept: its current password counts too.
        if user.has_usable_password() and user.password not in hashes:
            hashes.append(user.password)
        if any(check_password(password, hashed) for hashed in hashes):
            raise ValidationError(self.message(count), code="password_reused")

    def message(self, count):
        return _("不能使用最近%(count)d次用过的密码，请换一个新密码。") % {"count": count}

    def get_help_text(self):
        return self.message(policy.current().password_history)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def record_password(sender, instance, created, raw=False, **kwargs):
    """Keep the hash of a password just set. A hash rewritten on login (a stronger hasher) is not
    a new password: Django clears ``_password`` before that save, so it leaves no row."""
    if raw or not (created or instance._password is not None):
        return
    if not instance.has_usable_password():
        return
    PasswordHistory.objects.create(user=instance, password=instance.password)
    keep = max(policy.current().password_history, 1)
    stale = list(PasswordHistory.objects.filter(user=instance).values_list("pk", flat=True)[keep:])
    if stale:
        PasswordHistory.objects.filter(pk__in=stale).delete()


def password_set_at(user):
    """When the account's password was last set: its newest history row, else when the account
    was made."""
    latest = PasswordHistory.objects.filter(user=user).values_list("created_at", flat=True).first()
    return latest or user.date_joined


def expires_at(set_at, rules=None):
    """When a password set at ``set_at`` expires under the policy; None if passwords never do."""
    rules = rules or policy.current()
    if not rules.password_max_age_days:
        return None
    return set_at + timedelta(days=rules.password_max_age_days)


def days_left(set_at, rules=None, now=None):
    """Whole days (rounded up) until a password set at ``set_at`` expires: 0 or less once
    expired, None if it never does."""
    expiry = expires_at(set_at, rules)
    if expiry is None:
        return None
    remaining = expiry - (now or timezone.now())
    return -((-remaining) // timedelta(days=1))
