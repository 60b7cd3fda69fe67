"""The security policy in force and each account's past passwords (等保2.0 identity rules)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _between(low, high):
    return [MinValueValidator(low), MaxValueValidator(high)]


class SecurityPolicy(models.Model):
    """The one row of password, session and lock-out rules, set by the security administrator.
    Its first values come from the settings (docs/deploy.md); ``accounts.policy.current()``
    reads it. The bounds keep a slip of the keyboard from locking everyone out (a failure limit
    of 0) or switching a rule off (an idle time of 0)."""

    password_min_length = models.PositiveSmallIntegerField(
        _("密码最短长度"), default=10, validators=_between(8, 128)
    )
    password_classes = models.PositiveSmallIntegerField(
        _("密码至少包含的字符类别数"),
        default=3,
        validators=_between(1, 4),
        help_text=_("大写字母、小写字母、数字、符号四类中的几类"),
    )
    password_max_age_days = models.PositiveSmallIntegerField(
        _("密码有效期（天）"), default=90, validators=_between(0, 3650), help_text=_("0表示不过期")
    )
    password_warn_days = models.PositiveSmallIntegerField(
        _("到期前提醒（天）"), default=7, validators=_between(0, 90)
    )
    password_history = models.PositiveSmallIntegerField(
        _("不得重复使用最近几次密码"), default=5, validators=_between(0, 24)
    )
    idle_minutes = models.PositiveSmallIntegerField(
        _("空闲超时（分钟）"), default=30, validators=_between(1, 1440)
    )
    session_hours = models.PositiveSmallIntegerField(
        _("会话最长时间（小时）"), default=8, validators=_between(1, 72)
    )
    failure_limit = models.PositiveSmallIntegerField(
        _("同一账号同一地址连续失败次数上限"), default=5, validators=_between(1, 100)
    )
    account_failure_limit = models.PositiveSmallIntegerField(
        _("同一账号所有地址失败次数上限"), default=20, validators=_between(1, 1000)
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        _("锁定时间（分钟）"), default=30, validators=_between(1, 1440)
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = pgettext_lazy("model", "安全策略")
        verbose_name_plural = pgettext_lazy("model, plural", "安全策略")

    def __str__(self):
        return str(self._meta.verbose_name)

    def clean(self):
        if self.account_failure_limit < self.failure_limit:
            raise ValidationError(
                {
                    "account_failure_limit": _(
                        "所有地址的失败次数上限不能小于同一地址的上限（%(limit)d次）。"
                    )
                    % {"limit": self.failure_limit}
                }
            )
        if self.password_max_age_days and self.password_warn_days >= self.password_max_age_days:
            raise ValidationError({"password_warn_days": _("到期前提醒的天数须小于密码有效期。")})


class PasswordHistory(models.Model):
    """A password an account has held (its hash, never the password), newest last: the latest
    row's time is when the password was last changed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model", "历史密码")
        verbose_name_plural = pgettext_lazy("model, plural", "历史密码")

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class LoginRecord(models.Model):
    """An account's latest successful login: when and from which address. The next login shows
    it ("上次登录") before writing its own."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_record"
    )
    at = models.DateTimeField(_("登录时间"))
    # Text, not an address type: behind a proxy it is whatever the proxy's header said.
    address = models.CharField(_("登录地址"), max_length=64, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "上次登录")
        verbose_name_plural = pgettext_lazy("model, plural", "上次登录")

    def __str__(self):
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M} {self.address}"
