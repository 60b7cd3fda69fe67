"""A city's view of its counties: each county's report for a year, side by side, read in the
same fixed number of queries however many counties there are (``standing.judged_many``,
``timeliness.timeliness_for``), and the same rows as a workbook."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import progress, timeliness
from indicators.models import Region, Report
from indicators.xlsx import INTEGER, PERCENT, WRAP, Column, Sheet, listing, write_workbook

from .standing import judged_many

FAR_BEHIND_SHOWN = 5


@dataclass
class CountyRow:
    """One county's standing as of the month."""

    report: Report
    summary: progress.Summary
    on_time: int  # departments that reported the month on time
    reporting: int  # departments due to report the month whose deadline has passed
    far_behind: list  # judged indicators, report order

    @property
    def region(self):
        return self.report.region

    @property
    def on_time_share(self):
        return Decimal(self.on_time) / self.reporting if self.reporting else None

    @property
    def far_behind_shown(self):
        return self.far_behind[:FAR_BEHIND_SHOWN]


def children_of(parent):
    return list(Region.objects.filter(parent=parent).order_by("code", "name"))


def county_rows(parent, year, month, today=None):
    """(rows, standings): each child region's report of ``year`` as of ``month``, and every
    judged indicator by report id (for comparing a target across counties)."""
    today = today or timezone.localdate()
    reports = list(
        Report.objects.published()
        .filter(region__parent=parent, year=year)
        .select_related("region")
        .order_by("region__code", "region__name")
    )
    standings = judged_many(reports, month)
    reporting = timeliness.timeliness_for(reports, today)
    rows = []
    for report in reports:
        indicators = standings[report.pk]
        cells = [row.month(month) for row in reporting[report.pk]]
        late_or_in = [c for c in cells if c.state in (timeliness.ON_TIME, *_BEHIND)]
        rows.append(
            CountyRow(
                report=report,
                summary=progress.summarise(i.progress for i in indicators),
                on_time=sum(1 for c in late_or_in if c.state == timeliness.ON_TIME),
                reporting=len(late_or_in),
                far_behind=[i for i in indicators if i.progress.status == progress.FAR_BEHIND],
            )
        )
    return rows, standings


_BEHIND = (timeliness.LATE, timeliness.MISSING)


def shared_targets(standings):
    """Target names found in at least two counties' reports, for the comparison picker."""
    counties = {}
    for indicators in standings.values():
        for name in {i.name for i in indicators}:
            counties[name] = counties.get(name, 0) + 1
    return sorted(name for name, count in counties.items() if count >= 2)


def compared(rows, standings, name):
    """(county names, values, expected or limit, unit, target-or-None) of the target ``name``
    in each county that has it: completion in percent, or a floor/ceiling's reading."""
    names, values, marks, unit, limit = [], [], [], "%", None
    for row in rows:
        found = next((i for i in standings[row.report.pk] if i.name == name), None)
        if found is None:
            continue
        judged = found.progress
        names.append(row.region.name)
        if found.is_ratio:
            values.append(None if judged.completion is None else judged.completion * 100)
            marks.append(None if judged.expected is None else judged.expected * 100)
        else:
            unit, limit = found.unit, found.target
            values.append(judged.actual)
            marks.append(found.target)
    return names, values, marks, unit, limit


# --- The workbook --------------------------------------------------------------------------------


def region_sheets(parent, year, month, rows):
    title = _("%(city)s所辖地区%(year)s年政府工作报告目标任务对比（截至%(month)s底）") % {
        "city": parent.name,
        "year": year,
        "month": progress.month_label(month),
    }
    columns = [
        Column(_("地区"), 12),
        Column(_("目标数"), 8, INTEGER),
        *(Column(str(progress.STATUS_LABELS[s]), 9, INTEGER) for s in progress.STATUSES),
        Column(_("已完成或达到序时进度占比"), 12, PERCENT),
        Column(_("按时报送的单位占比"), 12, PERCENT),
        Column(_("严重滞后的目标"), 50, WRAP),
    ]
    body = (
        (
            row.region.name,
            row.summary.total,
            *(row.summary.counts[s] for s in progress.STATUSES),
            row.summary.share_on_track,
            row.on_time_share,
            listing(f"{i.code} {i.name}" for i in row.far_behind),
        )
        for row in rows
    )
    return [Sheet(_("各地区对比"), columns, body, title=title)]


def write_regions(parent, year, month, rows, out):
    return write_workbook(region_sheets(parent, year, month, rows), out)
