"""The gate for 核实 (verification): every change to a verification task goes through here.

The office (of the report's region; an administrator anywhere: ``access.can_verify``) marks
approved figures of targets for 核实, by hand (`mark`) or as a random sample of a month
(`sample`, weighted toward the figures the plausibility checks flagged), and records what it
found (`record`): the verified value, a note, and evidence files (`attach`, `detach`: checked
and stored by ``indicators.evidence``, like a monthly row's); or withdraws a task marked by
mistake (`cancel`). An archived report's tasks are frozen, so an open task holds the archive
(``indicators.lifecycle``). A verified value within the
tolerance (``settings.VERIFY_TOLERANCE_PERCENT`` of the approved value) closes the task as
已核实; a larger difference re-opens the figure through the entries' own gate
(``workflow.review`` with REOPEN: the approved entry goes back to its department as 已退回), with
a return comment that proposes the verified value, which the reporter's form offers to adopt.
Nothing here writes an entry.

As in the other gates, in one transaction: who may, which state, which version (the rows are
locked before their versions are compared, `workflow.is_stale`), and a history row per change
with the user; the audit log records tasks and samples as they are created and changed
(``audit.signals``). The report row is locked first, as the entries' gate does, so that a
sample never draws a figure twice and an archived report stays frozen: an archived report takes
no new task and no result, and a report in 筹备 has no approved figure to verify.

Reading: the region's office and leaders (and offices and leaders above it) read the tasks and
their status (`readable_tasks`); reporters see none of them; a task's evidence is the office's
working paper, opened only by whoever may verify (`can_read_evidence`).
"""

import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import access, evidence, workflow
from indicators.models import EntryState, ProgressEntry, Report
from indicators.numbers import amount
from indicators.progress import month_label

from .models import VerificationEvidence, VerificationSample, VerificationTask

State = VerificationTask.State
Origin = VerificationTask.Origin
# What each change to a task was, kept as its history row's reason (a code; pages say it).
MARKED, DRAWN, ATTACHED, DETACHED = "mark", "sample", "attach", "detach"
RECORDED, CANCELLED = "record", "cancel"
CHANGE_LABELS = {
    MARKED: gettext_lazy("标记核实"),
    DRAWN: gettext_lazy("随机抽取"),
    ATTACHED: gettext_lazy("上传核实材料"),
    DETACHED: gettext_lazy("删除核实材料"),
    RECORDED: gettext_lazy("记录核实结果"),
    CANCELLED: gettext_lazy("撤销核实任务"),
}
MAX_SAMPLE = 100  # at most this many figures a draw: a month has a few dozen targets


class VerificationError(Exception):
    """A change that cannot be made, with a message for the person who tried."""


# --- Rules (pure) ---


def exceeds(reported, verified, percent):
    """Whether ``verified`` differs from ``reported`` by more than ``percent`` % of the reported
    value (of its size: floors and ceilings may read negative). A reported 0 allows no
    difference."""
    return abs(verified - reported) > abs(reported) * Decimal(percent) / 100


def weight_of(entry, flagged_weight=None):
    """How much more likely a figure is to be drawn: flagged ones (``entry.flags`` not empty)
    ``settings.VERIFY_FLAGGED_WEIGHT`` times the others."""
    flagged_weight = settings.VERIFY_FLAGGED_WEIGHT if flagged_weight is None else flagged_weight
    return max(1, flagged_weight) if entry.flags else 1


def draw(candidates, count, seed, weight=weight_of):
    """``count`` of ``candidates`` (a list in a stable order) without replacement, each drawn
    with probability proportional to ``weight(candidate)`` (Efraimidis and Spirakis: each is
    keyed by u ** (1 / w), u uniform from ``random.Random(seed)``, and the largest keys win).
    The same seed and candidates always give the same draw."""
    generator = random.Random(seed)
    keyed = [(generator.random() ** (1 / weight(c)), i) for i, c in enumerate(candidates)]
    keyed.sort(reverse=True)
    return [candidates[i] for _key, i in keyed[:count]]


def new_seed():
    return secrets.randbelow(2**32)


# --- Who may, and when ---


def report_refusal(report):
    """Why no task of ``report`` may be created or recorded in the report's state, or None."""
    if report.is_archived:
        return _("“%(report)s”已归档，数据不能再核实。") % {"report": report}
    if not report.is_published:
        return _("“%(report)s”尚在筹备，没有可核实的数值。") % {"report": report}
    return None


def refusal(user, report):
    """Why ``user`` may not mark, sample or record 核实 in ``report`` now, or None."""
    if not access.can_verify(user, report):
        return _("只有本地区的督查室可以核实。")
    return report_refusal(report)


def task_refusal(user, task):
    """Why ``user`` may not record ``task``'s result or change its evidence now, or None."""
    reason = refusal(user, task.report)
    if reason:
        return reason
    if task.state != State.PENDING:
        return _("核实任务已是“%(state)s”，不能再修改。") % {"state": task.get_state_display()}
    return None


def can_read_evidence(user, task):
    """A task's evidence is the office's working paper: whoever may verify the report opens it
    (leaders and reporters read the figures, not the papers behind them)."""
    return access.can_verify(user, task.report) and not access.is_hidden(user, task.report)


def readable_tasks(user):
    """The tasks ``user`` may read: their regions' for the office and leaders; none for anyone
    else (a reporter never sees a pending task)."""
    tasks = VerificationTask.objects.select_related("report__region")
    if not access.can_read_dashboards(user):
        return tasks.none()
    return access.scope(user, tasks)


# --- Marking and sampling ---


def _lock(report):
    """Lock ``report``'s row and read its state under the lock (see the module's note)."""
    report.state = (
        Report.objects.select_for_update().values_list("state", flat=True).get(pk=report.pk)
    )


def _entry_refusal(entry, taken):
    if entry.state != EntryState.APPROVED:
        return _("%(entry)s尚未审核通过，只有已审核的数值可以核实。") % {"entry": entry}
    if taken.get(entry.pk) == State.PENDING:
        return _("%(entry)s已在核实中。") % {"entry": entry}
    if taken.get(entry.pk) == State.VERIFIED:
        return _("%(entry)s已核实。") % {"entry": entry}
    return None


def mark(user, report, entries):
    """Mark approved ``entries`` of ``report`` for 核实 by hand, all or none; returns the tasks.

    A figure already waiting for 核实, or already verified, is refused; one re-opened by an
    earlier 核实 may be marked again once corrected and approved."""
    with transaction.atomic():
        _lock(report)
        reason = refusal(user, report)
        if reason:
            raise VerificationError(reason)
        entries = list(
            ProgressEntry.objects.select_for_update(of=("self",))
            .select_related("indicator")
            .filter(pk__in=[entry.pk for entry in entries], indicator__report=report)
        )
        if not entries:
            raise VerificationError(_("请至少选择一项已审核的数值。"))
        taken = {}
        for task in VerificationTask.objects.filter(
            entry__in=entries, state__in=(State.PENDING, State.VERIFIED)
        ).order_by("created_at"):
            taken[task.entry_id] = task.state
        reasons = [r for r in (_entry_refusal(e, taken) for e in entries) if r]
        if reasons:
            raise VerificationError(" ".join(reasons))
        return _create(user, report, entries, Origin.HAND)


def sample(user, report, month, count, seed=None):
    """Draw ``count`` of ``report``'s approved figures of ``month`` for 核实 (fewer if fewer are
    left), weighted toward flagged ones (`weight_of`), never a figure that has had a task;
    returns the recorded `VerificationSample` (its seed: ``seed``, or a new random one)."""
    if not 1 <= month <= 12:
        raise VerificationError(_("月份须在1到12之间。"))
    if not 1 <= count <= MAX_SAMPLE:
        raise VerificationError(_("每次抽取1到%(max)s项。") % {"max": MAX_SAMPLE})
    seed = new_seed() if seed is None else seed
    with transaction.atomic():
        _lock(report)
        reason = refusal(user, report)
        if reason:
            raise VerificationError(reason)
        candidates = list(
            ProgressEntry.objects.filter(
                indicator__report=report, month=month, state=EntryState.APPROVED
            )
            .exclude(pk__in=VerificationTask.objects.filter(report=report).values("entry_id"))
            .select_related("indicator")
            .order_by("pk")
        )
        if not candidates:
            raise VerificationError(
                _("%(month)s没有尚未核实过的已审核数值可以抽取。") % {"month": month_label(month)}
            )
        drawn = VerificationSample(report=report, month=month, count=count, seed=seed)
        drawn.drawn_by = drawn._audit_user = user
        drawn.save()
        _create(user, report, draw(candidates, count, seed), Origin.SAMPLE, drawn)
    return drawn


def _create(user, report, entries, origin, drawn=None):
    """One task a figure, saved one by one so that each keeps its history and audit record."""
    tasks = []
    for entry in entries:
        task = VerificationTask(
            report=report,
            entry=entry,
            month=entry.month,
            origin=origin,
            sample=drawn,
            reported_value=entry.value,
            created_by=user,
        )
        task._history_user = task._audit_user = user
        task._change_reason = DRAWN if drawn is not None else MARKED
        task.save()
        tasks.append(task)
    return tasks


# --- Recording the result ---


def _locked_task(user, task, version):
    """``task`` read again under the locks (its report's row, then its own), checked for
    ``user``, its state and the ``version`` the page showed."""
    _lock(task.report)
    stored = (
        VerificationTask.objects.select_for_update(of=("self",))
        .select_related("report")
        .get(pk=task.pk)
    )
    reason = task_refusal(user, stored)
    if reason:
        raise VerificationError(reason)
    if workflow.is_stale(stored.version, version):
        raise VerificationError(_("核实任务已被他人处理，请刷新后再办。"))
    return stored


def _save(user, task, change):
    task.version += 1
    task._history_user = task._audit_user = user
    task._change_reason = change
    task.save()


def proposal(entry, verified, percent, note=""):
    """The return comment that re-opens ``entry``: the verified value, proposed."""
    unit = entry.indicator.unit
    text = _(
        "经督查室核实，%(month)s数值应为%(verified)s%(unit)s（报送%(reported)s%(unit)s，"
        "差异超过%(percent)s%%），请核对后按核实值更正并重新报送。"
    ) % {
        "month": month_label(entry.month),
        "verified": amount(verified, 4),
        "reported": amount(entry.value, 4),
        "unit": unit,
        "percent": amount(percent, 2),
    }
    if note:
        text += _("核实说明：%(note)s") % {"note": note}
    return text


def record(user, task, verified_value, note="", *, version=None, entry_version=None):
    """Record ``task``'s result as ``user``: the verified value and a note. Within the tolerance
    the task closes as 已核实; beyond it the figure is re-opened through the entries' gate with
    the verified value proposed, and the task closes as 核实不符. ``version``/``entry_version``:
    the task's and the figure's versions the page showed (None: not checked)."""
    note = note.strip()
    with transaction.atomic():
        stored = _locked_task(user, task, version)
        entry = (
            ProgressEntry.objects.select_for_update(of=("self",))
            .select_related("indicator__report")
            .get(pk=stored.entry_id)
        )
        if entry.state != EntryState.APPROVED:
            raise VerificationError(
                _("%(entry)s目前为“%(state)s”，待审核通过后再核实。")
                % {"entry": entry, "state": entry.get_state_display()}
            )
        if workflow.is_stale(entry.version, entry_version):
            raise VerificationError(_("该数值在打开本页后已有变动，请刷新后核对再记录。"))
        percent = settings.VERIFY_TOLERANCE_PERCENT
        stored.reported_value = entry.value
        stored.verified_value = verified_value
        stored.tolerance_percent = percent
        stored.note = note
        stored.verified_by, stored.verified_at = user, timezone.now()
        stored.state = State.VERIFIED
        if exceeds(entry.value, verified_value, percent):
            comment = proposal(entry, verified_value, percent, note)
            try:
                workflow.review(user, [entry], workflow.REOPEN, comment, {entry: entry.version})
            except workflow.WorkflowError as error:
                raise VerificationError(str(error)) from error
            stored.state = State.REOPENED
        _save(user, stored, RECORDED)
    return stored


def cancel(user, task, note, *, version=None):
    """Withdraw the open ``task`` with the office's reason (``note``): marked by mistake, or its
    figure is being corrected anyway. The figure is untouched and may be marked again."""
    note = note.strip()
    if not note:
        raise VerificationError(_("撤销时请写明原因。"))
    with transaction.atomic():
        stored = _locked_task(user, task, version)
        stored.state, stored.note = State.CANCELLED, note
        _save(user, stored, CANCELLED)
    return stored


# --- Evidence ---


def attach(user, task, files, *, version=None):
    """Keep ``files`` (``evidence.Prepared``) with the open ``task``; returns the task. Nothing
    is kept if anything is refused: a file written before a failure is deleted again."""
    stored_names = []
    try:
        with transaction.atomic():
            stored = _locked_task(user, task, version)
            kept = stored.evidence.count()
            limit = settings.EVIDENCE_MAX_FILES
            if kept + len(files) > limit:
                raise VerificationError(
                    _("每个核实任务最多%(limit)s个材料，已有%(kept)s个。请先删除不需要的。")
                    % {"limit": limit, "kept": kept}
                )
            for prepared in files:
                names = evidence.keep(VerificationEvidence, prepared, user, task=stored)
                stored_names.append(names)
            _save(user, stored, ATTACHED)
    except BaseException:
        for names in stored_names:
            evidence.discard(*names)
        raise
    return stored


def detach(user, item, *, version=None):
    """Remove evidence ``item`` from its open task; its files go once the change commits."""
    with transaction.atomic():
        stored = _locked_task(user, item.task, version)
        item._history_user = user
        item.delete()
        transaction.on_commit(lambda names=item.file_names: evidence.discard(*names))
        _save(user, stored, DETACHED)
    return stored


# --- What the reporter's form offers ---


def proposals(entries):
    """{entry id: the 核实 task that re-opened it} for those of ``entries`` still returned by a
    核实 (the latest such task): what the reporter's form proposes. One query, or none."""
    returned = [e.pk for e in entries if e is not None and e.state == EntryState.RETURNED]
    if not returned:
        return {}
    found = {}
    for task in VerificationTask.objects.filter(
        entry_id__in=returned, state=State.REOPENED
    ).order_by("verified_at", "pk"):
        found[task.entry_id] = task
    return found
