"""Indicators computed from the project register, never typed twice.

Each `RegisterRule` names a count or a sum over the report's projects as of a month's end, using
only approved project progress and the stage dates the register holds. All rules are answered by
one aggregate query, so a dashboard pays the same whatever the register's size.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from indicators.models import EntryState, RegisterRule
from indicators.progress import month_end

from .models import BuildType, Category, Project, ProjectProgress

WAN_PER_YI = Decimal(10000)  # amounts are stored in 万元; report targets speak of 亿元


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


def with_investment(projects, month):
    """Annotate ``invested``: this year's investment as of the latest approved month <= month."""
    latest = ProjectProgress.objects.filter(
        project=OuterRef("pk"), month__lte=month, state=EntryState.APPROVED
    ).order_by("-month")
    return projects.annotate(invested=Subquery(latest.values("investment_completed")[:1]))


def derived_values(report, month):
    """Every rule's value as of ``month``: counts as ints, amounts in 亿元 (None: no data yet)."""
    filters = rule_filters(report, month)
    measures = {COUNT: lambda f: Count("pk", filter=f)}
    measures[TOTAL] = lambda f: Sum("total_investment", filter=f)
    measures[YEAR] = lambda f: Sum("invested", filter=f)
    aggregates = {
        rule: measures[RULE_MEASURES[rule]](condition) for rule, condition in filters.items()
    }
    projects = with_investment(Project.objects.filter(report=report), month)
    row = projects.aggregate(**{str(rule): expression for rule, expression in aggregates.items()})
    values = {}
    for rule in filters:
        value = row[str(rule)]
        if RULE_MEASURES[rule] == COUNT:
            values[rule] = Decimal(value)
        else:
            values[rule] = None if value is None else Decimal(value) / WAN_PER_YI
    return values
