"""The last approved figures of a target or a project before a month, across the turn of the year:
this year's approved months before it, then, where they are fewer than wanted, the last approved
months of the region's report of the year before (the same code: a target or a project carried
into this year keeps it). What the review queue puts beside a figure waiting for approval, so the
office judges a number against its own series, not alone.

Two queries per kind of row (targets, projects) whatever the number of rows and reports.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext

from indicators.models import EntryState
from indicators.numbers import amount

LAST = 12  # how many approved figures a reviewer sees beside a waiting one


@dataclass(frozen=True)
class Recent:
    """One approved figure: its report's year, its month and its value."""

    year: int
    month: int
    value: Decimal

    @property
    def text(self):
        return amount(self.value, 4)


@dataclass(frozen=True)
class RecentYear:
    """A year's run of the recent figures, oldest first, with the year said in words."""

    year: int
    items: list

    @property
    def label(self):
        return gettext("%(year)s年") % {"year": self.year}


def attach(rows, reports, last=LAST):
    """Give each waiting row (a ProgressEntry or ProjectProgress, all of one model, of the
    ``reports`` given) ``.recent``: its subject's last ``last`` approved figures before its month,
    oldest first, as `RecentYear` runs; and ``.previous``: the latest of this year's, or None."""
    if not rows:
        return rows
    model = type(rows[0])
    reports = {report.pk: report for report in reports}
    this_year = _this_year(model, rows)
    last_year = _last_year(model, rows, reports)
    for row in rows:
        report = reports[row.subject.report_id]
        earlier = [
            Recent(report.year, month, value)
            for month, value in this_year.get(row.subject_id, ())
            if month < row.month
        ]
        wanted = max(last - len(earlier), 0)
        before = last_year.get((report.region_id, report.year - 1, row.subject.code), [])
        series = (before[-wanted:] if wanted else []) + earlier[-last:]
        row.previous = earlier[-1] if earlier else None
        row.recent = _by_year(series)
    return rows


def _this_year(model, rows):
    """{subject id: [(month, value)] of its approved figures before the latest waiting month,
    by month}."""
    key = f"{model.subject_field}_id"
    found = {}
    approved = model.objects.filter(
        **{f"{key}__in": {row.subject_id for row in rows}},
        month__lt=max(row.month for row in rows),
        state=EntryState.APPROVED,
    )
    for subject_id, month, value in approved.order_by(key, "month").values_list(
        key, "month", model.value_field
    ):
        found.setdefault(subject_id, []).append((month, value))
    return found


def _last_year(model, rows, reports):
    """{(region id, year, code): approved figures of that year's report, by month}, for the
    year before each of ``reports`` and the codes of ``rows``."""
    subject = model.subject_field
    years = Q()
    for report in {reports[row.subject.report_id] for row in rows}:
        years |= Q(
            **{f"{subject}__report__region_id": report.region_id},
            **{f"{subject}__report__year": report.year - 1},
        )
    approved = model.objects.filter(
        years,
        **{f"{subject}__code__in": {row.subject.code for row in rows}},
        state=EntryState.APPROVED,
    )
    found = {}
    for region_id, year, code, month, value in approved.order_by("month").values_list(
        f"{subject}__report__region_id",
        f"{subject}__report__year",
        f"{subject}__code",
        "month",
        model.value_field,
    ):
        found.setdefault((region_id, year, code), []).append(Recent(year, month, value))
    return found


def _by_year(series):
    """``series`` (oldest first) as runs of one year each."""
    runs = []
    for item in series:
        if runs and runs[-1].year == item.year:
            runs[-1].items.append(item)
        else:
            runs.append(RecentYear(item.year, [item]))
    return runs
