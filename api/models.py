"""Personal access tokens (个人访问令牌): a person's key to the read-only API.

A token reads exactly what its user may read, until it expires, is revoked, or its user is
deactivated. Its secret is shown once, when it is made (``tokens.issue``), and never stored:
the database keeps its SHA-256 digest, which a call's secret is looked up by, and a short
prefix that names it on the person's page and in the audit log.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        """Tokens that still open the API: neither revoked nor expired (the user's own state
        is asked separately)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class AccessToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="access_tokens",
    )
    name = models.CharField(_("名称"), max_length=60)
    # SHA-256 of the secret, hex: the secret itself is never stored.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("访问令牌")
        verbose_name_plural = _("访问令牌")
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="access_token_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_live(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    @property
    def state(self):
        """What the person's page says of it: 有效, 已过期 or 已撤销."""
        if self.revoked_at is not None:
            return _("已撤销")
        if self.expires_at <= timezone.now():
            return _("已过期")
        return _("有效")
