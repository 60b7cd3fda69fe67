"""Indicators computed from the project register, never typed twice.

Each `RegisterRule` names a count or a sum over the report's projects as of a month's end, using
only approved project progress and the stage dates the register holds. All rules are answered by
one aggregate query, so a dashboard pays the same whatever the register's size.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse

from indicators.models import RegisterRule
from indicators.progress import month_end

from .models import STAGE_ORDER, BuildType, Category, Project, latest_investment

WAN_PER_YI = Decimal(10000)  # amounts are stored in 万元; report targets speak of 亿元
CENT = Decimal("0.01")


def wan(total):
    """A database sum of 万元 amounts, exact: SQLite sums decimals as floats (69.7269920000001)."""
    return None if total is None else Decimal(total).quantize(CENT)


def rule_filters(report, month):
    """The project filter behind each rule as of ``month``: the list a derived number links to."""
    year_start = datetime.date(report.year, 1, 1)
    end = month_end(report.year, month)
    implementation = Q(category=Category.IMPLEMENTATION)
    preliminary = Q(category=Category.PRELIMINARY)
    return {
        RegisterRule.IMPLEMENTATION_COUNT: implementation,
        RegisterRule.IMPLEMENTATION_TOTAL: implementation,
        RegisterRule.IMPLEMENTATION_YEAR: implementation,
        RegisterRule.PRELIMINARY_COUNT: preliminary,
        RegisterRule.PRELIMINARY_TOTAL: preliminary,
        RegisterRule.PRELIMINARY_YEAR: preliminary,
        RegisterRule.CONTINUING_UNDERWAY: implementation
        & Q(build_type=BuildType.CONTINUING, start_date__lte=end),
        RegisterRule.NEW_STARTED: Q(
            build_type=BuildType.NEW, start_date__gte=year_start, start_date__lte=end
        ),
        RegisterRule.COMPLETED: Q(completion_date__gte=year_start, completion_date__lte=end),
        RegisterRule.PROMOTED_SIGNED: Q(
            is_promoted=True, signed_on__gte=year_start, signed_on__lte=end
        ),
    }


# What each rule adds up: a count of projects, their total investment, or this year's investment.
COUNT, TOTAL, YEAR = "count", "total", "year"
RULE_MEASURES = {
    RegisterRule.IMPLEMENTATION_COUNT: COUNT,
    RegisterRule.IMPLEMENTATION_TOTAL: TOTAL,
    RegisterRule.IMPLEMENTATION_YEAR: YEAR,
    RegisterRule.PRELIMINARY_COUNT: COUNT,
    RegisterRule.PRELIMINARY_TOTAL: TOTAL,
    RegisterRule.PRELIMINARY_YEAR: YEAR,
    RegisterRule.CONTINUING_UNDERWAY: COUNT,
    RegisterRule.NEW_STARTED: COUNT,
    RegisterRule.COMPLETED: COUNT,
    RegisterRule.PROMOTED_SIGNED: COUNT,
}


def derived_values(report, month):
    """Every rule's value as of ``month``: counts as ints, amounts in 亿元 (None: no data yet)."""
    return derived_values_for([report], month)[report.pk]


def derived_values_for(reports, month):
    """{report id: derived_values(report, month)} for several reports: one grouped query per
    year among them, however many reports (a city's counties share one)."""
    values = {}
    by_year = {}
    for report in reports:
        by_year.setdefault(report.year, []).append(report)
    for same_year in by_year.values():
        filters = rule_filters(same_year[0], month)  # the rules depend only on the year
        measures = {COUNT: lambda f: Count("pk", filter=f)}
        measures[TOTAL] = lambda f: Sum("total_investment", filter=f)
        measures[YEAR] = lambda f: Sum("invested", filter=f)
        aggregates = {
            str(rule): measures[RULE_MEASURES[rule]](condition)
            for rule, condition in filters.items()
        }
        rows = (
            Project.objects.filter(report__in=same_year)
            .annotate(invested=latest_investment(month))
            .values("report")
            .annotate(**aggregates)
            .order_by()
        )
        found = {row["report"]: row for row in rows}
        for report in same_year:
            row = found.get(report.pk, {})
            values[report.pk] = {
                rule: Decimal(row.get(str(rule)) or 0)
                if RULE_MEASURES[rule] == COUNT
                else in_yi(wan(row.get(str(rule))))
                for rule in filters
            }
    return values


# --- The list behind each number ---------------------------------------------------------------
# Filter parameters of /projects/ (see `filters.ProjectFilter`) that select exactly the projects
# of `rule_filters`: the dashboard's number is the count or sum of the list behind its link.
def _rule_params(month):
    implementation = {"category": Category.IMPLEMENTATION}
    preliminary = {"category": Category.PRELIMINARY}
    return {
        RegisterRule.IMPLEMENTATION_COUNT: implementation,
        RegisterRule.IMPLEMENTATION_TOTAL: implementation,
        RegisterRule.IMPLEMENTATION_YEAR: implementation,
        RegisterRule.PRELIMINARY_COUNT: preliminary,
        RegisterRule.PRELIMINARY_TOTAL: preliminary,
        RegisterRule.PRELIMINARY_YEAR: preliminary,
        RegisterRule.CONTINUING_UNDERWAY: {
            **implementation,
            "build_type": BuildType.CONTINUING,
            "started_by": month,
        },
        RegisterRule.NEW_STARTED: {"build_type": BuildType.NEW, "started_in_year_by": month},
        RegisterRule.COMPLETED: {"completed_in_year_by": month},
        RegisterRule.PROMOTED_SIGNED: {"promoted": "true", "signed_in_year_by": month},
    }


def list_url(report, rule, month):
    """The /projects/ address listing the projects behind ``rule``'s value as of ``month``.

    Exact by construction and by test (tests/test_register.py): the list's totals row shows the
    number the dashboard shows for the indicator carrying ``rule``.
    """
    params = {"report": report.pk, "month": month}
    if rule:  # without a rule: the whole register as of the month, a base for other filters
        params.update(_rule_params(month)[rule])
    return f"{reverse('projects:list')}?{urlencode(params)}"


@dataclass(frozen=True)
class Amounts:
    """Projects taken together (a filtered list, or one group of the investment page): how many,
    their total investment, and this year's plan and completion, in 万元 (亿元 via ``_yi``)."""

    count: int
    total: Decimal
    planned: Decimal
    invested: Decimal | None  # None while no project has approved data, as 无数据 on dashboards
    key: object = None  # the group's value (a programme, a department...), None for a total

    @property
    def total_yi(self):
        return in_yi(self.total)

    @property
    def planned_yi(self):
        return in_yi(self.planned)

    @property
    def invested_yi(self):
        return in_yi(self.invested)

    @property
    def share(self):
        """This year's investment as a fraction of the plan."""
        if self.invested is None or not self.planned:
            return None
        return self.invested / self.planned


def totals(projects):
    """The totals of ``projects`` (any filter over ``Project.objects.as_of``), in one query."""
    # Aliases differ from the annotations they sum: Django's wrapping subquery loses ``invested``
    # when the aggregate takes the annotation's own name (SQLite then sums a string: 0).
    row = projects.order_by().aggregate(
        project_count=Count("pk"),
        total_sum=Sum("total_investment"),
        planned_sum=Sum("planned_investment"),
        invested_sum=Sum("invested"),
    )
    return Amounts(
        count=row["project_count"],
        total=wan(row["total_sum"]) or Decimal(0),
        planned=wan(row["planned_sum"]) or Decimal(0),
        invested=wan(row["invested_sum"]),
    )


def in_yi(amount):
    """万元 -> 亿元, as the report's targets speak."""
    return None if amount is None else Decimal(amount) / WAN_PER_YI


# --- The investment dashboard --------------------------------------------------------------------
def investment_by(projects, *fields):
    """Planned and completed investment of ``projects`` (from ``as_of``) per value of
    ``fields``, in one grouped query, largest plan first."""
    rows = (
        projects.order_by()
        .values(*fields)
        .annotate(
            project_count=Count("pk"),
            total_sum=Sum("total_investment"),
            planned_sum=Sum("planned_investment"),
            invested_sum=Sum("invested"),
        )
        .order_by("-planned_sum", *fields)
    )
    return [
        Amounts(
            key=row[fields[0]] if len(fields) == 1 else tuple(row[f] for f in fields),
            count=row["project_count"],
            total=wan(row["total_sum"]) or Decimal(0),
            planned=wan(row["planned_sum"]) or Decimal(0),
            invested=wan(row["invested_sum"]),
        )
        for row in rows
    ]


def stage_counts(projects):
    """{category: {stage: count}} at the month's end, every stage present (one query)."""
    counts = {category: dict.fromkeys(STAGE_ORDER, 0) for category in Category.values}
    rows = projects.order_by().values("category", "stage_then").annotate(n=Count("pk"))
    for row in rows:
        counts[row["category"]][row["stage_then"]] = row["n"]
    return counts


def monthly_investment(report, month):
    """This year's investment of each category at the end of months 1..``month``, in 亿元 (None
    where no project has approved data yet): the values PP-03 and PP-06 take month by month.
    One query, however many projects."""
    projects = Project.objects.filter(report=report)
    sums = {}
    for m in range(1, month + 1):
        projects = projects.annotate(**{f"invested_{m}": latest_investment(m)})
        for category in Category.values:
            sums[f"{category}_{m}_sum"] = Sum(f"invested_{m}", filter=Q(category=category))
    row = projects.aggregate(**sums)
    return {
        category: [in_yi(wan(row[f"{category}_{m}_sum"])) for m in range(1, month + 1)]
        for category in Category.values
    }


def signed_projects(report, month):
    """Projects introduced by promotion and signed this year up to ``month``: counts by origin
    (largest first) and by month signed (1..``month``). One query."""
    signed = (
        Project.objects.filter(report=report)
        .filter(rule_filters(report, month)[RegisterRule.PROMOTED_SIGNED])
        .values_list("investor_origin", "signed_on")
    )
    by_origin, by_month = {}, [0] * month
    for origin, signed_on in signed:
        by_origin[origin] = by_origin.get(origin, 0) + 1
        by_month[signed_on.month - 1] += 1
    origins = sorted(by_origin.items(), key=lambda item: (-item[1], item[0]))
    return origins, by_month
