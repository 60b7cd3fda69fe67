"""What the cross-target plausibility rules (``indicators.checks.cross``) read from the project
register: the derived values as of a month (`register.derived_values`), and the projects about
to start around a write's projects. Installed into ``cross`` when the app is ready (``apps``):
the targets' app imports nothing of this one.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Value

from indicators.models import EntryState
from indicators.progress import month_end

from . import register
from .models import Project, ProjectProgress, Stage


def derived_values(report, month, rules):
    """The register-derived values of ``rules`` for ``report`` as of ``month`` (one query)."""
    return register.derived_values(report, month, rules)


@dataclass(frozen=True)
class ProjectStarts:
    """One project against the start counts: ``pending``, a 开工 submitted for a month up to the
    one judged and not yet approved; ``selected``, the counts whose projects it is among (its
    category, build type...); ``counted``, those that count it already (its approved start)."""

    pending: bool
    selected: frozenset
    counted: frozenset


def _static_condition(rule, year):
    """``rule``'s filter without its dates: which projects it counts once started."""
    condition = Q()
    for name, value in register.RULES[rule].params.items():
        if value is not register.AS_OF:
            condition &= register.CONDITIONS[name](value, year)
    return condition


def _flag(condition):
    if not condition:
        return Value(True, output_field=BooleanField())
    return ExpressionWrapper(condition, output_field=BooleanField())


def starts(report, month, rules, project_ids):
    """{project id: `ProjectStarts`} for the projects ``project_ids`` and every project with a
    pending 开工 for ``month`` or earlier, against the count ``rules`` (register rules), as of
    ``month``. One query."""
    pending = ProjectProgress.objects.filter(
        project=OuterRef("pk"), state=EntryState.SUBMITTED, stage=Stage.STARTED, month__lte=month
    )
    flags = {}
    for rule in rules:
        flags[f"selected_{rule}"] = _flag(_static_condition(rule, report.year))
        flags[f"counted_{rule}"] = _flag(register.rule_condition(rule, report.year, month))
    rows = (
        Project.objects.filter(report=report)
        .annotate(pending=Exists(pending), **flags)
        .filter(Q(pk__in=project_ids) | Q(pending=True))
        .values("pk", "pending", *flags)
    )
    return {
        row["pk"]: ProjectStarts(
            pending=row["pending"],
            selected=frozenset(rule for rule in rules if row[f"selected_{rule}"]),
            counted=frozenset(rule for rule in rules if row[f"counted_{rule}"]),
        )
        for row in rows
    }


def start_day(value, year, month):
    """The day a project's row for ``month`` of ``year`` reports its start (开工), or None when
    it reports none. ``value``: the row's fields (a mapping), the row, or a stage alone."""
    if isinstance(value, Mapping):
        stage, day = value.get("stage"), value.get("stage_date")
    elif isinstance(value, str):
        stage, day = value, None
    else:
        stage, day = getattr(value, "stage", None), getattr(value, "stage_date", None)
    if stage != Stage.STARTED:
        return None
    return day or month_end(year, month)


def counts_start_on(rule, day, year):
    """Whether a start on ``day`` counts for ``rule`` in a report of ``year``: a count of this
    year's starts (`register.RULES`' ``started_in_year_by``) leaves out a start dated earlier."""
    return "started_in_year_by" not in register.RULES[rule].params or day.year == year
