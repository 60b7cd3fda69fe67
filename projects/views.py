"""Pages of the project register: the list, a project's page, the investment dashboard.

The list and the dashboard have the dashboards' shape (``reporting.views.dashboards``): the view
chooses the period and caches; a top-level ``*_content`` function builds what the template shows.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from indicators import access, cached
from indicators.access import dashboard_required
from indicators.history import trail
from indicators.models import Department, Indicator, RegisterRule
from indicators.periods import resolve_period
from indicators.progress import expected_fraction

from . import charts, register
from .filters import ProjectFilter
from .models import Category, Project, Stage
from .tables import ProjectTable

PER_PAGE = 50


@access.register_required
def project_list(request):
    period = resolve_period(request)
    user = request.user
    # Only what the list reads of the query string keys (and renders) its content.
    narrowed = cached.reading(
        request, [*ProjectFilter.base_filters, *cached.table_parameters(ProjectTable)]
    )

    # A reporter's list (and the departments it may filter by) is their department's: the scope
    # is part of the key.
    scope = "all" if access.can_read_dashboards(user) else f"department-{user.department_id}"
    content = cached.fragments(
        "projects",
        reports=[period.report],
        parts=[period.month, scope, cached.query_part(narrowed)],
        make=lambda: _project_list_fragments(project_list_content(user, period, narrowed)),
    )
    context = {
        "period": period,
        "reports": access.report_list(request.user),
        "months": range(1, 13),
        "can_read_dashboards": access.can_read_dashboards(user),
        **content,
    }
    return render(request, "projects/project_list.html", context)


def project_list_content(user, period, narrowed):
    """The user's projects as of the month, as ``narrowed`` (filters, sorting, page) asks."""
    filterset = ProjectFilter(
        narrowed.GET,
        queryset=access.scope(
            user, Project.objects.as_of(period.report, period.month)
        ).select_related("lead_department"),
        report=period.report,
        departments=access.scope(
            user,
            Department.objects.filter(region=period.report.region_id),
            "pk",
            "region",
            report_field=None,
        ),
    )
    filtered = filterset.qs
    table = ProjectTable(filtered, totals=register.totals(filtered))
    RequestConfig(narrowed, paginate={"per_page": PER_PAGE}).configure(table)
    # The request as a variable (the table's links), not through the context processors.
    return {
        "period": period,
        "filter": filterset,
        "table": table,
        "totals": table.totals,
        "request": narrowed,
    }


def _project_list_fragments(context):
    return {
        "filters": render_to_string("projects/_project_filters.html", context),
        "body": render_to_string("projects/_project_list_body.html", context),
    }


# The derived indicator that holds each category's investment plan (序时进度 for its projects).
YEAR_RULES = {
    Category.IMPLEMENTATION: RegisterRule.IMPLEMENTATION_YEAR,
    Category.PRELIMINARY: RegisterRule.PRELIMINARY_YEAR,
}
PROJECT_FIELDS = (
    "name",
    "category",
    "build_type",
    "registered_stage",
    "stage",
    "start_date",
    "completion_date",
    "total_investment",
    "planned_investment",
    "lead_department_id",
    "programme",
    "is_promoted",
    "signed_on",
    "investor_origin",
)


@login_required
def project_detail(request, pk):
    project = access.get_for_reader(
        request.user, Project.objects.select_related("report", "lead_department"), pk
    )
    report = project.report
    # Evidence only to those who may open it (see reporting's indicator page).
    shows_evidence = access.can_read_evidence(request.user, project)
    progress = project.progress.select_related("submitted_by", "reviewed_by")
    if shows_evidence:
        progress = progress.prefetch_related("evidence")
    progress = list(progress.order_by("month"))
    plan = (
        Indicator.objects.filter(report=report, register_rule=YEAR_RULES[project.category])
        .values_list("monthly_plan", flat=True)
        .first()
    )
    approved = {p.month: p.investment_completed for p in progress if p.state == p.State.APPROVED}
    months = list(range(1, 13))
    chart = charts.embed(
        "project-investment",
        charts.monthly_path(
            months,
            [approved.get(m) for m in months],
            [project.planned_investment * expected_fraction(m, plan) for m in months],
            project.planned_investment,
            unit=_("万元"),
        ),
    )
    departments = {d.pk: str(d) for d in Department.objects.filter(region=project.report.region_id)}
    history = trail(
        project,
        PROJECT_FIELDS,
        label=_("项目信息"),
        names={"lead_department_id": departments},
        with_evidence=shows_evidence,
    )
    context = {
        "project": project,
        "progress": progress,
        "chart": chart,
        "history": history,
        "shows_evidence": shows_evidence,
        "can_reopen": access.can_review(request.user),
    }
    return render(request, "projects/project_detail.html", context)


@dashboard_required
def investment(request):
    period = resolve_period(request)
    content = cached.fragments(
        "investment",
        reports=[period.report],
        parts=[period.month],
        make=lambda: {
            "body": render_to_string("projects/_investment_body.html", investment_content(period))
        },
    )
    context = {
        "period": period,
        "reports": access.report_list(request.user),
        "months": range(1, 13),
        **content,
    }
    return render(request, "projects/investment.html", context)


def investment_content(period):
    """The investment dashboard: each category's year curve against its plan, the investment by
    programme and by department, the projects by stage, and the promoted projects signed."""
    report, month = period.report, period.month
    projects = Project.objects.as_of(report, month)
    targets = {
        i.register_rule: i
        for i in Indicator.objects.filter(
            report=report,
            register_rule__in=[
                RegisterRule.IMPLEMENTATION_YEAR,
                RegisterRule.PRELIMINARY_YEAR,
                RegisterRule.PROMOTED_SIGNED,
            ],
        )
    }
    return {
        "period": period,
        "list_base": register.list_url(report, None, month),
        "year_charts": year_charts(report, month, targets),
        **investment_groups(projects),
        **stage_content(projects),
        **signed_content(report, month, targets.get(RegisterRule.PROMOTED_SIGNED)),
    }


def year_charts(report, month, targets):
    """Each category's investment through the year against its target's 序时进度."""
    curves = register.monthly_investment(report, month)
    rows = []
    for category, rule in YEAR_RULES.items():
        indicator = targets.get(rule)
        if indicator is None:
            continue
        values = curves[category]
        figure = charts.monthly_path(
            list(range(1, month + 1)),
            [None if v is None else round(v, 2) for v in values],
            [indicator.target * expected_fraction(m, indicator.monthly_plan) for m in range(1, 13)],
            indicator.target,
            unit=indicator.unit,
        )
        rows.append(
            {
                "indicator": indicator,
                "progress": indicator.judge(month, values[-1]),
                "chart": charts.embed(f"curve-{category}", figure),
                "list_url": register.list_url(report, rule, month),
            }
        )
    return rows


def investment_groups(projects):
    """Planned against completed investment by programme and by lead department."""
    by_programme = register.investment_by(projects, "programme")
    by_department = register.investment_by(
        projects, "lead_department", "lead_department__short_name"
    )
    return {
        "by_programme": by_programme,
        "programme_chart": charts.embed(
            "by-programme",
            charts.planned_vs_completed(
                [g.key or _("未归类") for g in by_programme],
                [g.planned_yi for g in by_programme],
                [g.invested_yi for g in by_programme],
                unit=_("亿元"),
                rows=_("所属工程"),
            ),
        ),
        "by_department": by_department,
        "department_chart": charts.embed(
            "by-department",
            charts.planned_vs_completed(
                [g.key[1] for g in by_department],
                [g.planned_yi for g in by_department],
                [g.invested_yi for g in by_department],
                unit=_("亿元"),
                rows=_("牵头单位"),
            ),
        ),
    }


def stage_content(projects):
    """How many projects of each category stand at each stage."""
    stages = register.stage_counts(projects)
    return {
        "stage_rows": [
            (Stage(s).label, s, [(c, stages[c][s]) for c in Category.values])
            for s in register.STAGE_ORDER
        ],
        "categories": Category.choices,
        "stage_chart": charts.embed(
            "by-stage",
            charts.stage_counts(
                [Stage(s).label for s in register.STAGE_ORDER],
                [
                    (label, [stages[c][s] for s in register.STAGE_ORDER])
                    for c, label in Category.choices
                ],
            ),
        ),
    }


def signed_content(report, month, indicator):
    """The promoted projects signed this year: by investor's origin and by month."""
    origins, signed_months = register.signed_projects(report, month)
    return {
        "signed_indicator": indicator,
        "signed_total": sum(signed_months),
        "signed_url": register.list_url(report, RegisterRule.PROMOTED_SIGNED, month),
        "origins": origins,
        "origin_chart": charts.embed(
            "by-origin",
            charts.counts_by_label(
                [o for o, _n in origins], [n for _o, n in origins], rows=_("投资方来源地")
            ),
        ),
        "signed_month_chart": charts.embed(
            "by-month-signed", charts.signed_by_month(range(1, month + 1), signed_months)
        ),
    }
