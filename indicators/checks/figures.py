"""Checking typed figures: every rule, per-figure (``series``) and cross-target (``cross``), run
on a figure with the report's settings, and the two answers a check gives a writer.

`load` reads what the rules need for a set of rows in a fixed number of queries, however many
rows: the report's ``CheckRule`` rows (once), the subjects' approved series, last year's series
of the same target codes, and what the cross-target rules load. `flags` judges one figure with
it. The workflow gate runs them on every save and submission of a figure and stores the flags;
the monthly form and the imports run the same two to show the flags beside the row first.

`blocking_refusal` and `explanation_refusal` say why a flagged figure may not be written: a
blocking rule refuses the figure; any other flag only asks for a 说明 before submission.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..models import CheckRule, EntryState, Indicator, ProgressEntry, Report
from . import DEFAULTS, SERIES_RULES, cross, series


@dataclass
class Loaded:
    """What the rules need for a set of rows (see `load`)."""

    rules: dict  # {report id: {(rule, indicator id or None): CheckRule}}
    approved: dict  # {(entry model, subject id): [(month, value)] in month order}
    last_year: dict  # {(report id, target code): [(month, value)] of last year's report}
    cross: dict  # {(report id, month): what cross.load gave}

    def __post_init__(self):
        # Targets with rows of their own, by report; the settings worked out once per report
        # (and once per such target), not once per figure.
        self._own = {}
        for report_id, rows in self.rules.items():
            self._own[report_id] = {indicator for _rule, indicator in rows if indicator}
        self._settings = {}

    def points(self, subject, month):
        """The subject's approved figures before ``month``."""
        series_ = self.approved.get((subject.entry_model, subject.pk), ())
        return [(m, value) for m, value in series_ if m < month and value is not None]

    def last_year_points(self, subject):
        if not isinstance(subject, Indicator):
            return []
        return self.last_year.get((subject.report_id, subject.code), [])

    def settings(self, subject):
        """Each per-figure rule as the report sets it for ``subject`` ({rule: Setting}): its
        own row, else the report-wide one, else the defaults."""
        own = subject.pk if isinstance(subject, Indicator) else None
        key = (subject.report_id, own if own in self._own.get(subject.report_id, ()) else None)
        if key not in self._settings:
            rows = self.rules.get(subject.report_id, {})
            self._settings[key] = {
                rule: _setting(rows.get((rule, key[1])) or rows.get((rule, None)), rule)
                for rule in SERIES_RULES
            }
        return self._settings[key]


def _setting(row, rule):
    default = DEFAULTS.get(rule)
    if row is None:
        return series.Setting(True, default, False)
    parameter = row.parameter if row.parameter is not None else default
    return series.Setting(row.enabled, parameter, row.blocking)


def load(items, *, approved=None):
    """What the checks need to judge the figures of ``items``: (subject, month) pairs, or the
    gate's ``Change``s, whose fields the cross-target rules then judge against each other (a
    part and its total in one import, several starts in one write). A `Loaded`, in a fixed
    number of queries. ``approved``: the subjects' approved series when the caller has read them
    already ({(entry model, subject id): [(month, value)]})."""
    pairs, reports, groups = [], {}, {}
    for item in items:
        subject, month = (item.subject, item.month) if hasattr(item, "subject") else item
        pairs.append((subject, month))
        if subject.report_id not in reports:  # once a report: a subject may not hold it yet
            reports[subject.report_id] = subject.report
        crossing = item if hasattr(item, "subject") else subject
        groups.setdefault((subject.report_id, month), []).append(crossing)
    return Loaded(
        rules=_rules(reports),
        approved=_approved(pairs) if approved is None else approved,
        last_year=_last_year(pairs, reports),
        cross={
            (report_id, month): cross.load(reports[report_id], subjects, month)
            for (report_id, month), subjects in groups.items()
        },
    )


def flags(subject, month, value, loaded):
    """Every ``Flag`` of ``value`` typed as ``subject``'s figure for ``month`` (None: no
    figure), judged with ``loaded`` (from `load`, with this pair among its pairs)."""
    found = []
    if value is not None:
        found = series.judge(
            subject.figure,
            month,
            value if isinstance(value, Decimal) else Decimal(str(value)),
            loaded.points(subject, month),
            loaded.last_year_points(subject),
            loaded.settings(subject),
        )
    crossed = cross.flags(subject, month, value, loaded.cross[(subject.report_id, month)])
    return found + list(crossed)


def blocking_refusal(flags):
    """Why a figure with ``flags`` may not be written at all (a rule declared blocking), or
    None."""
    blocking = [flag for flag in flags if flag.blocks]
    if not blocking:
        return None
    return _("%(found)s。该项校验不允许通过，请核实数值后再填报。") % {
        "found": _sentences(blocking)
    }


def explanation_refusal(flags, explanation):
    """Why a figure with ``flags`` may not be submitted with ``explanation`` (说明), or None."""
    if not flags or (explanation or "").strip():
        return None
    return _("%(found)s。请在“说明”中写明原因后再报送（可先保存草稿）。") % {
        "found": _sentences(flags)
    }


def refusal(flags, explanation, *, submitting, typed):
    """The gate's answer for a figure with ``flags``: a blocking flag refuses a submission and
    any write of the figure (``typed``: the figure is among what is written); any flag needs
    ``explanation`` to be submitted."""
    if submitting or typed:
        reason = blocking_refusal(flags)
        if reason:
            return reason
    return explanation_refusal(flags, explanation) if submitting else None


def _sentences(flags):
    return pgettext("between sentences", "；").join(flag.message for flag in flags)


# --- Loading ---------------------------------------------------------------------------------


def _rules(reports):
    found = {}
    for row in CheckRule.objects.filter(report_id__in=reports, rule__in=SERIES_RULES):
        found.setdefault(row.report_id, {})[(row.rule, row.indicator_id)] = row
    return found


def _approved(pairs):
    """The approved series of every subject of ``pairs`` (one query per entry model)."""
    wanted = {}
    for subject, month in pairs:
        if subject.pk is not None:
            ids, latest = wanted.get(subject.entry_model, (set(), 0))
            wanted[subject.entry_model] = (ids | {subject.pk}, max(latest, month))
    found = {}
    for model, (ids, latest) in wanted.items():
        key = f"{model.subject_field}_id"
        rows = (
            model.objects.filter(**{f"{key}__in": ids}, state=EntryState.APPROVED, month__lt=latest)
            .order_by(key, "month")
            .values_list(key, "month", model.value_field)
        )
        for subject_id, month, value in rows:
            found.setdefault((model, subject_id), []).append((month, value))
    return found


def _last_year(pairs, reports):
    """Last year's approved series of the targets of ``pairs`` with the same code, in the
    previous report of the same region (two queries; none without targets)."""
    codes = {s.code for s, _month in pairs if isinstance(s, Indicator)}
    if not codes:
        return {}
    wanted = {(r.region_id, r.year - 1): pk for pk, r in reports.items()}
    previous = Report.objects.filter(
        reduce(or_, (Q(region_id=region, year=year) for region, year in wanted))
    ).values_list("pk", "region_id", "year")
    this_of = {pk: wanted[(region, year)] for pk, region, year in previous}
    if not this_of:
        return {}
    rows = (
        ProgressEntry.objects.filter(
            indicator__report_id__in=this_of,
            indicator__code__in=codes,
            state=EntryState.APPROVED,
            value__isnull=False,
        )
        .order_by("indicator__report_id", "indicator__code", "month")
        .values_list("indicator__report_id", "indicator__code", "month", "value")
    )
    found = {}
    for report_id, code, month, value in rows:
        found.setdefault((this_of[report_id], code), []).append((month, value))
    return found
