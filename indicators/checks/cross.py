"""Cross-target plausibility rules, declared per report (``CheckRule`` rows, the report
workbook's 校验规则 sheet, the admin): a part no larger than its total, projects started no more
than planned, a typed-in figure against the register's sum of the same thing.

Each rule is one ``CheckRule``: ``indicator`` (the target it judges), ``other`` (the target it
compares with), ``parameter`` (a tolerance, in percent of the figure compared with; empty: the
rule's `DEFAULT_TOLERANCE`) and ``blocking``.

- ``PART_OF_TOTAL`` 分项大于总数: ``indicator`` is a part of ``other``, its total (both 累计型 or
  存量型, in one unit). The part's figure of a month may not exceed the total's figure of the same
  month. A target's figure of a month is the value in the same write (a part and its total in
  one import), else its entry of that month once submitted or approved (a draft is nobody's
  figure yet); a side derived from the register reads the register as of the month. Judged on
  either side's figure: a part typed above its total, or a total typed below its part.
- ``STARTED_OVER_PLAN`` 开工数超计划: ``indicator`` is a register-derived count of projects started
  (`START_COUNTS`: 在建续建项目个数, 本年新开工项目个数; PP-07 and PP-08 in 2023). Its
  **计划数 is the report's annual figure for that count**: ``indicator.target`` (51 for
  "51个新建项目开工建设"), or ``other``'s annual figure where the plan is a target of its own.
  Not the register's list of projects: a start is reported only for a project in the register,
  so no count of the register's projects can be exceeded (the demo's register holds 107 new
  projects against a plan of 51 starts). Judged on a project's 开工 (a ``ProjectProgress`` row
  reporting 已开工): the count once this start, every start submitted and not yet approved, and
  the other starts of the same write are counted, above the plan.
- ``REGISTER_SUM`` 与项目库不符: ``indicator`` is a typed-in target, ``other`` a target derived
  from the register that measures the same thing in the same unit (a statistics bureau's
  investment figure and the register's summed investment). The typed figure may differ from the
  register's value as of the month by at most the tolerance.

``load`` reads what the rules need in a fixed number of queries (at most four), however many
subjects; ``flags`` judges one figure with it and asks nothing more of the database.

The register belongs to the projects app, above this one: it installs its reader here when it
is ready (``projects.checks``, `read_register_with`), as project rows reach the workflow gate
through their model.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from ..models import CheckRule, EntryState, Indicator, Kind, ProgressEntry, RegisterRule
from ..numbers import amount, plain, points
from ..xlsx import listing
from . import (
    PART_OF_TOTAL,
    REGISTER_SUM,
    RULE_LABELS,
    RULES,
    STARTED_OVER_PLAN,
    Flag,
)

CROSS_RULES = (PART_OF_TOTAL, STARTED_OVER_PLAN, REGISTER_SUM)
# Percent of the figure compared with; a part equal to its total is no finding, and a register
# rarely matches another source to the last 万元.
DEFAULT_TOLERANCE = {
    PART_OF_TOTAL: Decimal(0),
    STARTED_OVER_PLAN: Decimal(0),
    REGISTER_SUM: Decimal(5),
}
# The register-derived targets that count projects started (开工).
START_COUNTS = (RegisterRule.CONTINUING_UNDERWAY, RegisterRule.NEW_STARTED)
# A part, a total or a sum is an amount that accumulates or stands: not a percent done, a rate
# or a limit.
COMPARABLE_KINDS = (Kind.CUMULATIVE, Kind.STOCK)
FIGURED = (EntryState.SUBMITTED, EntryState.APPROVED)

_register = {}


def read_register_with(reader):
    """Install the project register's reader (``projects.checks``): ``derived_values(report,
    month, rules)``, ``starts(report, month, rules, project_ids)``, ``start_day(value, year,
    month)`` and ``counts_start_on(rule, day, year)``."""
    _register["reader"] = reader


def tolerance(rule):
    """``rule``'s tolerance in percent: its parameter, else the rule's default."""
    return rule.parameter if rule.parameter is not None else DEFAULT_TOLERANCE[rule.rule]


def _limit(base, rule):
    return base + abs(base) * tolerance(rule) / 100


def message(flag):
    """A cross-target flag in the reader's language, with its numbers (``Flag.message``)."""
    return flag.message


# --- Reading once ------------------------------------------------------------------------------


@dataclass
class Loaded:
    """What ``load`` read for one report and month; ``flags`` adds each figure it judges to
    ``written`` / ``starting`` (the same write)."""

    report: object = None
    month: int = 0
    rules: list = field(default_factory=list)
    by_target: dict = field(default_factory=dict)  # target id -> its part-of-total, sum rules
    start_rules: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)  # target id -> the month's submitted figure
    written: dict = field(default_factory=dict)  # target id -> its figure in this write
    derived: dict = field(default_factory=dict)  # register rule -> value as of the month
    projects: dict = field(default_factory=dict)  # project id -> `starts` of the register
    starting: dict = field(default_factory=dict)  # project id -> start day, in this write
    moving: dict = field(default_factory=dict)  # start count -> ids whose start would move it

    def figure(self, target):
        """``target``'s figure of the month (None: none yet)."""
        if target.is_derived:
            return self.derived.get(target.register_rule)
        return self.written.get(target.pk, self.figures.get(target.pk))


NOTHING = object()  # a subject given to `load` without its figure


def _item(item):
    """(subject, figure or fields) from a subject, a (subject, value) pair, or a workflow
    ``Change`` (its subject and fields)."""
    if hasattr(item, "subject") and hasattr(item, "fields"):
        return item.subject, item.fields
    if isinstance(item, tuple):
        return item
    return item, NOTHING


def load(report, subjects, month):
    """What the cross-target rules of ``report`` need to judge ``subjects``' figures of
    ``month``: at most four queries whatever their number (the rules; the month's submitted
    figures of the typed targets they name; the register's derived values; the register's
    starts around the projects among ``subjects``).

    ``subjects``: targets and projects, or the gate's ``Change``s (or (subject, value) pairs):
    given with their values, a part and its total (or several starts) in one write are judged
    against each other whichever ``flags`` is asked first."""
    items = [_item(subject) for subject in subjects]
    rules = list(
        CheckRule.objects.filter(
            report=report, enabled=True, rule__in=CROSS_RULES, indicator__isnull=False
        )
        .select_related("indicator", "other")
        .order_by("id")
    )
    # A rule its declaration would refuse now (written before a target changed) judges nothing.
    rules = [r for r in rules if not declaration_problems(r.rule, None, r.indicator, r.other)]
    loaded = Loaded(report, month, rules)
    if not rules:
        return loaded
    for rule in rules:
        if rule.rule == STARTED_OVER_PLAN:
            loaded.start_rules.append(rule)
            continue
        loaded.by_target.setdefault(rule.indicator_id, []).append(rule)
        if rule.rule == PART_OF_TOTAL:
            loaded.by_target.setdefault(rule.other_id, []).append(rule)
    reader = _register.get("reader")
    for subject, value in items:
        if value is NOTHING:
            continue
        if isinstance(subject, Indicator):
            figure = _figure(value)
            if figure is not None:
                loaded.written[subject.pk] = figure
        elif reader is not None:
            day = reader.start_day(value, report.year, month)
            if day is not None:
                loaded.starting[subject.pk] = day
    _read(loaded, reader, items)
    return loaded


def _read(loaded, reader, items):
    sides = [t for rule in loaded.rules for t in (rule.indicator, rule.other) if t is not None]
    typed = {t.pk for t in sides if not t.is_derived}
    if typed:
        loaded.figures = dict(
            ProgressEntry.objects.filter(
                indicator_id__in=typed, month=loaded.month, state__in=FIGURED
            ).values_list("indicator_id", "value")
        )
    if reader is None:
        return
    derived = {t.register_rule for t in sides if t.is_derived}
    if derived:
        loaded.derived = reader.derived_values(loaded.report, loaded.month, derived)
    projects = [s.pk for s, _value in items if not isinstance(s, Indicator)]
    if loaded.start_rules and projects:
        counts = {rule.indicator.register_rule for rule in loaded.start_rules}
        loaded.projects = reader.starts(loaded.report, loaded.month, counts, projects)
        for count in counts:
            loaded.moving[count] = {
                pk
                for pk, project in loaded.projects.items()
                if project.pending and _moves(loaded, reader, count, pk, None)
            }
        for pk, day in loaded.starting.items():
            _record_start(loaded, reader, pk, day)


def _figure(value):
    """The figure a target's row reports: a number, the row's fields, or the row itself."""
    if isinstance(value, Mapping):
        value = value.get("value")
    elif hasattr(value, "number"):
        value = value.number
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Judging one figure ------------------------------------------------------------------------


def flags(subject, month, value, loaded):
    """The cross-target ``Flag``s of ``subject``'s figure ``value`` for ``month``, from
    ``loaded`` (`load` for the same report and month).

    A target's ``value`` is its figure (or its row's fields, or the row). A project's is what
    its row reports: the row's fields (``{"stage": ..., "stage_date": ...}``), the row, or the
    stage alone; a figure alone (its investment) carries no stage, and the start given to
    `load` with the project, if any, is judged. A project is judged only if it was among
    `load`'s subjects."""
    if not loaded or not loaded.rules:
        return []
    if isinstance(subject, Indicator):
        return _target_flags(subject, value, loaded)
    return _project_flags(subject, month, value, loaded)


def _target_flags(subject, value, loaded):
    figure = _figure(value)
    if figure is None:
        return []
    loaded.written[subject.pk] = figure
    found = []
    for rule in loaded.by_target.get(subject.pk, ()):
        if rule.rule == PART_OF_TOTAL:
            flag = _part_of_total(rule, subject, figure, loaded)
        else:
            flag = _register_sum(rule, figure, loaded)
        if flag is not None:
            found.append(flag)
    return found


def _number(value):
    return amount(value, 4, grouped=False)


def _part_of_total(rule, subject, figure, loaded):
    is_part = rule.indicator_id == subject.pk
    part = figure if is_part else loaded.figure(rule.indicator)
    total = loaded.figure(rule.other) if is_part else figure
    if part is None or total is None or part <= _limit(total, rule):
        return None
    params = {
        "check_rule": rule.pk,
        "part": str(rule.indicator),
        "part_value": _number(part),
        "total": str(rule.other),
        "total_value": _number(total),
        "unit": rule.indicator.unit,
        "tolerance": plain(tolerance(rule)),
    }
    return Flag(PART_OF_TOTAL, rule.blocking, params)


def _register_sum(rule, figure, loaded):
    register = loaded.figure(rule.other)
    if register is None:
        return None
    gap = abs(figure - register)
    if gap <= abs(register) * tolerance(rule) / 100:
        return None
    params = {
        "check_rule": rule.pk,
        "target": str(rule.indicator),
        "value": _number(figure),
        "register_target": str(rule.other),
        "register": _number(register),
        "gap": points(gap / abs(register) * 100) if register else "—",
        "unit": rule.indicator.unit,
        "tolerance": plain(tolerance(rule)),
    }
    return Flag(REGISTER_SUM, rule.blocking, params)


def _project_flags(subject, month, value, loaded):
    reader = _register.get("reader")
    if reader is None or not loaded.start_rules:
        return []
    day = reader.start_day(value, loaded.report.year, month) if value is not NOTHING else None
    if day is not None:
        _record_start(loaded, reader, subject.pk, day)
    day = loaded.starting.get(subject.pk)
    found = []
    for rule in loaded.start_rules if day is not None else ():
        count_rule = rule.indicator.register_rule
        if not _moves(loaded, reader, count_rule, subject.pk, day):
            continue  # not among the projects it counts, or counted already
        # Counted by the register, pending review, the write's other starts, and this one.
        others = loaded.moving.get(count_rule, set()) - {subject.pk}
        count = Decimal(loaded.derived.get(count_rule) or 0) + len(others) + 1
        plan = (rule.other or rule.indicator).target
        if count <= _limit(plan, rule):
            continue
        params = {
            "check_rule": rule.pk,
            "project": str(subject),
            "target": str(rule.indicator),
            "count": plain(count),
            "plan": plain(plan),
            "tolerance": plain(tolerance(rule)),
        }
        found.append(Flag(STARTED_OVER_PLAN, rule.blocking, params))
    return found


def _moves(loaded, reader, count_rule, project_id, day):
    """Whether project ``project_id``'s start on ``day`` (None: a pending start, its day
    unread) moves ``count_rule``: it is among the projects the count selects, not counted yet,
    and its day is one the count takes (this year's, for a count of this year's starts)."""
    project = loaded.projects.get(project_id)
    return (
        project is not None
        and count_rule in project.selected
        and count_rule not in project.counted
        and (day is None or reader.counts_start_on(count_rule, day, loaded.report.year))
    )


def _record_start(loaded, reader, project_id, day):
    """A start on ``day`` of ``project_id`` in this write, for the starts judged after it."""
    loaded.starting[project_id] = day
    for count_rule, moving in loaded.moving.items():
        if _moves(loaded, reader, count_rule, project_id, day):
            moving.add(project_id)
        else:
            moving.discard(project_id)


# --- Declaring a rule --------------------------------------------------------------------------


def declaration_problems(rule, parameter, indicator, other):
    """Why a rule declared so cannot stand: [(field, message)], field one of ``rule``,
    ``parameter``, ``indicator``, ``other``; empty when it can. ``indicator`` and ``other`` are
    targets (stored or not: their code, name, unit, kind and register rule are read) or None.

    The one answer the report workbook's 校验规则 sheet and the admin's form both give."""
    if rule not in RULES:
        return [("rule", _("未知的规则。"))]
    problems = []
    if parameter is not None and parameter < 0:
        problems.append(("parameter", _("参数不能为负数。")))
    if rule not in CROSS_RULES:
        if other is not None:
            labels = listing(RULE_LABELS[code] for code in CROSS_RULES)
            message = _("只有跨目标规则（%(rules)s）才填写对照目标。") % {"rules": labels}
            problems.append(("other", message))
        return problems
    label = RULE_LABELS[rule]
    if indicator is None:
        problems.append(("indicator", _("“%(rule)s”须填写目标。") % {"rule": label}))
        return problems
    if other is not None and other.code == indicator.code:
        problems.append(("other", _("对照目标不能是目标本身。")))
        return problems
    return problems + CHECKS[rule](indicator, other)


def _same_unit(indicator, other):
    if other is None or indicator.unit == other.unit:
        return []
    message = _("%(target)s的单位（%(unit)s）与%(other)s的单位（%(other_unit)s）不同，无法比较。")
    fields = {
        "target": indicator,
        "unit": indicator.unit,
        "other": other,
        "other_unit": other.unit,
    }
    return [("other", message % fields)]


def _comparable(field_name, target):
    if target.kind in COMPARABLE_KINDS:
        return []
    message = _("%(target)s是%(kind)s目标，只有累计型和存量型目标可以这样比较。")
    return [(field_name, message % {"target": target, "kind": Kind(target.kind).label})]


def _part_of_total_problems(indicator, other):
    if other is None:
        return [("other", _("“分项大于总数”须填写对照目标（总数）。"))]
    problems = _comparable("indicator", indicator) + _comparable("other", other)
    if indicator.is_derived and other.is_derived:
        problems.append(("other", _("两个目标都由项目库计算，无需校验，请删去这条规则。")))
    return problems + _same_unit(indicator, other)


def _started_over_plan_problems(indicator, other):
    if indicator.register_rule not in START_COUNTS:
        counts = listing(RegisterRule(rule).label for rule in START_COUNTS)
        message = _("%(target)s不是由项目库计算的开工项目个数（%(counts)s）。")
        return [("indicator", message % {"target": indicator, "counts": counts})]
    return _same_unit(indicator, other)


def _register_sum_problems(indicator, other):
    problems = []
    if indicator.is_derived:
        message = _("%(target)s由项目库计算，“与项目库不符”用于填报的目标。")
        problems.append(("indicator", message % {"target": indicator}))
    else:
        problems += _comparable("indicator", indicator)
    if other is None:
        problems.append(("other", _("“与项目库不符”须填写对照目标（由项目库计算的目标）。")))
    elif not other.is_derived:
        message = _("对照目标%(other)s不由项目库计算。")
        problems.append(("other", message % {"other": other}))
    elif not problems:
        problems += _same_unit(indicator, other)
    return problems


CHECKS = {
    PART_OF_TOTAL: _part_of_total_problems,
    STARTED_OVER_PLAN: _started_over_plan_problems,
    REGISTER_SUM: _register_sum_problems,
}
