"""Indicators computed from the project register, never typed twice.

Each `RegisterRule` names a count or a sum over the report's projects as of a month's end, using
only approved project progress and the stage dates the register holds. All rules are answered by
one aggregate query, so a dashboard pays the same whatever the register's size.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, F, Q, Sum, Value, Window
from django.db.models.functions import Lag
from django.urls import reverse

from indicators.models import EntryState, RegisterRule
from indicators.progress import month_end

from .models import STAGE_ORDER, BuildType, Category, Project, ProjectProgress, latest_investment

WAN_PER_YI = Decimal(10000)  # amounts are stored in 万元; report targets speak of 亿元
CENT = Decimal("0.01")


def wan(total):
    """A database sum of 万元 amounts, exact: SQLite sums decimals as floats (69.7269920000001)."""
    return None if total is None else Decimal(total).quantize(CENT)


# --- Each rule, declared once ------------------------------------------------------------------
# A rule is the /projects/ filter parameters that select its projects (see `filters.
# ProjectFilter`) and what it adds up. The database filter (`rule_filters`) and the link to the
# list behind the number (`list_url`) are both derived from this one declaration, so the
# dashboard's number is the count or sum of the list its link opens, by construction.
COUNT, TOTAL, YEAR = "count", "total", "year"  # projects, total investment, this year's
AS_OF = object()  # stands for the month the number is read as of


@dataclass(frozen=True)
class Rule:
    measure: str
    params: dict


_IMPLEMENTATION = {"category": Category.IMPLEMENTATION}
_PRELIMINARY = {"category": Category.PRELIMINARY}
RULES = {
    RegisterRule.IMPLEMENTATION_COUNT: Rule(COUNT, _IMPLEMENTATION),
    RegisterRule.IMPLEMENTATION_TOTAL: Rule(TOTAL, _IMPLEMENTATION),
    RegisterRule.IMPLEMENTATION_YEAR: Rule(YEAR, _IMPLEMENTATION),
    RegisterRule.PRELIMINARY_COUNT: Rule(COUNT, _PRELIMINARY),
    RegisterRule.PRELIMINARY_TOTAL: Rule(TOTAL, _PRELIMINARY),
    RegisterRule.PRELIMINARY_YEAR: Rule(YEAR, _PRELIMINARY),
    RegisterRule.CONTINUING_UNDERWAY: Rule(
        COUNT, {**_IMPLEMENTATION, "build_type": BuildType.CONTINUING, "started_by": AS_OF}
    ),
    RegisterRule.NEW_STARTED: Rule(
        COUNT, {"build_type": BuildType.NEW, "started_in_year_by": AS_OF}
    ),
    RegisterRule.COMPLETED: Rule(COUNT, {"completed_in_year_by": AS_OF}),
    RegisterRule.PROMOTED_SIGNED: Rule(COUNT, {"promoted": "true", "signed_in_year_by": AS_OF}),
}


def _in_year_by(field):
    return lambda value, year: Q(
        **{f"{field}__gte": datetime.date(year, 1, 1), f"{field}__lte": month_end(year, value)}
    )


# What each filter parameter selects, for a report of ``year``: the project list's filters
# (`filters.ProjectFilter`) ask these too, so a link and its list can never mean two things.
CONDITIONS = {
    "category": lambda value, year: Q(category=value),
    "build_type": lambda value, year: Q(build_type=value),
    "promoted": lambda value, year: Q(is_promoted=value == "true"),
    "started_by": lambda value, year: Q(start_date__lte=month_end(year, value)),
    "started_in_year_by": _in_year_by("start_date"),
    "completed_in_year_by": _in_year_by("completion_date"),
    "signed_in_year_by": _in_year_by("signed_on"),
}


def rule_params(rule, month):
    """The /projects/ filter parameters of ``rule`` as of ``month``."""
    return {name: month if value is AS_OF else value for name, value in RULES[rule].params.items()}


def rule_condition(rule, year, month):
    """The database filter of ``rule`` as of ``month`` of ``year``."""
    condition = Q()
    for name, value in rule_params(rule, month).items():
        condition &= CONDITIONS[name](value, year)
    return condition


def rule_filters(report, month):
    """The project filter behind each rule as of ``month``: the list a derived number links to."""
    return {rule: rule_condition(rule, report.year, month) for rule in RULES}


def derived_values(report, month, rules=None):
    """Every rule's value as of ``month``: counts as ints, amounts in 亿元 (None: no data yet).
    ``rules``: only these (a count alone reads no investment)."""
    return derived_values_for([report], month, rules)[report.pk]


def derived_values_for(reports, month, rules=None):
    """{report id: derived_values(report, month)} for several reports: one grouped query per
    year among them, however many reports (a city's counties share one)."""
    values = {}
    by_year = {}
    for report in reports:
        by_year.setdefault(report.year, []).append(report)
    for same_year in by_year.values():
        filters = rule_filters(same_year[0], month)  # the rules depend only on the year
        if rules is not None:
            filters = {rule: condition for rule, condition in filters.items() if rule in rules}
        measures = {COUNT: lambda f: Count("pk", filter=f)}
        measures[TOTAL] = lambda f: Sum("total_investment", filter=f)
        measures[YEAR] = lambda f: Sum("invested", filter=f)
        aggregates = {
            str(rule): measures[RULES[rule].measure](condition)
            for rule, condition in filters.items()
        }
        projects = Project.objects.filter(report__in=same_year)
        if any(RULES[rule].measure == YEAR for rule in filters):
            projects = projects.annotate(invested=latest_investment(month))
        rows = projects.values("report").annotate(**aggregates).order_by()
        found = {row["report"]: row for row in rows}
        for report in same_year:
            row = found.get(report.pk, {})
            values[report.pk] = {
                rule: Decimal(row.get(str(rule)) or 0)
                if RULES[rule].measure == COUNT
                else in_yi(wan(row.get(str(rule))))
                for rule in filters
            }
    return values


# --- The list behind each number ---------------------------------------------------------------
def list_url(report, rule, month):
    """The /projects/ address listing the projects behind ``rule``'s value as of ``month``.

    Exact by construction and by test (tests/test_register.py): the list's totals row shows the
    number the dashboard shows for the indicator carrying ``rule``.
    """
    params = {"report": report.pk, "month": month}
    if rule:  # without a rule: the whole register as of the month, a base for other filters
        params.update(rule_params(rule, month))
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

    One grouped query, whatever the register's size (not a subquery per project and month):
    each approved row counts as its change from the project's previous approved row (a window),
    summed per category and month; the running sum of the changes up to a month is the sum of
    every project's latest figure by then.
    """
    changes = (
        ProjectProgress.objects.filter(
            project__report=report, state=EntryState.APPROVED, month__lte=month
        )
        .order_by()
        .values(
            category=F("project__category"),
            month_number=F("month"),
            change=F("investment_completed")
            - Window(
                Lag("investment_completed", default=Value(Decimal(0))),
                partition_by=[F("project_id")],
                order_by=F("month").asc(),
            ),
        )
    )
    sql, params = changes.query.sql_with_params()
    category, number, change = (
        connection.ops.quote_name(name) for name in ("category", "month_number", "change")
    )
    with connection.cursor() as cursor:
        # Grouping over a window needs the window in a subquery, which the ORM cannot group.
        cursor.execute(
            f"SELECT {category}, {number}, SUM({change}) FROM ({sql}) changes "
            f"GROUP BY {category}, {number}",
            params,
        )
        sums = {(row[0], row[1]): row[2] for row in cursor.fetchall()}
    curves = {}
    for name in Category.values:
        total, curve, seen = Decimal(0), [], False
        for m in range(1, month + 1):
            if (name, m) in sums:
                total += Decimal(sums[name, m])
                seen = True
            curve.append(in_yi(wan(total)) if seen else None)
        curves[name] = curve
    return curves


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
