"""Reporting timeliness: did each department get its month's figures in by the deadline?

For month m a department's *due* targets are those it leads that are typed in (targets derived
from the project register are never reported by hand) and whose reporting frequency asks for a
figure that month (a quarterly target is due in March, June, September and December only). The
deadline is ``Report.deadline`` (the report's deadline day of the next month, by default the
REPORT_DEADLINE_DAY setting). Each department × month cell is one of:

- ``on_time`` 按时报送: every due target submitted or approved, none submitted after the deadline;
- ``late`` 逾期报送: every due target in, but at least one submitted after the deadline;
- ``missing`` 未报送: the deadline has passed and some due target has nothing submitted or
  approved (``progress.is_missing``; a returned entry waiting for correction counts as missing);
- ``not_due`` 未到期: still open, the deadline has not passed;
- ``nothing_due`` 无任务: the department leads no typed-in target;
- ``annual`` 待统计年报: December's deadline has passed and every due target is in but those
  waiting for the annual statistics (``progress.awaits_annual_figure``, while the report is
  open): they are still not reported (``annual_open``), but neither missing, late nor reminded.

Each such target is counted once on the page: one with a December entry (a draft, a returned
one) by its entry's state like any row, one without any entry as ``awaiting``. A returned one
is not chased either: the department re-sends it with the annual statistics, not before, so
only the office's review comment asks for it (it is neither missing nor reminded).

A figure of a target awaiting the annual statistics is never late: it comes when the statistics
do, after December's deadline.

An entry approved without a recorded submission time (entered by the supervision office itself)
counts as on time: there is no evidence it was late.

``timeliness_for`` answers any number of reports in three queries whatever their size (the city
view reads many counties at once); ``department_timeliness`` is one report's answer, which the
dashboards and the Excel summary's 报送情况 sheet read. Only the report's own region's departments
appear.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import progress
from .models import Department, EntryState, Indicator, ProgressEntry

ON_TIME = "on_time"
LATE = "late"
MISSING = "missing"
NOT_DUE = "not_due"
NOTHING_DUE = "nothing_due"
ANNUAL = "annual"

STATES = (ON_TIME, LATE, MISSING, NOT_DUE, NOTHING_DUE, ANNUAL)
LABELS = {
    ON_TIME: _("按时报送"),
    LATE: _("逾期报送"),
    MISSING: _("未报送"),
    NOT_DUE: _("未到期"),
    NOTHING_DUE: _("无任务"),
    ANNUAL: _("待统计年报"),
}
# Short words for a heatmap cell.
SHORT_LABELS = {
    ON_TIME: _("按时"),
    LATE: _("逾期"),
    MISSING: _("未报"),
    NOT_DUE: _("未到期"),
    NOTHING_DUE: _("无"),
    ANNUAL: _("待年报"),
}

REPORTED = (EntryState.SUBMITTED, EntryState.APPROVED)


@dataclass(frozen=True)
class MonthTimeliness:
    """One department's reporting for one month. Counts are of its due targets."""

    month: int
    due: int
    drafted: int = 0
    submitted: int = 0  # waiting for review
    approved: int = 0
    returned: int = 0
    missing: int = 0  # nothing submitted or approved once the deadline passed (未报送)
    late: int = 0  # submitted or approved, but submitted after the deadline (逾期报送)
    awaiting: int = 0  # no entry at all, waiting for the annual statistics (待统计年报)
    # Not reported (no entry, a draft or a returned one), waiting for the annual statistics:
    # neither missing nor reminded. ``awaiting`` and the drafted and returned ones among them.
    annual_open: int = 0
    state: str = NOTHING_DUE

    @property
    def label(self):
        return LABELS[self.state]

    @property
    def waiting(self):
        """Due targets not yet submitted or approved that a reminder is about (not those
        waiting for the annual statistics, whether without an entry or drafted or returned)."""
        return self.due - self.submitted - self.approved - self.annual_open

    @property
    def is_behind(self):
        """Late or missing: what the leader in charge is told about."""
        return self.state in (LATE, MISSING)


@dataclass(frozen=True)
class DepartmentTimeliness:
    department: Department
    due: int  # typed-in targets it leads (each due in the months its frequency asks for)
    months: tuple  # MonthTimeliness for months 1..12

    def month(self, month):
        return self.months[month - 1]

    def months_behind(self, until=12):
        """How many months up to ``until`` were reported late or not at all."""
        return sum(1 for m in self.months[:until] if m.is_behind)


def month_state(due, reported, late, year, month, today, deadline_day, awaiting=0):
    """The state of one department × month cell from its counts (pure); ``awaiting``: due
    targets not reported that wait for the annual statistics."""
    if not due:
        return NOTHING_DUE
    if reported >= due:
        return LATE if late else ON_TIME
    if not progress.is_missing(False, year, month, today, deadline_day):
        return NOT_DUE
    return ANNUAL if reported + awaiting >= due else MISSING


def department_timeliness(report, today=None, departments=None, deadline_day=None):
    """Every department's reporting for each month of ``report``, as of ``today``: a list of
    ``DepartmentTimeliness`` in department order (only those in ``departments`` when given),
    each with twelve ``MonthTimeliness``."""
    return timeliness_for([report], today, departments, deadline_day)[report.pk]


def timeliness_for(reports, today=None, departments=None, deadline_day=None):
    """{report id: department_timeliness(report)} for several reports in three queries.
    ``deadline_day`` overrides each report's own (``Report.deadline_day_in_force``)."""
    today = today or timezone.localdate()
    reports = list(reports)
    days = {r.pk: deadline_day or r.deadline_day_in_force for r in reports}
    typed_in = Indicator.objects.filter(report__in=reports, register_rule="")
    entries = ProgressEntry.objects.filter(
        indicator__report__in=reports, indicator__register_rule=""
    )
    if departments is None:
        departments = list(
            Department.objects.filter(region__in={r.region_id for r in reports}).select_related(
                "leader"
            )
        )
    else:
        ids = [d.pk for d in departments]
        typed_in = typed_in.filter(lead_department__in=ids)
        entries = entries.filter(indicator__lead_department__in=ids)
    due = _due_counts(typed_in)
    counts = _entry_counts(entries, reports, days)
    return {
        report.pk: [
            _department_row(report, department, due, counts, _as_of(report, today), days[report.pk])
            for department in departments
            if department.region_id == report.region_id
        ]
        for report in reports
    }


def _as_of(report, today):
    """The day ``report``'s months are judged on: ``today``, but the eve of its year while it is
    being set up (筹备): nothing of it is due yet, so nothing is late."""
    if report.is_published:
        return today
    return min(today, datetime.date(report.year, 1, 1) - datetime.timedelta(days=1))


COUNTED = ("drafted", "submitted", "approved", "returned", "late", "annual_in", "annual_entered")
# Targets closed by the annual statistics, of their December (``progress.awaits_annual_figure``).
ANNUAL_MONTH = Q(indicator__awaits_annual_statistics=True, month=12)


def _due_counts(typed_in):
    """Targets led per (report, department), over all frequencies: {(report id, department
    id): [how many in all, how many due in month 1, …, in month 12, how many closed by the
    annual statistics]}."""
    due = {}
    for report_id, department_id, frequency, flagged, count in (
        typed_in.values_list("report", "lead_department", "frequency", "awaits_annual_statistics")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        led = due.setdefault((report_id, department_id), [0] * 14)
        led[0] += count
        led[13] += count if flagged else 0  # December's, waiting for the annual statistics
        for month in progress.DUE_MONTHS[frequency]:
            led[month] += count
    return due


def _entry_counts(entries, reports, days):
    """The entries of months that ask for a figure, counted by state (and late) per (report id,
    department id, month)."""
    counts = {}
    for row in (
        entries.values(
            "indicator__report", "indicator__lead_department", "indicator__frequency", "month"
        )
        .annotate(
            drafted=Count("pk", filter=Q(state=EntryState.DRAFT)),
            submitted=Count("pk", filter=Q(state=EntryState.SUBMITTED)),
            approved=Count("pk", filter=Q(state=EntryState.APPROVED)),
            returned=Count("pk", filter=Q(state=EntryState.RETURNED)),
            late=Count(
                "pk",
                filter=Q(state__in=REPORTED) & _submitted_late(reports, days) & ~ANNUAL_MONTH,
            ),
            annual_in=Count("pk", filter=Q(state__in=REPORTED) & ANNUAL_MONTH),
            annual_entered=Count("pk", filter=ANNUAL_MONTH),
        )
        .order_by()
    ):
        if not progress.is_due(row["indicator__frequency"], row["month"]):
            continue  # a figure given in a month that asks for none: not counted either way
        key = (row["indicator__report"], row["indicator__lead_department"], row["month"])
        total = counts.setdefault(key, dict.fromkeys(COUNTED, 0))
        for name in COUNTED:
            total[name] += row[name]
    return counts


def _department_row(report, department, due, counts, today, day):
    # [all targets led, due in 1..12, closed by the annual statistics]
    led = due.get((report.pk, department.pk), [0] * 14)
    months = []
    for month in range(1, 13):
        row = counts.get((report.pk, department.pk, month), {})
        month_due = led[month]
        reported = row.get("submitted", 0) + row.get("approved", 0)
        annual_open = _awaiting(report, month, led[13], row.get("annual_in", 0))
        state = month_state(
            month_due, reported, row.get("late", 0), report.year, month, today, day, annual_open
        )
        months.append(
            MonthTimeliness(
                month=month,
                due=month_due,
                drafted=row.get("drafted", 0),
                submitted=row.get("submitted", 0),
                approved=row.get("approved", 0),
                returned=row.get("returned", 0),
                missing=month_due - reported - annual_open if state == MISSING else 0,
                late=row.get("late", 0),
                awaiting=_awaiting(report, month, led[13], row.get("annual_entered", 0)),
                annual_open=annual_open,
                state=state,
            )
        )
    return DepartmentTimeliness(department, led[0], tuple(months))


def _awaiting(report, month, flagged, flagged_in):
    """How many of a department's targets closed by the annual statistics have no December
    ``flagged_in`` (a reported figure, or any entry) yet, while the report is open
    (``progress.awaits_annual_figure`` counted)."""
    if not report.is_open or not progress.awaits_annual_figure(flagged, month, False):
        return 0
    return flagged - flagged_in


def _submitted_late(reports, days):
    """Entries whose last submission came after their month's deadline day had ended."""
    late = Q()
    for key in {(r.year, days[r.pk]) for r in reports}:
        year, day = key
        ids = [r.pk for r in reports if (r.year, days[r.pk]) == key]
        for month in range(1, 13):
            next_day = progress.deadline(year, month, day) + datetime.timedelta(days=1)
            cutoff = timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))
            late |= Q(indicator__report__in=ids, month=month, submitted_at__gte=cutoff)
    return late
