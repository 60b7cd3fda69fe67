"""The gate: every change to a monthly entry or a month lock goes through here.

The monthly form, the Excel import, the register workbook, review (approve, return, reopen) and
month locks all call `apply` (or `lock_month`/`unlock_month`); the admin shows entries read-only.
In one transaction `apply` checks, for every row it is given:

- who is acting and whether they may (``access``);
- the row's state, which moves only along `TRANSITIONS`;
- the month: of the report's year, not in the future, not locked;
- the version the person saw: the stored row is locked (``select_for_update``; on SQLite the
  write transaction itself is the lock, see settings) before its version is compared, so of two
  saves made from the same version exactly one wins and the other is told so.

Every figure saved or submitted is judged by the plausibility checks (``checks.figures``): the
flags found are stored on the row (and so in its history); a flagged figure is submitted only
with a 说明 (``explanation``), and a rule the report declares blocking refuses the figure.

Then it writes every row through the model (django-simple-history keeps one row per change, with
the acting user) and lets each row react to moving into or out of 已审核 (`after_review`: an
approved project stage change moves the register, and moves it back when reopened). Nothing is
half-written: a refusal of any row refuses the whole change, with every row's reason.

Indicator entries and project progress share all of this (both are `ReviewedEntry` rows); a
subject (an indicator or a project) names its entry model, its report and its department.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import access, evidence, versions
from .checks import figures
from .models import EntryState, MonthLock, Report
from .numbers import amount
from .progress import month_label, year_month_label

SAVE, SUBMIT, APPROVE, RETURN, REOPEN = "save", "submit", "approve", "return", "reopen"
REPORTING = (SAVE, SUBMIT)
REVIEWING = (APPROVE, RETURN, REOPEN)

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
    # A wrong approved figure goes back to its department for correction (unlocked months only).
    (EntryState.APPROVED, REOPEN): EntryState.RETURNED,
}


class WorkflowError(Exception):
    """An operation that cannot be done, with a message for the person who tried."""


class Refused(WorkflowError):
    """Some rows of a change were refused; ``reasons`` maps each refused change's index to why.

    ``is_conflict`` says whether any refusal is a stale version (someone saved first)."""

    def __init__(self, reasons, is_conflict=False):
        self.reasons = reasons
        self.is_conflict = is_conflict
        super().__init__(" ".join(reasons.values()))


@dataclass
class Change:
    """One row to move: ``subject`` (an Indicator or a Project) for ``month``, the ``fields`` to
    write, and the ``version`` of the row the person saw (0: no row yet; None: not checked)."""

    subject: object
    month: int
    fields: dict = field(default_factory=dict)
    version: int | None = None


def is_locked(report, month):
    return MonthLock.objects.filter(report=report, month=month).exists()


def _by(user, moment):
    """ "由张三于10月3日" for a step whose who and when are known, else ""."""
    if user is None or moment is None:
        return ""
    when = date_format(timezone.localtime(moment), "MONTH_DAY_FORMAT")
    return _("由%(who)s于%(when)s") % {"who": user.display_name, "when": when}


def needs_value(entry, action):
    """Whether ``entry`` (None: not yet written) must carry a figure after ``action``: every
    state but a draft does, as the database's own constraint says."""
    state = entry.state if entry is not None else None
    return TRANSITIONS.get((state, action)) not in (None, EntryState.DRAFT)


def state_refusal(entry, action):
    """Why ``entry`` (None: not yet written) cannot take ``action`` in its state, or None."""
    state = entry.state if entry is not None else None
    if (state, action) in TRANSITIONS:
        return None
    if state == EntryState.SUBMITTED and action in REPORTING:
        return _("已%(by)s报送，等待审核，不能再修改。") % {
            "by": _by(entry.submitted_by, entry.submitted_at)
        }
    if action == REOPEN and state != EntryState.APPROVED:
        return _("尚未审核通过，不必退回更正；待审核的记录请用“退回”。")
    if state == EntryState.APPROVED and action in REPORTING:
        return _("已%(by)s审核通过，不能再修改；如需更正，请联系督查室退回。") % {
            "by": _by(entry.reviewed_by, entry.reviewed_at)
        }
    if action in REVIEWING and state in (EntryState.APPROVED, EntryState.RETURNED):
        verb = (
            pgettext("done to an entry", "审核通过")
            if state == EntryState.APPROVED
            else pgettext("done to an entry", "退回")
        )
        return _("已%(by)s%(verb)s，不在待审核状态。") % {
            "by": _by(entry.reviewed_by, entry.reviewed_at),
            "verb": verb,
        }
    if state is None:
        return _("这条记录还没有填报。")
    return _("状态为“%(state)s”的记录不能执行该操作。") % {"state": EntryState(state).label}


def refusal(user, subject, month, entry, action, *, locked, today=None):
    """Why ``user`` may not take ``action`` on ``subject``'s row for ``month`` now, or None.

    The one answer to "may this row change": the gate asks it before writing, the monthly form
    and the Excel template ask it to decide which rows are open. ``locked``: the month is locked.
    """
    report = subject.report
    if not 1 <= month <= 12:
        return _("月份须在1到12之间。")
    reason = report_refusal(report)
    if reason:
        return reason
    if action in REPORTING:
        if not access.can_report(user, subject):
            return _("“%(subject)s”不是本单位的，不能填报。") % {"subject": subject}
        if not subject.is_reportable:
            return _("“%(subject)s”的数值由项目库自动计算，不需要填报。") % {"subject": subject}
        reason = month_refusal(report, month, today or timezone.localdate())
        if reason:
            return reason
        if not subject.is_due(month) and entry is None:
            return _("%(subject)s%(frequency)s报送，%(month)s无需填报。") % {
                "subject": subject,
                "frequency": subject.get_frequency_display(),
                "month": month_label(month),
            }
    elif not access.can_review_report(user, report):
        return _("只有本地区的督查室可以审核。")
    if locked:
        return lock_refusal(month)
    return state_refusal(entry, action)


def report_refusal(report):
    """Why no figure of ``report`` may change in its state (筹备, 归档), or None."""
    if report.state == report.State.PREPARING:
        return _("“%(report)s”尚在筹备，发布后才能填报和审核。") % {"report": report}
    if report.is_archived:
        return _("“%(report)s”已归档，数据不能再修改。") % {"report": report}
    return None


def month_refusal(report, month, today):
    """Why figures for ``month`` of ``report`` cannot be reported at ``today``, or None."""
    if not 1 <= month <= 12:
        return _("月份须在1到12之间。")
    if (report.year, month) > (today.year, today.month):
        return _("%(year_month)s还没有到，不能提前填报。") % {
            "year_month": year_month_label(report.year, month)
        }
    return None


def lock_refusal(month):
    return _("%(month)s已被督查室锁定，不能再修改；如需更正，请督查室先解锁。") % {
        "month": month_label(month)
    }


def is_stale(stored, seen):
    """Whether a form that showed version ``seen`` is behind the stored row's version ``stored``
    (0: no row yet); ``seen`` None: the caller does not check. The one stale-version test of
    every gate (entries here, supervision slips, bulletins): the caller has locked the stored
    row first, and says the refusal in its own words."""
    return seen is not None and int(seen) != stored


def version_refusal(entry, version):
    """Why a change made from a form showing ``version`` is stale, or None."""
    if not is_stale(entry.version if entry is not None else 0, version):
        return None
    if entry is None:
        return _("这条记录已被删除，请刷新后再填。")
    return _("这条记录已%(by)s修改（或表单重复提交），当前保存的值为 %(value)s。请刷新后再改。") % {
        "by": _by(entry.updated_by, entry.updated_at) or _("被他人"),
        "value": amount(entry.number, 4),
    }


def _stored_rows(changes):
    """The stored entries of ``changes``, locked for this transaction: {(model, subject, month)}."""
    rows = {}
    wanted = {}
    for change in changes:
        model = change.subject.entry_model
        wanted.setdefault(model, set()).add((change.subject.pk, change.month))
    for model, keys in wanted.items():
        subject_ids = {pk for pk, _month in keys}
        months = {month for _pk, month in keys}
        stored = (
            model.objects.select_for_update(of=("self",))
            .filter(**{f"{model.subject_field}_id__in": subject_ids, "month__in": months})
            .select_related("submitted_by", "reviewed_by", "updated_by")
        )
        for entry in stored:
            rows[(model, entry.subject_id, entry.month)] = entry
    # The rows reach their subject (a save copies an indicator's kind, a stage change moves its
    # project) through the instances the caller gave: no query per row, one instance per subject.
    subjects = {(c.subject.entry_model, c.subject.pk): c.subject for c in changes}
    for (model, subject_id, _month), entry in rows.items():
        setattr(entry, model.subject_field, subjects[(model, subject_id)])
    return rows


def _lock_reports(changes):
    """Lock the report rows of ``changes`` and return their locked months {(report id, month)}.

    The report rows are the lock that orders a save against a month being locked, or the report
    being archived: a month locked, or a report moved (`lifecycle.move` locks the same row),
    while this change waits is seen here. The state is read under the lock, not taken from the
    caller's (perhaps older) report."""
    report_ids = {change.subject.report_id for change in changes}
    states = dict(
        Report.objects.select_for_update().filter(pk__in=report_ids).values_list("pk", "state")
    )
    for change in changes:
        change.subject.report.state = states[change.subject.report_id]
    return set(MonthLock.objects.filter(report_id__in=report_ids).values_list("report_id", "month"))


def apply(user, changes, action, *, comment="", today=None):
    """Move every row of ``changes`` by ``action`` as ``user``, all or none; returns the entries.

    Raises `Refused` (nothing written) with each refused row's reason, or `WorkflowError` when
    the whole change is wrong (a return without a comment). The values in ``fields`` are the
    caller's to check (the row's form does); the gate checks who, when, which state and which
    version, and the database keeps its own constraints.
    """
    if not changes:
        return []
    comment = comment.strip()
    if action in (RETURN, REOPEN) and not comment:
        raise WorkflowError(_("退回时请填写退回意见，说明需要修改的内容。"))
    with transaction.atomic():
        locks = _lock_reports(changes)
        stored = _stored_rows(changes)
        reasons, conflict = {}, False
        entries, befores = [], []
        for index, change in enumerate(changes):
            subject, model = change.subject, change.subject.entry_model
            entry = stored.get((model, subject.pk, change.month))
            locked = (subject.report_id, change.month) in locks
            reason = refusal(user, subject, change.month, entry, action, locked=locked, today=today)
            if reason is None:
                reason = version_refusal(entry, change.version)
                conflict = conflict or reason is not None
            row = entry or model(**{model.subject_field: subject, "month": change.month})
            if reason is None:
                # A month closed by the office stays as it was closed: a row of a later month
                # may not move it (a start dated back into a locked month, say).
                moved = sorted(
                    m for m in row.months_moved(change.fields) if (subject.report_id, m) in locks
                )
                if moved:
                    reason = lock_refusal(moved[0])
            if reason is not None:
                reasons[index] = reason
            befores.append(entry.state if entry is not None else None)
            entries.append(row)
        if reasons:
            raise Refused(reasons, conflict)
        found = _figure_flags(changes, entries, action)
        _write_all(user, changes, entries, action, comment, found)
        # Reactions run once every row is written, so each sees the whole change (two months of
        # one project approved together move the register as one).
        for index, entry in enumerate(entries):
            try:
                entry.after_review(befores[index], user)
            except ValidationError as error:
                raise Refused({index: " ".join(error.messages)}) from error
    return entries


def _figure_flags(changes, entries, action):
    """The plausibility flags of each row's figure as it will be written (None for a review,
    which keeps the flags the figure was submitted with); raises `Refused` for the rows the
    checks refuse. The history the checks need is read once for all rows."""
    if action not in REPORTING:
        return [None] * len(changes)
    loaded = figures.load(changes)
    found, reasons = [], {}
    for index, (change, entry) in enumerate(zip(changes, entries, strict=True)):
        name = entry.value_field
        value = change.fields.get(name, entry.number)
        flags = figures.flags(change.subject, change.month, value, loaded)
        explanation = change.fields.get("explanation", entry.explanation)
        reason = figures.refusal(
            flags, explanation, submitting=action == SUBMIT, typed=name in change.fields
        )
        if reason:
            reasons[index] = reason
        found.append(flags)
    if reasons:
        raise Refused(reasons)
    return found


# What the gate itself writes on a row, besides the fields the caller's form gives.
GATE_FIELDS = (
    "state",
    "flags",
    "version",
    "updated_by",
    "updated_at",
    "submitted_by",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "review_comment",
)


def _prepare(entry, user, action, fields, comment, now, flags):
    """Move ``entry`` in memory: the caller's fields, the checks' ``flags`` (None: kept), the
    next state and version, who and when."""
    for name, value in fields.items():
        setattr(entry, name, value)
    if flags is not None:
        entry.flags = [flag.as_data() for flag in flags]
    entry.state = TRANSITIONS[(entry.state if entry.pk else None, action)]
    entry.version = entry.version + 1 if entry.pk else 1
    entry.updated_by, entry.updated_at = user, now
    entry._history_user = user
    if action == SUBMIT:
        entry.submitted_by, entry.submitted_at = user, now
    elif action in REVIEWING:
        entry.reviewed_by, entry.reviewed_at = user, now
        entry.review_comment = comment
    entry.copy_from_subject()


def _write_all(user, changes, entries, action, comment, found):
    """Write every prepared row in bulk: per model, one INSERT for the new rows and one UPDATE
    for the stored ones, each with its history rows (simple-history's bulk functions, with the
    acting user), then advance the reports' data version once. Nothing here checks a rule: the
    rows were checked, and locked, before."""
    now = timezone.now()
    for change, entry, flags in zip(changes, entries, found, strict=True):
        _prepare(entry, user, action, change.fields, comment, now, flags)
    creating = [entry.pk is None for entry in entries]
    try:
        with transaction.atomic():  # a savepoint: a refused batch leaves the transaction usable
            _bulk_write(user, changes, entries)
    except IntegrityError:
        # A rule the database keeps (a milestone over 100, say) that the caller's form did not
        # check, or a row created meanwhile: find which row by writing them one by one (each
        # save keeps its history and advances the version through the models' signals).
        for entry, new in zip(entries, creating, strict=True):
            if new:
                entry.pk = None  # the rolled-back batch had given it one
        _write_one_by_one(changes, entries, creating)


def _bulk_write(user, changes, entries):
    by_model = {}
    for change, entry in zip(changes, entries, strict=True):
        new, stored, fields = by_model.setdefault(type(entry), ([], [], set(GATE_FIELDS)))
        (stored if entry.pk else new).append(entry)
        fields.update(change.fields)
    for model, (new, stored, fields) in by_model.items():
        if new:
            bulk_create_with_history(new, model, default_user=user)
        if stored:
            fields.update(model.copied_fields)
            bulk_update_with_history(stored, model, sorted(fields), default_user=user)
    versions.advance({change.subject.report_id for change in changes})


def _write_one_by_one(changes, entries, creating):
    for index, (change, entry) in enumerate(zip(changes, entries, strict=True)):
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError as error:
            model = type(entry)
            exists = model.objects.filter(
                **{model.subject_field: change.subject, "month": change.month}
            ).exists()
            if creating[index] and exists:
                # Another request created the same month's row between our read and write.
                raise Refused(
                    {index: _("这条记录已被他人同时填写，请刷新后再改。")}, True
                ) from error
            # A rule the database keeps (a milestone over 100, say) that the caller's form
            # did not check: refused as it is, not blamed on someone else.
            raise Refused(
                {index: _("数值不符合该目标的要求（如节点型不能超过100），未保存。")}
            ) from error


def review(user, entries, action, comment="", versions=None):
    """Approve, return or reopen stored entries, all or none.

    ``versions``: {entry: the version the reviewer saw}, checked like a form's.
    """
    versions = versions or {}
    changes = [Change(entry.subject, entry.month, version=versions.get(entry)) for entry in entries]
    return apply(user, changes, action, comment=comment)


def lock_month(user, report, month):
    """Close ``month`` of ``report``: afterwards no entry of it changes until it is unlocked."""
    if not access.can_review_report(user, report):
        raise WorkflowError(_("只有督查室可以锁定月份。"))
    lock = MonthLock(report=report, month=month, locked_by=user)
    lock._history_user = user
    try:
        with transaction.atomic():
            Report.objects.select_for_update().filter(pk=report.pk).exists()
            lock.save()
    except IntegrityError:
        raise WorkflowError(_("%(month)s已经锁定。") % {"month": month_label(month)}) from None
    return lock


def unlock_month(user, report, month):
    if not access.can_review_report(user, report):
        raise WorkflowError(_("只有督查室可以解锁月份。"))
    with transaction.atomic():
        lock = MonthLock.objects.select_for_update().filter(report=report, month=month).first()
        if lock is None:
            raise WorkflowError(_("%(month)s没有锁定。") % {"month": month_label(month)})
        lock._history_user = user
        lock.delete()


# --- Evidence (佐证材料) -------------------------------------------------------------------------
# Adding or removing a file is a change to its row: it passes `apply` as a save (the same locks,
# `refusal`, version check, draft creation and history), so a submitted, approved or locked row's
# evidence is frozen with it, and a row's files change only while its figures may.


def evidence_refusal(user, subject, month, *, today=None):
    """Why ``user`` may not add or remove files on ``subject``'s row for ``month`` now, or None:
    the gate's own answer (`refusal`), read without locking.

    Asked before an upload is read: a file for a row that cannot take it (not the user's, sent,
    approved, locked) is never decoded. `attach` and `detach` ask again under the gate's locks.
    """
    model = subject.entry_model
    entry = (
        model.objects.filter(**{model.subject_field: subject, "month": month})
        .select_related("submitted_by", "reviewed_by")
        .first()
    )
    locked = is_locked(subject.report, month) if 1 <= month <= 12 else False
    return refusal(user, subject, month, entry, SAVE, locked=locked, today=today)


def attach(user, subject, month, files, *, version=None, today=None):
    """Add ``files`` (``evidence.Prepared``) to ``subject``'s row for ``month`` as ``user``,
    creating the row as a draft if it has none. Returns the entry.

    ``version``: the row's version the page showed (None: not checked). Raises `Refused` or
    `WorkflowError` with nothing stored: a file written before a failure is deleted again.
    """
    return _change_evidence(user, Change(subject, month, version=version), files, (), today)


def detach(user, item, *, version=None, today=None):
    """Remove evidence ``item`` from its row as ``user``; its files go once the change commits."""
    entry = item.entry
    return _change_evidence(
        user, Change(entry.subject, entry.month, version=version), (), [item.pk], today
    )


def _change_evidence(user, change, files, removed_ids, today):
    stored = []
    try:
        with transaction.atomic():
            (entry,) = apply(user, [change], SAVE, today=today)
            model = entry.evidence_model()
            removed = list(model.objects.filter(entry=entry, pk__in=removed_ids))
            if len(removed) != len(set(removed_ids)):
                raise Refused({0: _("要删除的佐证材料已不存在，请刷新后再看。")}, True)
            kept = model.objects.filter(entry=entry).count() - len(removed)
            limit = settings.EVIDENCE_MAX_FILES
            if kept + len(files) > limit:
                raise WorkflowError(
                    _("每条记录最多%(limit)s个佐证材料，已有%(kept)s个。请先删除不需要的。")
                    % {"limit": limit, "kept": kept}
                )
            for item in removed:
                item._history_user = user
                item.delete()
                # Files go only once the row's change is kept; a rollback leaves them in place.
                transaction.on_commit(lambda names=item.file_names: evidence.discard(*names))
            for prepared in files:
                stored.append(evidence.keep(model, prepared, user, entry=entry))
    except BaseException:
        for names in stored:
            evidence.discard(*names)
        raise
    return entry
