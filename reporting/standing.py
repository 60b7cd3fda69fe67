"""Where every target stands as of a month: its latest approved value (typed in, or derived from
the project register) judged by ``indicators.progress``, and where it will stand in December
(``indicators.forecast``). Every dashboard, the Excel summary, the 通报, the reminders, the big
screen and the city's view read this one list; none of them recomputes a status or a forecast.
"""

from indicators import forecast, progress
from indicators.models import EntryState, Indicator, ProgressEntry
from projects.register import derived_values_for, list_url

# A typed-in figure that reads the same for this many monthly readings in a row is flagged
# (数据未更新): a department copying last month's number forward.
STALE_MONTHS = 3
STALE_KINDS = (progress.CUMULATIVE, progress.MILESTONE)


def judged(report, month, indicators=None):
    """Every indicator of ``report`` (or of the ``indicators`` queryset) as of ``month``, each
    with ``.progress`` (a ``progress.Progress``), ``.forecast`` (a ``forecast.Forecast``) and
    ``.register_url`` (the projects behind a derived number, else None).

    A fixed number of queries whatever the size of the report: the indicators with their latest
    approved entries, their approved series for the forecasts, and one aggregate over the
    project register when any is derived.
    """
    queryset = Indicator.objects.all() if indicators is None else indicators
    return _judge(
        list(queryset.for_report(report).with_progress(month)), {report.pk: report}, month
    )


def judged_many(reports, month):
    """{report id: judged(report, month)} for several reports (a city's counties) in the same
    fixed number of queries as one."""
    reports = {report.pk: report for report in reports}
    rows = list(
        Indicator.objects.filter(report__in=reports)
        .select_related("section", "lead_department")
        .order_by("report", "section__order", "section_id", "order", "code")
        .with_progress(month)
    )
    by_report = {pk: [] for pk in reports}
    for indicator in _judge(rows, reports, month):
        by_report[indicator.report_id].append(indicator)
    return by_report


def register_url(indicator, period):
    """The projects behind a derived target's number as of ``period`` (None for typed ones)."""
    if not indicator.register_rule:
        return None
    return list_url(period.report, indicator.register_rule, period.month)


def _judge(rows, reports, month):
    needs = [reports[pk] for pk in {i.report_id for i in rows if i.register_rule}]
    derived = derived_values_for(needs, month) if needs else {}
    series = approved_series([i for i in rows if not i.register_rule], month)
    for indicator in rows:
        indicator.register_url = None
        if indicator.register_rule:
            report = reports[indicator.report_id]
            indicator.actual = derived[report.pk].get(indicator.register_rule)
            # The register as of the month only: each earlier month would cost an aggregate
            # over every project. A derived count or sum is projected from its month's figure
            # (a stock held at its level, a cumulative one at its pace against the plan).
            indicator.series = {month: indicator.actual}
            indicator.register_url = list_url(report, indicator.register_rule, month)
        else:
            indicator.series = series.get(indicator.pk, {})
        indicator.progress = indicator.judge(month, indicator.actual, indicator.actual_month)
        indicator.forecast = indicator.project(month, indicator.series)
    return rows


def approved_series(indicators, month):
    """{indicator id: {month: approved value}} of ``indicators``' months up to ``month`` that a
    forecast reads (targets that can have one): one query."""
    wanted = [
        i.pk
        for i in indicators
        if forecast.applies(i.kind, frequency=i.frequency, is_year_end_only=i.is_year_end_only)
    ]
    series = {}
    if wanted:
        for indicator_id, entry_month, value in ProgressEntry.objects.filter(
            indicator__in=wanted, month__lte=month, state=EntryState.APPROVED
        ).values_list("indicator", "month", "value"):
            series.setdefault(indicator_id, {})[entry_month] = value
    return series


def mark_staleness(indicators, month):
    """Flag (``.is_stale``) the judged targets whose approved figure has not changed for
    ``STALE_MONTHS`` monthly readings up to ``month``: accumulating, typed in, monthly, not yet
    done. ``.last_updated``: the month of the latest approved figure. One query."""
    first = month - STALE_MONTHS + 1
    candidates = {
        i.pk: i
        for i in indicators
        if not i.register_rule
        and i.kind in STALE_KINDS
        and i.frequency == progress.MONTHLY
        and i.progress.status != progress.DONE
    }
    readings = {}
    if first >= 1 and candidates:
        for indicator_id, entry_month, value in ProgressEntry.objects.filter(
            indicator__in=list(candidates),
            month__gte=first,
            month__lte=month,
            state=EntryState.APPROVED,
        ).values_list("indicator", "month", "value"):
            readings.setdefault(indicator_id, {})[entry_month] = value
    for indicator in indicators:
        indicator.last_updated = getattr(indicator, "actual_month", None)
        values = readings.get(indicator.pk, {})
        indicator.is_stale = len(values) == STALE_MONTHS and len(set(values.values())) == 1
    return indicators
