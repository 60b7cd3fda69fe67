"""The status rules: how far along a target is, and whether that is good enough.

This is the one place that judges progress. Views, tables, charts and Excel call it and never
recompute. Everything here is pure: plain values in, plain values out, no database.

Terms (see DESIGN.md): *actual* is the value of the latest approved entry with month <= m;
*expected* (序时进度) is the monthly plan's cumulative fraction for m, linear m/12 by default.
"""

import calendar
import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import dates, formats, translation
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from . import numbers

CUMULATIVE = "cumulative"
STOCK = "stock"
MILESTONE = "milestone"
CEILING = "ceiling"
FLOOR = "floor"
RATIO_KINDS = (CUMULATIVE, STOCK, MILESTONE)
LIMIT_KINDS = (CEILING, FLOOR)

YEAR_END = "year_end"
ANNUAL = "annual"
NO_DATA = "no_data"
DONE = "done"
ON_TRACK = "on_track"
BEHIND = "behind"
FAR_BEHIND = "far_behind"

# In the order a meeting reads them: best first.
STATUSES = (DONE, ON_TRACK, BEHIND, FAR_BEHIND, NO_DATA, YEAR_END, ANNUAL)
# Statuses that wait for a figure rather than judge one: not counted among the judged.
WAITING = (NO_DATA, YEAR_END, ANNUAL)
STATUS_LABELS = {
    DONE: _("已完成"),
    ON_TRACK: _("达到序时进度"),
    BEHIND: _("滞后"),
    FAR_BEHIND: _("严重滞后"),
    NO_DATA: _("无数据"),
    YEAR_END: _("待年终确定"),
    ANNUAL: _("待统计年报"),
}
# One palette for pages, charts and Excel; a status is never shown by colour alone. Each colour
# carries white badge text at a contrast of at least 4.5:1 (tests/test_accessibility.py).
STATUS_COLOURS = {
    DONE: "#1a7f37",
    ON_TRACK: "#2f6fb5",
    BEHIND: "#9a6700",
    FAR_BEHIND: "#c62828",
    NO_DATA: "#6e6e6e",
    YEAR_END: "#6a5acd",
    ANNUAL: "#4b6584",
}

# What floors and ceilings say where the ratio kinds say 达到序时进度.
LIMIT_ON_TRACK_LABELS = {FLOOR: _("达到目标"), CEILING: _("控制在目标内")}

HUNDRED = Decimal(100)
DEFAULT_TOLERANCE = Decimal(10)

# Reporting frequencies and the months whose figure is due (published) under each.
MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY = "monthly", "quarterly", "half_yearly", "yearly"
DUE_MONTHS = {
    MONTHLY: tuple(range(1, 13)),
    QUARTERLY: (3, 6, 9, 12),
    HALF_YEARLY: (6, 12),
    YEARLY: (12,),
}


def is_due(frequency, month):
    return month in DUE_MONTHS[frequency or MONTHLY]


def latest_due_month(frequency, month):
    """The latest month <= ``month`` whose figure is due under ``frequency``, or None."""
    due = [m for m in DUE_MONTHS[frequency or MONTHLY] if m <= month]
    return due[-1] if due else None


def is_percent(unit):
    return unit.strip() in ("%", "％")


@dataclass(frozen=True)
class Progress:
    """An indicator's standing as of a month."""

    status: str
    actual: Decimal | None
    completion: Decimal | None = None  # fraction of the target reached (1 = 100 %)
    expected: Decimal | None = None  # 序时进度 as a fraction
    gap_points: Decimal | None = None  # (completion - expected) x 100, ratio kinds only
    margin: Decimal | None = None  # distance to the limit in the target's unit, + is the good side
    kind: str = ""

    @property
    def label(self):
        """The status word for this target: a floor that holds reads 达到目标, not 达到序时进度."""
        if self.status == ON_TRACK and self.kind in LIMIT_ON_TRACK_LABELS:
            return LIMIT_ON_TRACK_LABELS[self.kind]
        return STATUS_LABELS[self.status]

    @property
    def colour(self):
        return STATUS_COLOURS[self.status]

    @property
    def is_behind(self):
        return self.status in (BEHIND, FAR_BEHIND)


def expected_fraction(month, plan=None):
    """序时进度 for a month: the plan's cumulative fraction, or m/12 when there is no plan."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    if plan:
        return Decimal(str(plan[month - 1]))
    return Decimal(month) / 12


def awaits_annual_figure(flagged, month, december_in):
    """待统计年报: a target closed by the annual statistics (``flagged``), read at December
    before December's figure is ``december_in``. GDP and income come in February or March, so
    such a target is neither late nor judged on an earlier month's figure until then; once the
    figure is in, the year is judged on it as usual. The one rule the standing, the reporting
    timeliness and the reminders ask."""
    return bool(flagged) and month == 12 and not december_in


def judge(
    kind,
    target,
    actual,
    month,
    *,
    plan=None,
    is_year_end_only=False,
    tolerance=DEFAULT_TOLERANCE,
    frequency=MONTHLY,
    unit="",
    awaits_annual=False,
):
    """Judge one indicator as of ``month``.

    ``tolerance`` is how far short still counts as 滞后 rather than 严重滞后: percentage points of
    序时进度 for ratio kinds, percent of the target for ceilings and floors. ``frequency``: a
    target published quarterly (half-yearly, yearly) is judged as of its latest due month, and
    one published only yearly waits for year end like a year-end-only target. ``actual`` is the
    latest approved figure of a due month (the caller reads it). ``awaits_annual``: the target
    waits for the annual statistics (``awaits_annual_figure``), so it is 待统计年报.
    """
    target = Decimal(target)
    actual = None if actual is None else Decimal(actual)
    tolerance = Decimal(tolerance)
    due = latest_due_month(frequency, month)

    if awaits_annual:
        return Progress(ANNUAL, actual, kind=kind)
    if (is_year_end_only or frequency == YEARLY) and month < 12:
        return Progress(YEAR_END, actual, kind=kind)
    if actual is None or due is None:
        expected = expected_fraction(due or month, plan) if kind in RATIO_KINDS else None
        return Progress(NO_DATA, None, expected=expected, kind=kind)

    if kind in LIMIT_KINDS:
        return _judge_limit(kind, target, actual, tolerance)

    denominator = HUNDRED if kind == MILESTONE else target
    completion = actual / denominator
    expected = expected_fraction(due, plan)
    shortfall = expected - completion
    gap_points = -shortfall * HUNDRED
    if completion >= 1:
        status = DONE
    elif shortfall <= 0:
        status = ON_TRACK
    elif shortfall * HUNDRED <= tolerance:
        status = BEHIND
    else:
        status = FAR_BEHIND
    return Progress(status, actual, completion, expected, gap_points, kind=kind)


def _judge_limit(kind, target, actual, tolerance):
    margin = target - actual if kind == CEILING else actual - target
    if margin >= 0:
        status = ON_TRACK
    elif target == 0 and kind == CEILING:
        # "动态清零": any zero-employment household at all is a failure, not a small miss.
        status = FAR_BEHIND
    elif -margin <= abs(target) * tolerance / HUNDRED:
        status = BEHIND
    else:
        status = FAR_BEHIND
    return Progress(status, actual, margin=margin, kind=kind)


# --- Months in words: the one writer of a month for pages, charts, workbooks and messages ------
# A sentence takes the month as words (截至%(month)s底: 截至9月底, to the end of September), so
# no msgid writes 月 after a number and no English one says "month 9".


def month_label(month):
    """A month of the report's year in the interface language: 9月 in Chinese, as its documents
    write it; in other languages Django's own month names, which Django translates (September)."""
    if (translation.get_language() or settings.LANGUAGE_CODE).startswith("zh"):
        return f"{int(month)}月"
    return str(dates.MONTHS[int(month)])


def year_month_label(year, month):
    """A month with its year: 2023年9月, September 2023 (the language's YEAR_MONTH_FORMAT)."""
    return formats.date_format(datetime.date(int(year), int(month), 1), "YEAR_MONTH_FORMAT")


# For choices made at import time: the label is read in the language of each request.
month_label_lazy = lazy(month_label, str)


def month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def deadline(year, month, day=5):
    """The day a month's figures are due: by default the 5th of the next month."""
    if month == 12:
        return datetime.date(year + 1, 1, day)
    return datetime.date(year, month + 1, day)


def is_missing(has_report, year, month, today, day=5, frequency=MONTHLY):
    """未报送: nothing submitted or approved for a due month once its deadline has passed."""
    return is_due(frequency, month) and not has_report and today > deadline(year, month, day)


def gap_phrase(progress, kind=None, unit=""):
    """The phrase a Chinese progress report uses: the gap to 序时进度, or the margin to a limit
    (in 个百分点 for a target in percent: growth of 5 % against 6 % is 1 个百分点 short)."""
    words = _phrases(translation.get_language())
    if progress.margin is not None:
        amount = numbers.amount(abs(progress.margin), 4)
        if progress.margin >= 0:
            return words[kind] if kind in LIMIT_ON_TRACK_LABELS else words[None]
        unit = words["points_unit"] if is_percent(unit) else unit
        template = words["over_limit"] if kind == CEILING else words["under_limit"]
        return template % {"amount": amount, "unit": unit}
    gap = progress.gap_points
    if gap is None:
        return ""
    points = numbers.points(abs(gap))
    if points == "0":
        return words["level"]
    return (words["ahead"] if gap > 0 else words["behind"]) % {"points": points}


@functools.lru_cache(maxsize=16)
def _phrases(language):
    """The words of `gap_phrase` in ``language``, translated once (an export asks per row)."""
    with translation.override(language):
        return {
            **{kind: str(label) for kind, label in LIMIT_ON_TRACK_LABELS.items()},
            None: str(_("达到目标")),
            "points_unit": str(_("个百分点")),
            "over_limit": str(_("超出目标%(amount)s%(unit)s")),
            "under_limit": str(_("低于目标%(amount)s%(unit)s")),
            "level": str(_("与序时进度持平")),
            "ahead": str(_("超过序时进度%(points)s个百分点")),
            "behind": str(_("低于序时进度%(points)s个百分点")),
        }


def summarise(progresses):
    """Counts by status and the average completion of the ratio kinds, for a group of targets."""
    counts = dict.fromkeys(STATUSES, 0)
    on_target = 0
    completions = []
    expecteds = []
    for progress in progresses:
        counts[progress.status] += 1
        on_target += progress.status == ON_TRACK and progress.kind in LIMIT_KINDS
        if progress.completion is not None:
            completions.append(min(progress.completion, Decimal(1)))
            expecteds.append(progress.expected)
    average = sum(completions) / len(completions) if completions else None
    expected = sum(expecteds) / len(expecteds) if expecteds else None
    return Summary(counts, sum(counts.values()), average, expected, on_target)


@dataclass(frozen=True)
class Summary:
    """``counts[ON_TRACK]`` holds every target that is on track, floors and ceilings that hold
    included (charts and rankings count them as holding); the words split them, because a floor
    that holds is 达到目标, not 达到序时进度 (``on_schedule`` and ``on_target``)."""

    counts: dict
    total: int
    average_completion: Decimal | None  # each capped at 100 % so one overshoot hides no laggard
    average_expected: Decimal | None
    on_target: int = 0  # floors and ceilings that hold (达到目标 / 控制在目标内)

    @property
    def on_schedule(self):
        """Cumulative, stock and milestone targets at or ahead of 序时进度 (达到序时进度)."""
        return self.counts[ON_TRACK] - self.on_target

    @property
    def judged(self):
        """How many targets have a status to speak of (not 无数据, 待年终确定 or 待统计年报).
        A bulletin's stored counts may predate 待统计年报: a missing status counts none."""
        return self.total - sum(self.counts.get(status, 0) for status in WAITING)

    @property
    def holding(self):
        """How many are done or on track (a floor or ceiling that holds counts here)."""
        return self.counts[DONE] + self.counts[ON_TRACK]

    @property
    def share_on_track(self):
        if not self.judged:
            return None
        return Decimal(self.holding) / self.judged


# The opening of a verdict, by what the group of targets is.
VERDICT_LEADS = {
    "all": _("截至%(month)s底，%(total)s项目标中"),
    "section": _("截至%(month)s底，本板块%(total)s项目标中"),
    "filtered": _("截至%(month)s底，符合条件的%(total)s项目标中"),
    "department": _("截至%(month)s底，牵头的%(total)s项目标中"),
}


def count_words(summary, *, with_no_data=True):
    """A group of targets counted in words, the one way every page, workbook and bulletin says
    it: 已完成6项，达到序时进度21项，达到目标2项，滞后8项，严重滞后3项，无数据2项. Floors and
    ceilings that hold are 达到目标, never counted under 达到序时进度."""
    counts = summary.counts
    parts = [
        gettext("已完成%(n)s项") % {"n": counts[DONE]},
        gettext("达到序时进度%(n)s项") % {"n": summary.on_schedule},
    ]
    if summary.on_target:
        parts.append(gettext("达到目标%(n)s项") % {"n": summary.on_target})
    parts.append(gettext("滞后%(n)s项") % {"n": counts[BEHIND]})
    parts.append(gettext("严重滞后%(n)s项") % {"n": counts[FAR_BEHIND]})
    if with_no_data:
        parts.append(gettext("无数据%(n)s项") % {"n": counts[NO_DATA]})
    if counts[YEAR_END]:
        parts.append(gettext("待年终确定%(n)s项") % {"n": counts[YEAR_END]})
    if counts.get(ANNUAL):
        parts.append(gettext("待统计年报%(n)s项") % {"n": counts[ANNUAL]})
    return pgettext("between counts", "，").join(parts)


def verdict(month, summary, lead="all"):
    """The one-line verdict a page, the summary workbook and the bulletin open with."""
    opening = VERDICT_LEADS[lead] % {"month": month_label(month), "total": summary.total}
    return opening + count_words(summary) + pgettext("end of a sentence", "。")
