"""Departments ranked: the overview's ranking as of a month, and the league table over the year.

Both read the judged list (``standing.judged``) and reporting timeliness; neither judges."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from indicators import progress
from indicators.models import Department
from indicators.timeliness import LATE, MISSING, ON_TIME


@dataclass(frozen=True)
class RankedDepartment:
    department: Department
    summary: progress.Summary
    timeliness: object  # timeliness.DepartmentTimeliness
    month: int  # the month the page shows
    months_behind: int  # months up to ``month`` reported late or not at all

    @property
    def this_month(self):
        return self.timeliness.month(self.month)


def department_ranking(indicators, timeliness, month):
    """Departments best first: share of their targets on track, then fewest far behind, then
    fewest months reported late. Departments with nothing to judge or report are left out."""
    by_department = defaultdict(list)
    for indicator in indicators:
        by_department[indicator.lead_department_id].append(indicator.progress)
    ranked = []
    for row in timeliness:
        members = by_department.get(row.department.pk, [])
        if not members and not row.due:
            continue
        ranked.append(
            RankedDepartment(
                department=row.department,
                summary=progress.summarise(members),
                timeliness=row,
                months_behind=row.months_behind(month),
                month=month,
            )
        )

    def key(item):
        share = item.summary.share_on_track
        return (
            share is None,
            -(share or 0),
            item.summary.counts[progress.FAR_BEHIND],
            item.months_behind,
            item.department.order,
        )

    return sorted(ranked, key=key)


@dataclass(frozen=True)
class LeagueRow:
    """A department's year so far: reporting on time, targets holding, and the trend."""

    department: Department
    summary: progress.Summary  # its targets as of the month
    previous: progress.Summary | None  # as of the month before
    on_time: int  # months reported on time, of those decided (deadline passed or all in)
    decided: int
    far_behind: int
    stale: int  # targets whose figure has not moved for three months
    at_risk: int = 0  # targets projected to miss the year (预计难以完成)

    @property
    def on_time_share(self):
        return Decimal(self.on_time) / self.decided if self.decided else None

    @property
    def trend_points(self):
        """Change in the share done or on track since last month, in percentage points."""
        now = self.summary.share_on_track
        before = self.previous.share_on_track if self.previous else None
        if now is None or before is None:
            return None
        return (now - before) * 100


def league_table(indicators, previous, timeliness, month):
    """Departments ranked over the year: share of targets done or on track, then share of
    months reported on time, then fewest far behind. ``previous``: the judged list a month
    earlier (None in January). Departments with nothing to judge or report are left out."""
    now, before = defaultdict(list), defaultdict(list)
    stale, at_risk = defaultdict(int), defaultdict(int)
    for indicator in indicators:
        now[indicator.lead_department_id].append(indicator.progress)
        stale[indicator.lead_department_id] += getattr(indicator, "is_stale", False)
        at_risk[indicator.lead_department_id] += indicator.forecast.is_at_risk
    for indicator in previous or ():
        before[indicator.lead_department_id].append(indicator.progress)
    rows = []
    for row in timeliness:
        pk = row.department.pk
        if not now.get(pk) and not row.due:
            continue
        states = [cell.state for cell in row.months[:month]]
        summary = progress.summarise(now.get(pk, []))
        rows.append(
            LeagueRow(
                department=row.department,
                summary=summary,
                previous=progress.summarise(before.get(pk, [])) if previous is not None else None,
                on_time=states.count(ON_TIME),
                decided=sum(1 for state in states if state in (ON_TIME, LATE, MISSING)),
                far_behind=summary.counts[progress.FAR_BEHIND],
                stale=stale[pk],
                at_risk=at_risk[pk],
            )
        )

    def key(item):
        share, on_time = item.summary.share_on_track, item.on_time_share
        return (
            share is None,
            -(share or 0),
            on_time is None,
            -(on_time or 0),
            item.far_behind,
            item.department.order,
        )

    return sorted(rows, key=key)
