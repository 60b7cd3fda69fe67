"""The security audit log (安全审计): one append-only, hash-chained record per event.

Each record carries the hash of the one before it (`prev_hash`) and its own (`hash`, SHA-256
over the previous hash and the record's canonical content), so an edit or a deletion made
behind the application's back breaks the chain, and `manage.py audit_verify` names where.
Records are numbered by the chain itself (`AuditHead.last_seq`), so the ids run without gaps.

Nothing in the application edits or deletes a record: `save()` refuses an update, `delete()`
and the queryset's `delete()`/`update()` refuse. The one deletion is `audit_archive`, which
writes old records to a file first and remembers the last archived hash in the head, so the
chain still verifies from there.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The "previous hash" of the very first record.
GENESIS = "0" * 64


class AppendOnlyError(Exception):
    """An attempt to edit or delete an audit record through the application."""


class Action(models.TextChoices):
    LOGIN = "login", pgettext_lazy("audit event", "登录")
    LOGIN_FAILED = "login_failed", pgettext_lazy("audit event", "登录失败")
    LOCKED_OUT = "locked_out", pgettext_lazy("audit event", "账号锁定")
    LOGOUT = "logout", pgettext_lazy("audit event", "退出")
    PASSWORD_CHANGED = "password_changed", pgettext_lazy("audit event", "修改密码")
    REFUSED = "refused", pgettext_lazy("audit event", "拒绝访问")
    DOWNLOAD = "download", pgettext_lazy("audit event", "导出下载")
    CREATED = "created", pgettext_lazy("audit event", "新增")
    CHANGED = "changed", pgettext_lazy("audit event", "修改")
    DELETED = "deleted", pgettext_lazy("audit event", "删除")
    WORKBOOK_LOADED = "workbook_loaded", pgettext_lazy("audit event", "导入工作簿")
    ARCHIVED = "archived", pgettext_lazy("audit event", "归档审计记录")
    LOCKOUT_LIFTED = "lockout_lifted", pgettext_lazy("audit event", "解除锁定")
    SESSION_ENDED = "session_ended", pgettext_lazy("audit event", "结束会话")
    PUBLISHED = "published", pgettext_lazy("audit event", "对外公开")
    UNPUBLISHED = "unpublished", pgettext_lazy("audit event", "撤回公开")
    API_CALL = "api_call", pgettext_lazy("audit event", "接口调用")


class AuditRecordQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("Audit records are never deleted (audit_archive moves old ones).")

    def update(self, **kwargs):
        raise AppendOnlyError("Audit records are never changed.")

    delete.alters_data = True
    delete.queryset_only = True
    update.alters_data = True


class AuditRecord(models.Model):
    # Numbered by the chain (`AuditHead.last_seq`), never by the database: no gaps.
    id = models.BigIntegerField(primary_key=True)
    time = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("登录名"), max_length=150, blank=True)
    address = models.CharField(_("地址"), max_length=64, blank=True)
    # The region of the object (or of the person) at the time, kept as a snapshot: a region
    # renamed or removed later leaves its records as they were.
    region_id = models.BigIntegerField(_("地区编号"), null=True, blank=True, db_index=True)
    region_name = models.CharField(_("地区"), max_length=50, blank=True)
    action = models.CharField(_("事件"), max_length=20, choices=Action.choices, db_index=True)
    object_label = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_text = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("model", "审计记录")
        verbose_name_plural = pgettext_lazy("model, plural", "审计记录")
        ordering = ["-id"]
        default_permissions = ("view",)

    def __str__(self):
        return f"#{self.pk} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit records are never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit records are never deleted.")


class AuditHead(models.Model):
    """The one row that serialises writers and anchors the chain: the last record's number and
    hash, and where the chain starts after an archive (the last archived record's)."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"audit head {self.last_seq}"
