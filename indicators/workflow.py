"""How a monthly entry moves: saved, submitted, approved or returned, and months locked.

Every operation here is one transaction, checks who is acting, and raises `WorkflowError` with a
message a user can read when it cannot be done; nothing is half-written. Entry states move only
along `TRANSITIONS`; every move is saved through the model, so django-simple-history keeps a row
with the acting user (old value -> new value).

Indicator entries and project progress share these rules (both are `ReviewedEntry` rows).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import EntryState, MonthLock

SAVE, SUBMIT, APPROVE, RETURN = "save", "submit", "approve", "return"

# (state now, action) -> state after. Anything else is refused.
TRANSITIONS = {
    (None, SAVE): EntryState.DRAFT,
    (None, SUBMIT): EntryState.SUBMITTED,
    (EntryState.DRAFT, SAVE): EntryState.DRAFT,
    (EntryState.DRAFT, SUBMIT): EntryState.SUBMITTED,
    (EntryState.RETURNED, SAVE): EntryState.RETURNED,
    (EntryState.RETURNED, SUBMIT): EntryState.SUBMITTED,
    (EntryState.SUBMITTED, APPROVE): EntryState.APPROVED,
    (EntryState.SUBMITTED, RETURN): EntryState.RETURNED,
    # The supervision office may send an approved figure back for correction.
    (EntryState.APPROVED, RETURN): EntryState.RETURNED,
}


class WorkflowError(Exception):
    """An operation that cannot be done, with a message for the person who tried."""


def next_state(state, action):
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        label = EntryState(state).label if state else _("新建")
        raise WorkflowError(
            _("状态为“%(state)s”的记录不能执行该操作。") % {"state": label}
        ) from None


def is_locked(report, month):
    return MonthLock.objects.filter(report=report, month=month).exists()


def locked_months(report):
    return set(MonthLock.objects.filter(report=report).values_list("month", flat=True))


def check_version(entry, version):
    """Refuse a save made from a form opened before someone else saved the same row."""
    stored = entry.version if entry.pk else 0
    if version is not None and int(version) != stored:
        raise WorkflowError(
            _("这条记录已被他人修改（或表单重复提交），当前保存的值为 %(value)s。请刷新后再改。")
            % {"value": _stored_value(entry)}
        )


def _stored_value(entry):
    value = getattr(entry, "value", None)
    if value is None:
        value = getattr(entry, "investment_completed", None)
    if value is None:
        return "—"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def record(entry, user, action, *, fields, version=None, comment=""):
    """Apply ``fields`` and move ``entry`` by ``action`` as ``user``; returns the saved entry.

    The caller has already checked that ``user`` may act on this row and month. The save bumps
    the version so a stale form (or the same form posted twice) is refused, not silently applied.
    """
    check_version(entry, version)
    state = next_state(entry.state if entry.pk else None, action)
    for name, value in fields.items():
        setattr(entry, name, value)
    now = timezone.now()
    entry.state = state
    entry.version = (entry.version or 0) + 1 if entry.pk else 1
    entry.updated_by = user
    entry._history_user = user
    if action == SUBMIT:
        entry.submitted_by, entry.submitted_at = user, now
    elif action in (APPROVE, RETURN):
        entry.reviewed_by, entry.reviewed_at = user, now
        entry.review_comment = comment
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:
        # Another request created the same month's row between our read and our write.
        raise WorkflowError(_("这条记录已被他人同时填写，请刷新后再改。")) from error
    return entry


def review(user, entries, action, comment=""):
    """Approve or return submitted entries, all or none."""
    if action == RETURN and not comment.strip():
        raise WorkflowError(_("退回时请填写退回意见，说明需要修改的内容。"))
    with transaction.atomic():
        for entry in entries:
            record(entry, user, action, fields={}, comment=comment.strip())
    return len(entries)


@transaction.atomic
def lock_month(user, report, month):
    lock, created = MonthLock.objects.get_or_create(
        report=report, month=month, defaults={"locked_by": user}
    )
    if not created:
        raise WorkflowError(_("%(month)s月已经锁定。") % {"month": month})
    return lock


@transaction.atomic
def unlock_month(user, report, month):
    lock = MonthLock.objects.filter(report=report, month=month).first()
    if lock is None:
        raise WorkflowError(_("%(month)s月没有锁定。") % {"month": month})
    lock._history_user = user
    lock.delete()
