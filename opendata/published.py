"""What the public may read: the one home of the public page, the open data, the 人大 对照表 and
the API's anonymous part. None of them reads entries any other way.

The rule: a region's page exists only once its `PublicSite` is switched on, and only for its
reports out of 筹备. A report shows the state of its targets as of its last published month
(``last_month``): approved figures only, of months up to it, and only the fields its
`Publication` marks public. Months are published in order from January (``publishing``
enforces it), so "up to the last published month" is "of published months". Reporters' names,
problems (存在问题), review comments, 说明 and flags are never read here.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max

from indicators import progress
from indicators.models import EntryState, ProgressEntry, Region, Report
from reporting import standing

from .models import Publication, PublicField, PublishedMonth, default_fields


def site_region(code):
    """The region of ``code`` whose public page is switched on, or None."""
    if not code:
        return None
    return Region.objects.filter(code=code, public_site__enabled=True).first()


def public_report(region, year):
    """``region``'s report of ``year`` that the public may see (not in 筹备), or None."""
    return (
        Report.objects.published().filter(region=region, year=year).select_related("region").first()
    )


def public_reports(region=None):
    """Every report the public may see, of regions whose page is on (of ``region`` if given)."""
    reports = Report.objects.published().filter(region__public_site__enabled=True)
    if region is not None:
        reports = reports.filter(region=region)
    return reports.select_related("region").order_by("region__code", "-year")


def last_month(report):
    """The last month of ``report`` the office has published, or None (nothing public yet)."""
    return PublishedMonth.objects.filter(report=report).aggregate(last=Max("month"))["last"]


def last_months(reports):
    """{report id: its last published month} of ``reports`` (absent: nothing published yet), in
    one query for any number of reports: what a list of reports shows beside each."""
    return dict(
        PublishedMonth.objects.filter(report__in=[report.pk for report in reports])
        .values("report")
        .annotate(last=Max("month"))
        .values_list("report", "last")
    )


def public_fields(report):
    """The optional fields (`PublicField`) ``report`` shows."""
    publication = Publication.objects.filter(report=report).first()
    return list(publication.fields) if publication is not None else default_fields()


@dataclass(frozen=True)
class PublicTarget:
    """One target as the public sees it. Optional fields the report keeps private are None."""

    id: int
    code: str
    section_id: int
    section: str
    name: str
    promise: str  # the report's own words (报告原文), else the target's name
    unit: str
    kind: str
    target: Decimal
    value: Decimal | None  # the latest approved figure as of the last published month
    value_month: int | None  # the month that figure is of
    status: str  # a `progress` status key
    status_label: str  # the status in plain words
    phrase: str  # the gap to 序时进度 or the margin to the limit, in words
    completion: Decimal | None = None
    expected: Decimal | None = None
    lead: str | None = None
    note: str | None = None


@dataclass
class PublicSection:
    id: int
    name: str
    month: int
    targets: list
    summary: progress.Summary

    @property
    def sentence(self):
        """The section in one sentence: 截至6月底，本板块12项目标中已完成2项，…。"""
        return progress.verdict(self.month, self.summary, "section")


@dataclass
class PublicState:
    """A report as the public sees it as of ``month`` (None: nothing published yet)."""

    report: Report
    month: int | None
    fields: list
    sections: list = field(default_factory=list)  # of `PublicSection`

    @property
    def targets(self):
        return [target for section in self.sections for target in section.targets]


def state(report):
    """``report`` as the public sees it: its sections and targets as of the last published
    month. A fixed number of queries whatever the report's size."""
    month = last_month(report)
    fields = public_fields(report)
    result = PublicState(report=report, month=month, fields=fields)
    if month is None:
        return result
    grouped = {}
    for indicator in standing.judged(report, month):
        grouped.setdefault(indicator.section, []).append(indicator)
    result.sections = [
        PublicSection(
            id=section.pk,
            name=section.name,
            month=month,
            targets=[_public_target(indicator, fields, month) for indicator in indicators],
            summary=progress.summarise(indicator.progress for indicator in indicators),
        )
        for section, indicators in grouped.items()
    ]
    return result


def _public_target(indicator, fields, month):
    judged = indicator.progress
    shown = set(fields)
    return PublicTarget(
        id=indicator.pk,
        code=indicator.code,
        section_id=indicator.section_id,
        section=indicator.section.name,
        name=indicator.name,
        promise=indicator.source_quote or indicator.name,
        unit=indicator.unit,
        kind=indicator.kind,
        target=indicator.target,
        value=judged.actual,
        # A figure from the project register is of the month itself.
        value_month=(indicator.actual_month or month) if judged.actual is not None else None,
        status=judged.status,
        status_label=str(judged.label),
        phrase=progress.gap_phrase(judged, indicator.kind, indicator.unit),
        completion=judged.completion if PublicField.COMPLETION in shown else None,
        expected=judged.expected if PublicField.EXPECTED in shown else None,
        lead=indicator.lead_department.name if PublicField.LEAD in shown else None,
        note=(indicator.latest_note or "") if PublicField.NOTE in shown else None,
    )


def monthly_values(report, month=None):
    """The approved figures typed for ``report``'s targets in its published months, as
    (indicator id, month, value) in order: the open data's and the API's monthly series.
    Figures computed from the project register have no stored monthly row and are not listed
    (their as-of value is in `state`)."""
    last = last_month(report)
    if last is None:
        return []
    month = last if month is None else min(month, last)  # never past what is published
    return list(
        ProgressEntry.objects.filter(
            indicator__report=report, state=EntryState.APPROVED, month__lte=month
        )
        .order_by("indicator__section__order", "indicator__order", "indicator__code", "month")
        .values_list("indicator_id", "month", "value")
    )
