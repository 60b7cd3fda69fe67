"""Reporting timeliness: did each department get its month's figures in by the deadline?

For month m a department's *due* targets are those it leads that are typed in (targets derived
from the project register are never reported by hand). The deadline is ``progress.deadline``
(the REPORT_DEADLINE_DAY of the next month). Each department × month cell is one of:

- ``on_time`` 按时报送: every due target submitted or approved, none submitted after the deadline;
- ``late`` 逾期报送: every due target in, but at least one submitted after the deadline;
- ``missing`` 未报送: the deadline has passed and some due target has nothing submitted or
  approved (``progress.is_missing``; a returned entry waiting for correction counts as missing);
- ``not_due`` 未到期: still open, the deadline has not passed;
- ``nothing_due`` 无任务: the department leads no typed-in target.

An entry approved without a recorded submission time (entered by the supervision office itself)
counts as on time: there is no evidence it was late.

``department_timeliness`` answers the whole report in three queries whatever its size; the
dashboards and the Excel summary's 报送情况 sheet both read it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
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

STATES = (ON_TIME, LATE, MISSING, NOT_DUE, NOTHING_DUE)
LABELS = {
    ON_TIME: _("按时报送"),
    LATE: _("逾期报送"),
    MISSING: _("未报送"),
    NOT_DUE: _("未到期"),
    NOTHING_DUE: _("无任务"),
}
# Short words for a heatmap cell.
SHORT_LABELS = {
    ON_TIME: _("按时"),
    LATE: _("逾期"),
    MISSING: _("未报"),
    NOT_DUE: _("未到期"),
    NOTHING_DUE: _("无"),
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
    state: str = NOTHING_DUE

    @property
    def label(self):
        return LABELS[self.state]

    @property
    def is_behind(self):
        """Late or missing: what the leader in charge is told about."""
        return self.state in (LATE, MISSING)


@dataclass(frozen=True)
class DepartmentTimeliness:
    department: Department
    due: int
    months: tuple  # MonthTimeliness for months 1..12

    def month(self, month):
        return self.months[month - 1]

    def months_behind(self, until=12):
        """How many months up to ``until`` were reported late or not at all."""
        return sum(1 for m in self.months[:until] if m.is_behind)


def month_state(due, reported, late, year, month, today, deadline_day):
    """The state of one department × month cell from its counts (pure)."""
    if not due:
        return NOTHING_DUE
    if reported >= due:
        return LATE if late else ON_TIME
    if progress.is_missing(False, year, month, today, deadline_day):
        return MISSING
    return NOT_DUE


def department_timeliness(report, today=None, departments=None, deadline_day=None):
    """Every department's reporting for each month of ``report``, as of ``today``.

    Returns a list of ``DepartmentTimeliness`` in department order (only those given in
    ``departments`` when it is set), each with twelve ``MonthTimeliness``. Three queries (two
    when ``departments`` is given), whatever the number of targets and entries.
    """
    today = today or timezone.localdate()
    day = deadline_day or settings.REPORT_DEADLINE_DAY
    typed_in = Indicator.objects.filter(report=report, register_rule="")
    entries = ProgressEntry.objects.filter(indicator__report=report, indicator__register_rule="")
    if departments is None:
        departments = list(Department.objects.select_related("leader"))
    else:
        ids = [d.pk for d in departments]
        typed_in = typed_in.filter(lead_department__in=ids)
        entries = entries.filter(indicator__lead_department__in=ids)
    due = dict(
        typed_in.values_list("lead_department").annotate(n=Count("pk")).order_by("lead_department")
    )
    counts = {
        (row["indicator__lead_department"], row["month"]): row
        for row in entries.values("indicator__lead_department", "month")
        .annotate(
            drafted=Count("pk", filter=Q(state=EntryState.DRAFT)),
            submitted=Count("pk", filter=Q(state=EntryState.SUBMITTED)),
            approved=Count("pk", filter=Q(state=EntryState.APPROVED)),
            returned=Count("pk", filter=Q(state=EntryState.RETURNED)),
            late=Count("pk", filter=Q(state__in=REPORTED) & _submitted_late(report.year, day)),
        )
        .order_by()
    }
    rows = []
    for department in departments:
        department_due = due.get(department.pk, 0)
        months = []
        for month in range(1, 13):
            row = counts.get((department.pk, month), {})
            reported = row.get("submitted", 0) + row.get("approved", 0)
            state = month_state(
                department_due, reported, row.get("late", 0), report.year, month, today, day
            )
            missing = department_due - reported if state == MISSING else 0
            months.append(
                MonthTimeliness(
                    month=month,
                    due=department_due,
                    drafted=row.get("drafted", 0),
                    submitted=row.get("submitted", 0),
                    approved=row.get("approved", 0),
                    returned=row.get("returned", 0),
                    missing=missing,
                    late=row.get("late", 0),
                    state=state,
                )
            )
        rows.append(DepartmentTimeliness(department, department_due, tuple(months)))
    return rows


def _submitted_late(year, day):
    """Entries whose last submission came after their month's deadline day had ended."""
    late = Q()
    for month in range(1, 13):
        next_day = progress.deadline(year, month, day) + datetime.timedelta(days=1)
        cutoff = timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))
        late |= Q(month=month, submitted_at__gte=cutoff)
    return late
