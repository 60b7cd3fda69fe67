"""The 人大 完成情况对照表: each target, its promise, its result, done or not, and the office's
explanation; and the one gate that changes it (`save_notes`, `publish_table`).

The figures are the public page's: the table reads ``published.state`` (approved figures as of the
last published month), nothing else. Only the explanations are the table's own
(`ComparisonNote`); once the table is published (`Publication.table_published_at`) they are
frozen, and the gate refuses every change.

Done or not (`outcome`), from the target's status as of the table's month:

- 已完成 (``done``) reads 完成 whenever it comes: a ratio target that has reached 100 % has done
  the year's work;
- 待统计年报 and 无数据 read as they are: there is no figure to judge;
- before December every other status reads 待年终确定: the year is not over, and a target on
  track, behind or held to a limit may still end either way;
- once December is published the year is judged: a floor or ceiling that holds (达到目标,
  控制在目标内) reads 完成; everything else (滞后, 严重滞后, or a ratio target on its plan but
  short of 100 %) reads 未完成.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import log
from audit.models import Action
from indicators import access, numbers, progress, versions
from indicators.models import Indicator, Report

from . import published
from .models import ComparisonNote, Publication

COMPLETED, NOT_COMPLETED, PENDING, AWAITING_STATISTICS, NO_FIGURE = (
    "completed",
    "not_completed",
    "pending",
    "annual",
    "no_data",
)
OUTCOME_LABELS = {
    COMPLETED: gettext_lazy("完成"),
    NOT_COMPLETED: gettext_lazy("未完成"),
    PENDING: gettext_lazy("待年终确定"),
    AWAITING_STATISTICS: gettext_lazy("待统计年报"),
    NO_FIGURE: gettext_lazy("无数据"),
}
# Which status colour each outcome borrows on the page (the word carries the meaning).
OUTCOME_STATUSES = {
    COMPLETED: progress.DONE,
    NOT_COMPLETED: progress.FAR_BEHIND,
    PENDING: progress.YEAR_END,
    AWAITING_STATISTICS: progress.ANNUAL,
    NO_FIGURE: progress.NO_DATA,
}
YEAR_END_MONTH = 12
MAX_EXPLANATION = 2000


def outcome(status, kind, month):
    """Done or not, for a target of ``kind`` whose status as of ``month`` is ``status``."""
    if status == progress.DONE:
        return COMPLETED
    if status == progress.ANNUAL:
        return AWAITING_STATISTICS
    if status == progress.NO_DATA:
        return NO_FIGURE
    if month < YEAR_END_MONTH:
        return PENDING
    if status == progress.ON_TRACK and kind in progress.LIMIT_KINDS:
        return COMPLETED
    return NOT_COMPLETED


def result_text(target, month):
    """The figure as the table prints it: 1,501人, with the month it is of when that is not the
    table's month (a quarterly figure): 12.5亿元（截至9月底）."""
    if target.value is None:
        return numbers.DASH
    text = f"{numbers.amount(target.value)}{target.unit}"
    if target.value_month is not None and target.value_month != month:
        text += _("（截至%(month)s月底）") % {"month": target.value_month}
    return text


@dataclass(frozen=True)
class Row:
    number: int  # 序号, through the whole table
    target: published.PublicTarget
    result: str
    outcome: str
    explanation: str

    @property
    def outcome_label(self):
        return OUTCOME_LABELS[self.outcome]

    @property
    def outcome_status(self):
        return OUTCOME_STATUSES[self.outcome]


@dataclass
class ComparisonTable:
    report: Report
    month: int | None  # the last published month; None: nothing published, no rows
    sections: list  # of (section name, [Row])
    published_at: object = None
    published_by: object = None
    stamp: str = ""  # the explanations' fingerprint, for the stale-page check

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def rows(self):
        return [row for _name, rows in self.sections for row in rows]

    @property
    def title(self):
        return _("%(region)s%(year)s年政府工作报告目标任务完成情况对照表") % {
            "region": self.report.region.name,
            "year": self.report.year,
        }

    @property
    def as_of(self):
        if self.month is None:
            return _("尚未公开任何月份的数据")
        return _("数据截至%(year)s年%(month)s月底（已公开的最后一个月，均为已审核数据）") % {
            "year": self.report.year,
            "month": self.month,
        }


def explanations(report):
    """{indicator id: explanation} of ``report`` (one query)."""
    return dict(
        ComparisonNote.objects.filter(report=report).values_list("indicator_id", "explanation")
    )


def stamp_of(notes):
    """A fingerprint of the explanations: a page posts back the one it was shown, and a save
    over someone else's newer words is refused."""
    digest = hashlib.blake2b(digest_size=8)
    for indicator_id, text in sorted(notes.items()):
        if text:
            digest.update(f"{indicator_id}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def table(report):
    """``report``'s 对照表 as of its last published month. A fixed number of queries."""
    state = published.state(report)
    publication = (
        Publication.objects.filter(report=report).select_related("table_published_by").first()
    )
    notes = explanations(report)
    result = ComparisonTable(
        report=report,
        month=state.month,
        sections=[],
        published_at=publication.table_published_at if publication else None,
        published_by=publication.table_published_by if publication else None,
        stamp=stamp_of(notes),
    )
    number = 0
    for section in state.sections:
        rows = []
        for target in section.targets:
            number += 1
            rows.append(
                Row(
                    number=number,
                    target=target,
                    result=result_text(target, state.month),
                    outcome=outcome(target.status, target.kind, state.month),
                    explanation=notes.get(target.id, ""),
                )
            )
        result.sections.append((section.name, rows))
    return result


# --- The gate ------------------------------------------------------------------------------------


def _check(user, report):
    if not access.can_publish(user, report):
        raise PermissionDenied


def _frozen(publication):
    if publication is not None and publication.table_published_at is not None:
        when = timezone.localtime(publication.table_published_at).strftime("%Y-%m-%d %H:%M")
        raise ValidationError(
            _("对照表已于%(when)s发布，说明已冻结，不能再修改。") % {"when": when}
        )


def clean_text(text):
    """An explanation as stored: one kind of line break, no NUL, no surrounding blanks."""
    return str(text or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _checked(report, notes):
    """``notes`` cleaned, refused whole if one names a target of another report or runs long."""
    cleaned = {int(pk): clean_text(text) for pk, text in notes.items()}
    codes = dict(
        Indicator.objects.filter(report=report, pk__in=list(cleaned)).values_list("pk", "code")
    )
    if set(cleaned) - set(codes):
        raise ValidationError(_("有目标任务不属于这份报告，说明未保存。"))
    for pk, text in cleaned.items():
        if len(text) > MAX_EXPLANATION:
            raise ValidationError(
                _("%(code)s的说明超过%(max)s字，请精简后再保存。")
                % {"code": codes[pk], "max": MAX_EXPLANATION}
            )
    return cleaned, codes


def save_notes(report, notes, user, *, stamp=None, request=None):
    """Save the office's explanations (``{indicator id: text}``; an empty text clears one).
    ``stamp``: the `stamp_of` the editor was shown; if the explanations have changed since, the
    save is refused. Refused whole, changing nothing, once the table is published. Returns how
    many explanations changed."""
    _check(user, report)
    cleaned, codes = _checked(report, notes)
    with transaction.atomic():
        # One writer of a report's table at a time, and never beside its publishing.
        Report.objects.select_for_update().get(pk=report.pk)
        _frozen(Publication.objects.filter(report=report).first())
        current = explanations(report)
        if stamp is not None and stamp != stamp_of(current):
            raise ValidationError(_("说明已被他人修改，请刷新页面后重新填写。"))
        changed = {pk: text for pk, text in cleaned.items() if current.get(pk, "") != text}
        if not changed:
            return 0
        now = timezone.now()
        ComparisonNote.objects.bulk_create(
            [
                ComparisonNote(report=report, indicator_id=pk, explanation=text, updated_at=now)
                for pk, text in changed.items()
            ],
            update_conflicts=True,
            unique_fields=["indicator"],
            update_fields=["explanation", "updated_at"],
        )
        versions.advance([report.pk])  # written in bulk: no signal advanced the data version
        log.record(
            Action.CHANGED,
            request=request,
            user=user,
            obj=report,
            detail={
                "comparison_notes": {
                    codes[pk]: {"from": current.get(pk, ""), "to": text}
                    for pk, text in sorted(changed.items())
                }
            },
        )
    return len(changed)


def publish_table(report, user, *, request=None):
    """Publish ``report``'s 对照表: its explanations are frozen from now on. Only once December
    is published, so the table states the year's result; publishing twice changes nothing."""
    _check(user, report)
    with transaction.atomic():
        Report.objects.select_for_update().get(pk=report.pk)
        month = published.last_month(report)
        if month is None:
            raise ValidationError(_("尚未公开任何月份的数据，不能发布对照表。"))
        if month != YEAR_END_MONTH:
            raise ValidationError(
                _("12月的数据公开后才能发布对照表（目前已公开到%(month)s月）。") % {"month": month}
            )
        publication, _created = Publication.objects.get_or_create(report=report)
        if publication.table_published_at is not None:
            return publication
        publication.table_published_at = timezone.now()
        publication.table_published_by = user
        publication.save(update_fields=["table_published_at", "table_published_by"])
        log.record(
            Action.PUBLISHED,
            request=request,
            user=user,
            obj=report,
            detail={"comparison_table": True, "month": month},
        )
    return publication
