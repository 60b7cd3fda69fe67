"""Leadership dashboards: the overview, a section, a target, departments and the big screen.

Every page reads the judged list (``reporting.standing.judged``: status computed in one place)
and, where it shows reporting, ``timeliness.department_timeliness``; it hands plain series to
``charts``. Each page runs a fixed number of queries whatever the size of the report.

Every page has one shape (the overview is the model; the project register's pages follow it):

- the view chooses the report and month (``periods``), finds the object for this user
  (``access``: 404 for another region's) and reads only the query parameters its content uses
  (``cached.reading``);
- a top-level ``<page>_content`` function builds everything the content's template needs from
  the period (and the object, or the user whose scope it is), with no request in it but the
  narrowed query;
- the view renders that through `cached.fragments`, keyed by the data version and whatever else
  the content depends on, and adds the person's live parts (picker, forms that post).
"""

from collections import defaultdict
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from indicators import access, cached, charts, progress
from indicators.access import dashboard_required
from indicators.forecast import AT_RISK
from indicators.history import trail
from indicators.models import (
    Department,
    EntryState,
    Indicator,
    Kind,
    Section,
)
from indicators.periods import offered_reports, period_of, resolve_period
from indicators.timeliness import SHORT_LABELS, department_timeliness
from projects.models import Project
from reporting import foresight
from reporting.filters import IndicatorFilter
from reporting.league import department_ranking, league_table
from reporting.navigation import home_url
from reporting.standing import judged, mark_staleness, register_url
from reporting.tables import IndicatorTable, indicator_rows

PROJECTS_PER_PAGE = 25
SCREEN_FAR_BEHIND = 8  # as many as the big screen's block shows at a readable size
SCREEN_AT_RISK = 4  # as many as the strip under the big screen's blocks shows in one row
SCREEN_REFRESH_SECONDS = 300
SCREEN_CHART_HEIGHT = 340  # px: a chart and its heading fill half of a 1080-pixel screen


# --- Period ---


def period_context(request, period, reports=None):
    """What ``_period_picker.html`` needs; ``reports`` limits the reports it offers."""
    return {
        "period": period,
        "reports": access.report_list(request.user) if reports is None else reports,
        "months": range(1, 13),
    }


# --- Grouping the judged list ---


def section_summaries(indicators):
    """(section, summary, indicators) for each section, in report order."""
    rows = []
    for section, members in groupby(indicators, key=lambda i: i.section):
        members = list(members)
        rows.append((section, progress.summarise(i.progress for i in members), members))
    return rows


def far_behind(indicators):
    return [i for i in indicators if i.progress.status == progress.FAR_BEHIND]


def grouped_rows(sections, month):
    """(section, rows) for ``_indicator_rows.html``: each section's targets as plain rows."""
    return [(section, indicator_rows(members, month)) for section, _summary, members in sections]


# --- Charts from judged values ---


def section_chart(div_id, sections, theme="light", font_size=13, height=None):
    return charts.embed(
        div_id,
        charts.section_completion(
            [section.name for section, _summary, _members in sections],
            [summary.average_completion for _section, summary, _members in sections],
            [summary.average_expected for _section, summary, _members in sections],
            notes=[section_note(summary) for _section, summary, _members in sections],
            theme=theme,
            font_size=font_size,
            height=height,
        ),
    )


def section_note(summary):
    """Words for a section with no completion to average: how many of its targets hold (its
    floors and ceilings have data), or None when none of its targets has data (无数据)."""
    if not summary.judged:
        return None
    return _("%(holding)s/%(judged)s项达到目标") % {
        "holding": summary.holding,
        "judged": summary.judged,
    }


def timeliness_chart(div_id, rows, theme="light", height=None, font_size=13):
    return charts.embed(
        div_id,
        charts.timeliness_heatmap(
            [str(row.department) for row in rows],
            range(1, 13),
            [[cell.state for cell in row.months] for row in rows],
            SHORT_LABELS,
            theme=theme,
            height=height,
            font_size=font_size,
        ),
    )


def bullet_chart(div_id, rows):
    """Bullets for the table rows that have a completion to draw (ratio kinds, judged)."""
    drawn = [
        r for r in rows if r["kind"] in progress.RATIO_KINDS and r["status"] != progress.YEAR_END
    ]
    if not drawn:
        return None
    return charts.embed(
        div_id,
        charts.bullets(
            [r["code"] for r in drawn],
            [r["completion_fraction"] for r in drawn],
            [r["expected_fraction"] for r in drawn],
            [r["status"] for r in drawn],
            names=[f"{r['code']} {r['name']}" for r in drawn],
        ),
    )


# --- Pages ---
# Each page renders its content (what comes from the report's data) through `cached.fragments`,
# keyed by the data version; the person's parts (header, picker, forms that post, the office's
# slips) stay live.


def _render(template, context, request=None):
    """A page's content: the request only as a variable (tables build their links from it),
    never through context processors, which are the person's (and cost queries)."""
    if request is not None:
        context = {**context, "request": request}
    return render_to_string(template, context)


@login_required
def overview(request):
    if not access.can_read_dashboards(request.user):
        # "/" is everyone's home: a reporter's is the month they are due to fill in.
        return redirect(home_url(request.user))
    period = resolve_period(request)
    content = cached.fragments(
        "overview",
        reports=[period.report],
        parts=[period.month],
        make=lambda: {"body": _render("reporting/_overview_body.html", overview_content(period))},
    )
    context = {**period_context(request, period), **content}
    return render(request, "reporting/overview.html", context)


def overview_content(period):
    """Everything ``_overview_body.html`` shows for the period: the model of a page's content."""
    indicators = mark_staleness(judged(period.report, period.month), period.month)
    summary = progress.summarise(i.progress for i in indicators)
    sections = section_summaries(indicators)
    timeliness = department_timeliness(period.report, timezone.localdate())
    groups = grouped_rows(sections, period.month)
    return {
        "period": period,
        "summary": summary,
        "sections": sections,
        "groups": groups,
        "far_behind": [
            row for _s, rows in groups for row in rows if row["status"] == progress.FAR_BEHIND
        ],
        "outlook": foresight.outlook(indicators),
        "at_risk": [
            row for _s, rows in groups for row in rows if row["forecast_verdict"] == AT_RISK
        ],
        "ranking": department_ranking(indicators, timeliness, period.month),
        "section_chart": section_chart("chart-sections", sections),
        "status_chart": charts.embed("chart-status", charts.status_breakdown(summary.counts)),
    }


@dashboard_required
def section_detail(request, pk):
    section = access.get_for_reader(request.user, Section.objects.select_related("report"), pk)
    period = period_of(request, section.report)
    # Only what the page reads of the query string keys (and renders) its content.
    narrowed = cached.reading(
        request, [*IndicatorFilter.base_filters, *cached.table_parameters(IndicatorTable)]
    )

    content = cached.fragments(
        "section",
        reports=[section.report],
        parts=[section.pk, period.month, cached.query_part(narrowed)],
        make=lambda: _section_fragments(section_content(section, period, narrowed), narrowed),
    )
    context = {**period_context(request, period, reports=[section.report]), "section": section}
    return render(request, "reporting/section.html", {**context, **content})


def section_content(section, period, narrowed):
    """The section's targets as ``narrowed`` (its filters, sorting and page) asks for them."""
    filterset = IndicatorFilter(
        narrowed.GET,
        queryset=Indicator.objects.filter(section=section),
        report=section.report,
    )
    indicators = filterset.judged(period.report, period.month)
    table = IndicatorTable(indicator_rows(indicators, period.month))
    RequestConfig(narrowed).configure(table)
    shown = [row.record for row in table.page.object_list] if table.page else []
    return {
        "period": period,
        "section": section,
        "filter": filterset,
        "is_filtered": filterset.form.is_valid() and any(filterset.form.cleaned_data.values()),
        "summary": progress.summarise(i.progress for i in indicators),
        "outlook": foresight.outlook(indicators),
        "at_risk_url": f"?month={period.month}&forecast={AT_RISK}",
        "table": table,
        "bullet_chart": bullet_chart("chart-bullets", shown),
    }


def _section_fragments(context, narrowed):
    return {
        "body": _render("reporting/_section_body.html", context, narrowed),
        "has_chart": context["bullet_chart"] is not None,
    }


@login_required
def indicator_detail(request, pk):
    indicator = access.get_for_reader(
        request.user,
        Indicator.objects.select_related("report", "section", "lead_department"),
        pk,
    )
    period = period_of(request, indicator.report)
    # Read live: the reopen forms post (CSRF) and only the office sees them; evidence only to
    # those who may open it (the department and the office), so a leader's page neither shows
    # files it would refuse nor pays for them.
    shows_evidence = access.can_read_evidence(request.user, indicator)
    entries = indicator.entries.select_related("updated_by", "submitted_by", "reviewed_by")
    if shows_evidence:
        entries = entries.prefetch_related("evidence")
    entries = list(entries.order_by("month"))

    # Whether the reader sees evidence changes what the history lists: part of the key.
    content = cached.fragments(
        "indicator",
        reports=[indicator.report],
        parts=[indicator.pk, period.month, shows_evidence],
        make=lambda: _indicator_fragments(
            indicator_content(indicator, entries, period, shows_evidence)
        ),
    )
    indicator.register_url = register_url(indicator, period)
    context = {
        **period_context(request, period, reports=[indicator.report]),
        "indicator": indicator,
        "entries": entries,
        "can_reopen": access.can_review(request.user),
        "shows_evidence": shows_evidence,
    }
    return render(request, "reporting/indicator.html", {**context, **content})


def indicator_content(indicator, entries, period, shows_evidence):
    """The target's standing as of the month, its path chart and its history."""
    standing = judged(period.report, period.month, Indicator.objects.filter(pk=indicator.pk))[0]
    return {
        "period": period,
        "indicator": standing,
        "cooperating": list(indicator.cooperating_departments.all()),
        "chart": charts.embed("chart-path", path_figure(standing, entries, period)),
        "history": audit_trail(indicator, with_evidence=shows_evidence),
    }


def _indicator_fragments(context):
    return {
        "standing": _render("reporting/_indicator_standing.html", context),
        "history": _render("_history.html", {"history": context["history"]}),
    }


@dashboard_required
def department_list(request):
    period = resolve_period(request)

    content = cached.fragments(
        "departments",
        reports=[period.report],
        parts=[period.month],
        make=lambda: {
            "body": _render("reporting/_departments_body.html", department_list_content(period))
        },
    )
    return render(
        request, "reporting/departments.html", {**period_context(request, period), **content}
    )


def department_list_content(period):
    """Every department's reporting and standing for the month, and the league table."""
    indicators = mark_staleness(judged(period.report, period.month), period.month)
    previous = judged(period.report, period.month - 1) if period.month > 1 else None
    timeliness = department_timeliness(period.report, timezone.localdate())
    by_department = defaultdict(list)
    for indicator in indicators:
        by_department[indicator.lead_department_id].append(indicator.progress)
    rows = [
        (row, row.month(period.month), progress.summarise(by_department[row.department.pk]))
        for row in timeliness
    ]
    return {
        "period": period,
        "rows": rows,
        "heatmap": timeliness_chart("chart-timeliness", timeliness),
        "deadline_day": period.report.deadline_day_in_force,
        "league": league_table(indicators, previous, timeliness, period.month),
    }


@login_required
def department_detail(request, pk):
    department = access.get_for_reader(
        request.user, Department.objects.select_related("leader"), pk
    )
    period = resolve_period(request, region_id=department.region_id)
    # The page reads one parameter of its own: the page of its projects.
    narrowed = cached.reading(request, ["p-page"])
    # A reporter reads their own department's page but not the sections' pages it would link.
    plain_sections = not access.can_read_dashboards(request.user)
    content = cached.fragments(
        "department",
        reports=[period.report],
        parts=[department.pk, period.month, cached.query_part(narrowed), plain_sections],
        make=lambda: _department_fragments(
            department_content(department, period, narrowed, plain_sections)
        ),
    )
    # A department belongs to one region: its picker offers that region's years only.
    reports = offered_reports(request.user, department.region_id)
    context = {**period_context(request, period, reports=reports), "department": department}
    return render(request, "reporting/department.html", {**context, **content})


def department_content(department, period, narrowed, plain_sections):
    """The department's targets, a page of its projects (``narrowed``'s ``p-page``) and its
    reporting through the year."""
    indicators = mark_staleness(
        judged(period.report, period.month, Indicator.objects.filter(lead_department=department)),
        period.month,
    )
    projects = Paginator(department_projects(department, period), PROJECTS_PER_PAGE)
    timeliness = department_timeliness(
        period.report, timezone.localdate(), departments=[department]
    )[0]
    return {
        "request": narrowed,  # the pages' links keep the query (``page_query``)
        "period": period,
        "department": department,
        "summary": progress.summarise(i.progress for i in indicators),
        "outlook": foresight.outlook(indicators),
        # All its targets (a department leads tens, not hundreds): the overview's rows.
        "groups": grouped_rows(section_summaries(indicators), period.month),
        "plain_sections": plain_sections,
        # A page of its projects; sorting and filters live on the register's own list.
        "projects": projects.get_page(narrowed.GET.get("p-page", "")),
        "timeliness": timeliness,
        "this_month": timeliness.month(period.month),
        "heatmap": timeliness_chart("chart-timeliness", [timeliness], height=110),
    }


def _department_fragments(context):
    return {
        "standing": _render("reporting/_department_standing.html", context),
        "body": _render("reporting/_department_body.html", context),
    }


def department_projects(department, period):
    """The department's projects as the register list reads them as of the month (stage then,
    this year's investment, 未报送, the review state of the month's entry)."""
    return (
        Project.objects.as_of(period.report, period.month)
        .filter(lead_department=department)
        .order_by("code")
    )


@dashboard_required
def screen(request):
    period = resolve_period(request)

    content = cached.fragments(
        "screen",
        reports=[period.report],
        parts=[period.month],
        make=lambda: {"body": _render("reporting/_screen_body.html", screen_content(period))},
    )
    context = {
        **period_context(request, period),
        "refresh_seconds": SCREEN_REFRESH_SECONDS,
        "refresh_minutes": SCREEN_REFRESH_SECONDS // 60,
    }
    return render(request, "reporting/screen.html", {**context, **content})


def screen_content(period):
    """The big screen: the totals, the targets far behind, who is late, two charts in dark, and
    a strip of the targets projected to miss the year."""
    indicators = judged(period.report, period.month)
    sections = section_summaries(indicators)
    timeliness = department_timeliness(period.report, timezone.localdate())
    behind = far_behind(indicators)
    this_month = [row.month(period.month) for row in timeliness]
    outlook = foresight.outlook(indicators)
    return {
        "period": period,
        "summary": progress.summarise(i.progress for i in indicators),
        "far_behind": behind[:SCREEN_FAR_BEHIND],
        "far_behind_more": max(len(behind) - SCREEN_FAR_BEHIND, 0),
        "outlook": outlook,
        "at_risk": outlook.at_risk[:SCREEN_AT_RISK],
        "at_risk_more": max(outlook.count - SCREEN_AT_RISK, 0),
        "departments_behind": [
            row.department for row in timeliness if row.month(period.month).is_behind
        ],
        "departments_due": sum(1 for cell in this_month if cell.due),
        "section_chart": section_chart(
            "chart-sections", sections, theme="dark", font_size=20, height=SCREEN_CHART_HEIGHT
        ),
        "timeliness_chart": timeliness_chart(
            "chart-timeliness",
            timeliness,
            theme="dark",
            height=SCREEN_CHART_HEIGHT,
            font_size=17,
        ),
    }


# --- A target's monthly path and its history ---


def path_figure(indicator, entries, period):
    """The target's approved month-end values up to the chosen month against its plan."""
    approved = {e.month: e.value for e in entries if e.state == EntryState.APPROVED}
    months = list(range(1, period.month + 1))
    if indicator.is_derived:
        # Register-derived targets have no typed entries: only the as-of value is known here.
        approved = {period.month: indicator.progress.actual}
    values = [approved.get(m) for m in months]
    expected_path = []
    scale = 100 if indicator.kind == Kind.MILESTONE else indicator.target
    if indicator.is_ratio:
        expected_path = [
            progress.expected_fraction(m, indicator.monthly_plan) * scale for m in range(1, 13)
        ]
    limit = indicator.kind if indicator.kind in progress.LIMIT_KINDS else None
    return charts.monthly_path(
        months,
        values,
        expected_path,
        scale if indicator.is_ratio else indicator.target,
        unit="%" if indicator.kind == Kind.MILESTONE else indicator.unit,
        limit=limit,
        projection=projection(indicator),
    )


def projection(indicator):
    """What the path chart draws of a judged target's forecast: from its latest approved figure
    to December's projection and range (None when nothing is projected)."""
    projected = indicator.forecast
    start = indicator.series.get(projected.as_of) if projected.is_projected else None
    if start is None:
        return None
    return (
        projected.as_of,
        start,
        projected.value,
        projected.low,
        projected.high,
        projected.colour,
    )


INDICATOR_FIELDS = (
    "code",
    "name",
    "unit",
    "kind",
    "target",
    "baseline",
    "section_id",
    "lead_department_id",
    "monthly_plan",
    "is_year_end_only",
    "register_rule",
    "source_quote",
)


def audit_trail(indicator, with_evidence=False):
    """Every change to the target and its monthly entries (and, ``with_evidence``, the files
    added to and removed from them), newest first, old value -> new.

    Four queries whatever the history's length (five with evidence): the history tables (with
    their users) and the names that foreign keys point to.
    """
    names = {
        "section_id": dict(
            Section.objects.filter(report=indicator.report_id).values_list("pk", "name")
        ),
        "lead_department_id": dict(
            Department.objects.filter(region=indicator.report.region_id).values_list(
                "pk", "short_name"
            )
        ),
    }
    return trail(
        indicator,
        INDICATOR_FIELDS,
        label=_("目标任务"),
        names=names,
        with_evidence=with_evidence,
    )
