"""Which report and month a request means: the one answer every page, export, form and command
asks (views never read ``?report=``, ``?year=`` or ``?month=`` themselves).

- `resolve_period`: a dashboard's report and month, from ``?report=&month=`` (or ``?year=``),
  else DESIGN's defaults: the user's own region's latest *published* report (in January and
  February the old year's, until the office publishes the new one), its last month if the year
  is over, else the current month;
- `period_of`: the month of a page that belongs to one report (a section, a target);
- `report_of_year`: the report of a year a URL names (the monthly form, review, imports, the
  bulletin), ``?report=`` choosing among regions;
- `open_reports`: the reports still reported and reviewed (执行, 收尾), both years at the turn
  of the year; `reporter_report`, the newest of them for a reporter, and `reporting_month`, the
  month a report is due to be filled in; `reportable_months` and `landing_period`, the months a
  reporter may fill in and where their login lands (what is still owed is
  ``reporting.rows.due_months``);
- `review_scope`: the reports whose waiting rows the review queue lists (every open report the
  office reviews, or the one it picks);
- `command_report`: the report a management command means (no user: every report counts).

Only reports the user may open are ever chosen (``access.report_list``); another answers 404.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from . import access
from .models import Report
from .progress import deadline


@dataclass(frozen=True)
class Period:
    report: object
    month: int

    @property
    def year(self):
        return self.report.year

    @property
    def query(self):
        """The query string that keeps this report and month in every link and form."""
        return urlencode({"report": self.report.pk, "month": self.month})


def default_month(report, today):
    """The report's last month if its year is over, else the current month."""
    if today.year > report.year:
        return 12
    if today.year < report.year:
        return 1
    return today.month


def parse_int(text):
    """A whole number from a query parameter, or None for anything else."""
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def month_or_default(text, report):
    """The month ``text`` names (1–12), else the report's default month."""
    month = parse_int(text)
    if month is None or not 1 <= month <= 12:
        return default_month(report, timezone.localdate())
    return month


def offered_reports(user, region_id=None):
    """The reports ``user`` may open, newest first; ``region_id`` keeps one region's."""
    return [r for r in access.report_list(user) if region_id is None or r.region_id == region_id]


def choose_report(user, report_id=None, year=None, region_id=None):
    """The report a page shows: ``report_id`` if the user may open it (404 otherwise), else
    their own region's report of ``year`` (or latest), else any report they may open.
    ``region_id`` keeps the choice to one region's reports (a department's page)."""
    reports = offered_reports(user, region_id)
    if report_id is not None:
        report = next((r for r in reports if r.pk == report_id), None)
        if report is None:
            raise Http404("no such report")
        return report
    if year is not None:
        reports = [r for r in reports if r.year == year]
    home = access.home_region_id(user)
    own = [r for r in reports if r.region_id == home] if home else []
    report = newest_published(own) or newest_published(reports)
    if report is None:
        raise Http404("no such report")
    return report


def newest_published(reports):
    """The first published report of ``reports`` (newest first), else the first, else None: a
    report in 筹备 is the default only when nothing else is there."""
    return next((r for r in reports if r.is_published), None) or next(iter(reports), None)


def resolve_period(request, region_id=None):
    """The period a request asks for; unknown or unseen reports answer 404, bad months fall back.
    ``region_id``: only that region's reports (see `choose_report`)."""
    params = request.GET
    report = choose_report(
        request.user, parse_int(params.get("report")), parse_int(params.get("year")), region_id
    )
    return Period(report, month_or_default(params.get("month"), report))


def period_of(request, report):
    """The month asked for on a page that belongs to one ``report`` (a section, a target)."""
    return Period(report, month_or_default(request.GET.get("month"), report))


def report_of_year(request, year):
    """The report of ``year`` a page works on (its URL names the year): ``?report=`` (in the
    query string, or posted) if the user may open it, else their own region's; 404 when there
    is none of that year the user may open."""
    text = request.POST.get("report") if request.method == "POST" else None
    report = choose_report(request.user, parse_int(text or request.GET.get("report")), year)
    if report.year != year:
        raise Http404("no such report for that year")
    return report


def open_reports(user, region_id=None):
    """The reports ``user`` may open whose months are still reported and reviewed (执行, 收尾),
    newest first: at the turn of the year, both years'."""
    return [r for r in offered_reports(user, region_id) if r.is_open]


def reporter_reports(user):
    """The open reports of a reporter's region, newest first: those whose months they owe."""
    region_id = user.department.region_id if user.department_id else None
    return open_reports(user, region_id)


def reporter_report(user):
    """The report a reporter works on when none is asked for: their region's newest open one,
    or None."""
    return next(iter(reporter_reports(user)), None)


def reportable_months(report, today):
    """The months of ``report`` a reporter may fill in by ``today``: 1 up to its
    `reporting_month`, none while its year has not begun (a month cannot be reported early)."""
    if today.year < report.year:
        return range(1, 1)
    return range(1, reporting_month(report, today) + 1)


def current_period(reports, today):
    """The month a reporter fills in when nothing is owed: the current month of the newest of
    ``reports`` (open, newest first) whose year has begun; None when there is no report."""
    report = next((r for r in reports if reportable_months(r, today)), None)
    report = report or next(iter(reports), None)
    return Period(report, reporting_month(report, today)) if report else None


def landing_period(reports, due, today):
    """Where a reporter lands, given ``due``, the (report, month) pairs still owed across
    ``reports`` (oldest first, see ``reporting.rows.due_months``): the one report's month when all
    that is owed lies in one report (its current month if owed, else the oldest owed), the
    current month when nothing is; None when two reports owe months, which a page must list."""
    owing = {item.report.pk for item in due}
    if len(owing) > 1:
        return None
    if not due:
        return current_period(reports, today)
    report = due[0].report
    month = reporting_month(report, today)
    if not any(item.month == month for item in due):
        month = due[0].month
    return Period(report, month)


def reviewed_reports(user):
    """The reports ``user`` may open and review (the review page's picker), newest first."""
    return [r for r in access.report_list(user) if access.can_review_report(user, r)]


@dataclass(frozen=True)
class ReviewScope:
    """What the review queue shows: the waiting rows of ``reports``; its filters and month locks
    belong to ``period``'s report; ``is_chosen`` when the request picked that one report."""

    period: Period
    reports: list
    is_chosen: bool


def review_scope(request):
    """The review queue's reports: the one ``?report=`` (or ``?year=``) picks, else every open
    report the user reviews, oldest first (December's late rows above January's), with the
    default period (the newest published report) for the filters and locks. A picked report the
    user may not open answers 404 (`choose_report`); the view checks it may review it."""
    period = resolve_period(request)
    is_chosen = any(parse_int(request.GET.get(key)) is not None for key in ("report", "year"))
    if is_chosen:
        return ReviewScope(period, [period.report], True)
    reviewed = [r for r in open_reports(request.user) if access.can_review_report(request.user, r)]
    return ReviewScope(period, sorted(reviewed, key=lambda r: r.year), False)


def command_report(year=None, region=None):
    """The report a command means: the latest published (of ``year``), of ``region`` (its name,
    6-digit code or id) when several regions share a server; None when there is none."""
    reports = Report.objects.latest_first()
    if year is not None:
        reports = reports.filter(year=year)
    if region:
        text = str(region).strip()
        named = Q(region__name=text) | Q(region__code=text)
        reports = reports.filter(named | Q(region_id=int(text)) if text.isdigit() else named)
    return newest_published(list(reports))


def reporting_month(report, today, deadline_day=None):
    """The month a reporter is due to fill in: last month until its deadline, then this one."""
    if today.year > report.year:
        return 12
    if today.year < report.year:
        return 1
    day = deadline_day or report.deadline_day_in_force
    if today.month > 1 and today <= deadline(report.year, today.month - 1, day):
        return today.month - 1
    return today.month
