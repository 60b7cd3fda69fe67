"""Which report and month a dashboard shows: from ``?year=&month=``, else DESIGN's defaults."""

from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from .models import Report


@dataclass(frozen=True)
class Period:
    report: Report
    month: int

    @property
    def year(self):
        return self.report.year


def default_month(report, today):
    """The report's last month if its year is over, else the current month."""
    if today.year > report.year:
        return 12
    if today.year < report.year:
        return 1
    return today.month


def _int_or_none(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def resolve_period(request):
    """The period a dashboard request asks for; unknown years answer 404, bad months fall back."""
    year = _int_or_none(request.GET.get("year"))
    reports = Report.objects.latest_first()
    report = reports.filter(year=year).first() if year else reports.first()
    if report is None:
        raise Http404("no such report")
    month = _int_or_none(request.GET.get("month"))
    if month is None or not 1 <= month <= 12:
        month = default_month(report, timezone.localdate())
    return Period(report, month)


def reporting_month(report, today, deadline_day=None):
    """The month a reporter is due to fill in: last month until its deadline, then this one."""
    from django.conf import settings

    from .progress import deadline

    if today.year > report.year:
        return 12
    if today.year < report.year:
        return 1
    day = deadline_day or settings.REPORT_DEADLINE_DAY
    if today.month > 1 and today <= deadline(report.year, today.month - 1, day):
        return today.month - 1
    return today.month
