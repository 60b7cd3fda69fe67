"""What a caller may read, as the API's rows: a token's user through the access rule
(``indicators.access``: their regions, their department as a reporter, never a report in 筹备
they do not set up), the public through ``opendata.published`` alone (regions whose public page
is on, published months, approved figures, public fields).

Each list is a fixed number of queries whatever the report's size. Rows are plain dicts in the
shape of ``schemas``; nothing here reads a reporter's name, a draft, a problem, a review comment
or a 说明.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import access, periods, progress
from indicators.models import EntryState, Indicator, Kind, ProgressEntry, Region, Section
from opendata import published
from reporting import foresight, standing


class Refusal(Exception):
    """A call the API cannot answer as asked (400, or 401 for the public), with its words."""

    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def page(source, paging, row=None):
    """One page of ``source`` (a queryset or a list) as the schemas' ``*Page``: the rows from
    ``paging.offset``, at most ``paging.limit`` of them, each made by ``row``, and the count of
    all. A queryset costs two queries, its count and its page."""
    end = paging.offset + paging.limit
    if isinstance(source, QuerySet):
        count, items = source.count(), list(source[paging.offset : end])
    else:
        count, items = len(source), source[paging.offset : end]
    return {
        "count": count,
        "limit": paging.limit,
        "offset": paging.offset,
        "items": items if row is None else [row(item) for item in items],
    }


def number(value, places=None):
    if value is None:
        return None
    return float(value) if places is None else round(float(value), places)


def fraction(value):
    return number(value, 4)


# --- Regions and reports -------------------------------------------------------------------------


def reports(caller):
    """The reports ``caller`` may open, newest first (the public: those of regions whose page is
    on, out of 筹备)."""
    if caller.is_public:
        return list(published.public_reports())
    return access.report_list(caller.user)


def regions(caller):
    if caller.is_public:
        found = {}
        for report in reports(caller):
            found.setdefault(report.region_id, report.region)
        shown = sorted(found.values(), key=lambda region: (region.code, region.name))
    else:
        visible = access.visible_regions(caller.user)
        queryset = Region.objects.order_by("code", "name")
        shown = list(queryset if visible is None else queryset.filter(pk__in=visible))
    ids = {region.pk for region in shown}
    return [
        {
            "id": region.pk,
            "name": region.name,
            "code": region.code,
            "level": region.level,
            # The region above only when the caller sees it too: a county's people never learn
            # their city's id.
            "parent_id": region.parent_id if region.parent_id in ids else None,
        }
        for region in shown
    ]


def report_rows(caller, shown):
    last = published.last_months(shown)
    return [
        {
            "id": report.pk,
            "region_id": report.region_id,
            "region": report.region.name,
            "year": report.year,
            "title": report.title,
            "state": report.state,
            "state_label": str(report.get_state_display()),
            "published_through": last.get(report.pk),
        }
        for report in shown
    ]


def one(rows, pk):
    """The row of ``rows`` with id ``pk``, or 404 (another region's id and a missing one alike)."""
    found = next((row for row in rows if row["id"] == pk), None)
    if found is None:
        raise Http404
    return found


def report(caller, report_id):
    """The report a call means: ``report_id`` if the caller may open it (404 otherwise), else a
    token's user's own region's latest report; the public must name one."""
    if not caller.is_public:
        return periods.choose_report(caller.user, report_id)
    if report_id is None:
        raise Refusal(400, _("请用参数 report 指定报告（报告列表见 /api/v1/reports/）。"))
    return one_report(caller, report_id)


def public_state(report):
    """``report`` as the public sees it, read once per call."""
    if not hasattr(report, "_public_state"):
        report._public_state = published.state(report)
    return report._public_state


# --- Sections and targets ------------------------------------------------------------------------


def sections(caller, report):
    if caller.is_public:
        return [
            {"id": s.id, "report_id": report.pk, "order": n, "name": s.name}
            for n, s in enumerate(public_state(report).sections, start=1)
        ]
    # A reporter sees the sections their department leads targets in.
    queryset = access.scope(
        caller.user,
        Section.objects.filter(report=report),
        department_field="indicators__lead_department",
    )
    return [
        {"id": s.pk, "report_id": s.report_id, "order": s.order, "name": s.name}
        for s in queryset.distinct().order_by("order", "id")
    ]


def section_report(caller, pk):
    """The report of section ``pk`` if the caller may open it, else 404 (whether the caller sees
    the section itself is `sections`' answer)."""
    report_id = Section.objects.filter(pk=pk).values_list("report_id", flat=True).first()
    return one_report(caller, report_id)


def one_report(caller, report_id):
    found = next((r for r in reports(caller) if r.pk == report_id), None)
    if found is None:
        raise Http404
    return found


def check_section(caller, report, section_id):
    """404 unless ``section_id`` is one of ``report``'s sections the caller sees."""
    if section_id is not None:
        one(sections(caller, report), section_id)


def indicators(caller, report, section_id=None):
    """The targets of ``report`` a token's user may read (a queryset in report order)."""
    queryset = access.scope(caller.user, Indicator.objects.for_report(report))
    if section_id is not None:
        queryset = queryset.filter(section_id=section_id)
    return queryset


def targets(caller, report, section_id=None):
    """The targets as a list (the public) or a queryset, and the function making their rows."""
    if caller.is_public:
        shown = [
            t
            for t in public_state(report).targets
            if section_id is None or t.section_id == section_id
        ]
        return shown, lambda t: public_target_row(report, t)
    return indicators(caller, report, section_id), target_row


def target_row(indicator):
    return {
        "id": indicator.pk,
        "report_id": indicator.report_id,
        "section_id": indicator.section_id,
        "section": indicator.section.name,
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "kind": indicator.kind,
        "kind_label": str(Kind(indicator.kind).label),
        "target": number(indicator.target),
        "lead_department_id": indicator.lead_department_id,
        "lead_department": indicator.lead_department.name,
        "source": indicator.source_quote,
    }


def public_target_row(report, target):
    return {
        "id": target.id,
        "report_id": report.pk,
        "section_id": target.section_id,
        "section": target.section,
        "code": target.code,
        "name": target.name,
        "unit": target.unit,
        "kind": target.kind,
        "kind_label": str(Kind(target.kind).label),
        "target": number(target.target),
        "lead_department_id": None,
        "lead_department": target.lead,
        "source": target.promise,
    }


def target(caller, report, pk):
    """Target ``pk`` of ``report`` (`target_report`) if the caller may read it: a reporter's
    colleague's is refused (403), as on the site."""
    if not caller.is_public:
        queryset = Indicator.objects.filter(report=report).select_related(
            "report", "section", "lead_department"
        )
        return target_row(access.get_for_reader(caller.user, queryset, pk))
    found = next((t for t in public_state(report).targets if t.id == pk), None)
    if found is None:
        raise Http404
    return public_target_row(report, found)


def target_report(caller, pk):
    """The report of target ``pk`` if the caller may open it, else 404."""
    report_id = Indicator.objects.filter(pk=pk).values_list("report_id", flat=True).first()
    return one_report(caller, report_id)


def check_target(caller, report, target_id):
    """404 unless ``target_id`` is one of ``report``'s targets the caller sees."""
    if target_id is None:
        return
    if caller.is_public:
        ids = {t.id for t in public_state(report).targets}
    else:
        ids = set(indicators(caller, report).filter(pk=target_id).values_list("pk", flat=True))
    if target_id not in ids:
        raise Http404


# --- Figures -------------------------------------------------------------------------------------


def values(caller, report, query):
    """The approved monthly figures, filtered by ``query``'s month, section and target: a list
    or a queryset, and the function making their rows."""
    check_section(caller, report, query.section)
    check_target(caller, report, query.target)
    if caller.is_public:
        shown = None
        if query.section is not None:
            shown = {t.id for t in public_state(report).targets if t.section_id == query.section}
        rows = [
            {"target_id": indicator_id, "month": month, "value": float(value)}
            for indicator_id, month, value in published.monthly_values(report)
            if (query.month is None or month == query.month)
            and (shown is None or indicator_id in shown)
            and (query.target is None or indicator_id == query.target)
        ]
        return rows, None
    entries = access.scope(
        caller.user,
        ProgressEntry.objects.filter(indicator__report=report, state=EntryState.APPROVED),
        department_field="indicator__lead_department",
        region_field="indicator__report__region",
        report_field="indicator__report",
    )
    for name, value in (
        ("month", query.month),
        ("indicator__section", query.section),
        ("indicator", query.target),
    ):
        if value is not None:
            entries = entries.filter(**{name: value})
    ordered = entries.order_by(
        "indicator__section__order",
        "indicator__section_id",
        "indicator__order",
        "indicator__code",
        "month",
    )
    return ordered.values("indicator_id", "month", "value"), value_row


def value_row(entry):
    return {
        "target_id": entry["indicator_id"],
        "month": entry["month"],
        "value": float(entry["value"]),
    }


def standing_month(caller, report, month):
    """The month statuses and forecasts are judged as of: the one asked for, else the report's
    current month; the public has only the last published month."""
    if not caller.is_public:
        return month or periods.default_month(report, timezone.localdate())
    last = public_state(report).month
    if last is None:
        raise Refusal(404, _("该报告尚未公开任何月份。"))
    if month is not None and month != last:
        raise Refusal(
            404,
            _("未公开该月份的状态：公开数据只提供最近公开的%(month)s月的状态。") % {"month": last},
        )
    return last


def statuses(caller, report, query):
    month = standing_month(caller, report, query.month)
    check_section(caller, report, query.section)
    if caller.is_public:
        return [
            {
                "target_id": t.id,
                "code": t.code,
                "month": month,
                "status": t.status,
                "label": t.status_label,
                "actual": number(t.value),
                "actual_month": t.value_month,
                "completion": fraction(t.completion),
                "expected": fraction(t.expected),
                "gap_points": None,
                "phrase": t.phrase,
            }
            for t in public_state(report).targets
            if query.section is None or t.section_id == query.section
        ]
    judged = standing.judged(report, month, indicators(caller, report, query.section))
    return [status_row(indicator, month) for indicator in judged]


def status_row(indicator, month):
    judged = indicator.progress
    actual_month = None
    if judged.actual is not None:
        actual_month = getattr(indicator, "actual_month", None) or month
    return {
        "target_id": indicator.pk,
        "code": indicator.code,
        "month": month,
        "status": judged.status,
        "label": str(judged.label),
        "actual": number(judged.actual),
        "actual_month": actual_month,
        "completion": fraction(judged.completion),
        "expected": fraction(judged.expected),
        "gap_points": number(judged.gap_points, 2),
        "phrase": progress.gap_phrase(judged, indicator.kind, indicator.unit),
    }


def require_token(caller):
    """Year-end forecasts are for a token's user only: the public page publishes none."""
    if caller.is_public:
        raise Refusal(401, _("预计仅对持有访问令牌的用户开放。"))


def forecasts(caller, report, query):
    require_token(caller)
    month = standing_month(caller, report, query.month)
    check_section(caller, report, query.section)
    judged = standing.judged(report, month, indicators(caller, report, query.section))
    return [forecast_row(indicator, month) for indicator in judged]


def forecast_row(indicator, month):
    projected = indicator.forecast
    return {
        "target_id": indicator.pk,
        "code": indicator.code,
        "month": month,
        "verdict": projected.verdict,
        "label": str(projected.label),
        "value": number(projected.value),
        "low": number(projected.low),
        "high": number(projected.high),
        "completion": fraction(projected.completion),
        "method": projected.method,
        "as_of": projected.as_of,
        "phrase": foresight.phrase(indicator),
    }
