"""Reporting timeliness, department x month: on time, late, missing, not yet due."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators.models import Department, Indicator, ProgressEntry
from indicators.timeliness import (
    LATE,
    MISSING,
    NOT_DUE,
    NOTHING_DUE,
    ON_TIME,
    department_timeliness,
    month_state,
)

from .conftest import add_indicators, approve

SEPTEMBER_DEADLINE = datetime.date(2023, 10, 5)


def at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_month_state_rules():
    after = SEPTEMBER_DEADLINE + datetime.timedelta(days=1)
    assert month_state(0, 0, 0, 2023, 9, after, 5) == NOTHING_DUE
    assert month_state(3, 3, 0, 2023, 9, after, 5) == ON_TIME
    assert month_state(3, 3, 1, 2023, 9, after, 5) == LATE
    assert month_state(3, 2, 0, 2023, 9, after, 5) == MISSING
    # On the deadline day itself nothing is missing yet.
    assert month_state(3, 2, 0, 2023, 9, SEPTEMBER_DEADLINE, 5) == NOT_DUE
    assert month_state(3, 3, 0, 2023, 9, SEPTEMBER_DEADLINE, 5) == ON_TIME


def rsj_row(report, today):
    rsj = Department.objects.get(code="rsj")
    return next(r for r in department_timeliness(report, today) if r.department == rsj)


def test_rsj_reports_on_time_late_and_not_at_all(report):
    jobs, unemployment, households = (
        Indicator.objects.get(report=report, code=c) for c in ("LV-01", "LV-02", "LV-03")
    )
    for indicator in (jobs, unemployment, households):
        for month in range(1, 9):
            approve(indicator, month, 1, submitted_at=at(datetime.date(2023, month + 1, 4)))
    approve(jobs, 9, 1200, submitted_at=at(datetime.date(2023, 10, 5), 23))  # last hour: on time
    approve(unemployment, 9, 4, submitted_at=at(datetime.date(2023, 10, 6)))  # a day late
    ProgressEntry.objects.create(indicator=households, month=9, value=0, state="draft")
    row = rsj_row(report, datetime.date(2023, 11, 1))
    assert row.due == 3
    assert row.month(8).state == ON_TIME
    september = row.month(9)
    assert september.state == MISSING
    assert (september.approved, september.drafted, september.missing, september.late) == (
        2,
        1,
        1,
        1,
    )
    assert row.month(10).state == NOT_DUE  # October's figures are due by 5 November
    assert row.months_behind(9) == 1
    later = rsj_row(report, datetime.date(2023, 11, 6))
    assert later.month(10).state == MISSING and later.months_behind(10) == 2

    ProgressEntry.objects.filter(indicator=households, month=9).update(
        state="submitted", value=0, submitted_at=at(datetime.date(2023, 10, 2))
    )
    assert rsj_row(report, datetime.date(2023, 11, 1)).month(9).state == LATE
    assert rsj_row(report, datetime.date(2023, 10, 3)).month(10).state == NOT_DUE


def test_register_derived_targets_are_never_due(report):
    fgj = Department.objects.get(code="fgj")
    row = next(
        r for r in department_timeliness(report, datetime.date(2024, 2, 1)) if r.department == fgj
    )
    assert (
        row.due
        == Indicator.objects.filter(report=report, lead_department=fgj, register_rule="").count()
    )
    assert row.due == 2  # EC-05 and EC-06; PP-01..PP-09 come from the register


def test_three_queries_whatever_the_size(report):
    today = datetime.date(2024, 2, 1)
    with CaptureQueriesContext(connection) as small:
        department_timeliness(report, today)
    add_indicators(report, 400)
    with CaptureQueriesContext(connection) as large:
        rows = department_timeliness(report, today)
    assert len(small) == len(large) == 3
    assert (
        sum(r.due for r in rows)
        == Indicator.objects.filter(report=report, register_rule="").count()
    )
