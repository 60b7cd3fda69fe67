"""Plausibility checks (数据合理性校验): what in a typed figure looks wrong before anyone approves
it. A slip of the pen or a padded figure is flagged, never silently accepted.

One rules module for every path a figure takes: the monthly form, the Excel import and anything
else that writes goes through the workflow gate, and the gate asks this module. A check warns
(the reporter must write an explanation, 说明, to submit a flagged figure) and blocks only where
a rule is declared blocking.

A flag is stored on the entry (``ReviewedEntry.flags``) as ``Flag.as_data()``: plain JSON, so
the entry's history keeps what was flagged when, and the words are written in the reader's
language when shown (``Flag.message``).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ..numbers import amount
from ..progress import month_label

# The rules, in the order a reviewer reads them.
FALL = "fall"  # a cumulative figure below an earlier approved month
STEP = "step"  # a monthly step above k x the median step
OUTLIER = "outlier"  # a robust outlier against the target's own history (and last year's)
BEYOND_TARGET = "beyond_target"  # past the annual target by more than a factor
DECIMALS = "decimals"  # more decimals than the unit allows
PART_OF_TOTAL = "part_of_total"  # cross-target: a part above its total
STARTED_OVER_PLAN = "started_over_plan"  # cross-target: projects started above the plan
REGISTER_SUM = "register_sum"  # cross-target: the register's sum against the derived target
RULES = (
    FALL,
    STEP,
    OUTLIER,
    BEYOND_TARGET,
    DECIMALS,
    PART_OF_TOTAL,
    STARTED_OVER_PLAN,
    REGISTER_SUM,
)
RULE_LABELS = {
    FALL: _("累计值下降"),
    STEP: _("增幅异常"),
    OUTLIER: _("偏离历史"),
    BEYOND_TARGET: _("远超年度目标"),
    DECIMALS: _("小数位过多"),
    PART_OF_TOTAL: _("分项大于总数"),
    STARTED_OVER_PLAN: _("开工数超计划"),
    REGISTER_SUM: _("与项目库不符"),
}


@dataclass(frozen=True)
class Flag:
    """One rule's finding on one figure: ``rule`` (one of ``RULES``), whether it ``blocks``
    submission, and the ``params`` its message is written with (plain JSON values)."""

    rule: str
    blocks: bool = False
    params: dict = field(default_factory=dict)

    @property
    def label(self):
        return RULE_LABELS[self.rule]

    @property
    def message(self):
        """What the rule found, in the reader's language, with its numbers written as the tables
        write them ("本月增加3,000，是以往每月增幅中位数（120）的25倍"); a rule without its
        own words says its label."""
        writer = MESSAGES.get(self.rule)
        try:
            return writer(self.params) if writer else str(self.label)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return str(self.label)  # a flag stored without the numbers its words need

    def as_data(self):
        return {"rule": self.rule, "blocks": self.blocks, "params": dict(self.params)}

    @classmethod
    def from_data(cls, data):
        return cls(data["rule"], bool(data.get("blocks")), dict(data.get("params") or {}))


def flags_of(entry):
    """The ``Flag`` list stored on ``entry`` (an entry or a historical record of one)."""
    return [Flag.from_data(item) for item in (getattr(entry, "flags", None) or [])]


# --- The per-figure rules' parameters --------------------------------------------------------
# A report's ``CheckRule`` rows override these (per target or for all of them); ``series`` runs
# the rules, ``figures`` loads what they need and runs every rule on a figure.

SERIES_RULES = (FALL, STEP, OUTLIER, BEYOND_TARGET, DECIMALS)
DEFAULTS = {
    STEP: Decimal(10),  # k: a monthly step above k x the median step of the approved history
    OUTLIER: Decimal("3.5"),  # the modified z-score past which a step is an outlier
    BEYOND_TARGET: Decimal(3),  # the factor past the annual target (a project: its plan)
}
# How many decimals a figure in each unit may carry (a CheckRule's parameter overrides it);
# a unit not listed is not checked unless a rule says how many.
UNIT_DECIMALS = {
    **dict.fromkeys(("个", "项", "人", "户", "家", "座", "所"), 0),
    **dict.fromkeys(("亩", "万元", "亿元", "%", "％", "公里"), 2),
}
GOAL_TARGET, GOAL_PLAN = "target", "plan"  # what BEYOND_TARGET compares with


@dataclass(frozen=True)
class Figure:
    """What the per-figure rules need to know of a subject's figure: its ``unit``, which of
    ``SERIES_RULES`` apply to it, whether it starts each year from 0 (January's figure is then
    its first step), and the ``goal`` BEYOND_TARGET compares with (``goal_of``: the annual target
    or a project's plan for the year). Each subject model says it (``Indicator.figure``,
    ``Project.figure``)."""

    unit: str
    rules: tuple
    from_zero: bool = False
    goal: Decimal | None = None
    goal_of: str = GOAL_TARGET


# --- The rules' words --------------------------------------------------------------------------


def _number(params, key):
    """A number of ``params`` as the tables write it, with the figure's unit."""
    return amount(Decimal(params[key]), 4) + params.get("unit", "")


def _change(params):
    """ "本月增加3,000" or, over several months, "比6月增加3,000（月均1,000）"."""
    step = Decimal(params["step"])
    words = {
        "increase": amount(abs(Decimal(params["increase"])), 4) + params.get("unit", ""),
        "step": amount(abs(step), 4),
        "month": month_label(params["since"]) if params.get("since") else "",
    }
    if int(params.get("months", 1)) == 1:
        text = _("本月增加%(increase)s") if step >= 0 else _("本月减少%(increase)s")
    elif step >= 0:
        text = _("比%(month)s增加%(increase)s（月均%(step)s）")
    else:
        text = _("比%(month)s减少%(increase)s（月均%(step)s）")
    return text % words


def _fall_message(params):
    return _("累计值%(value)s低于%(month)s已审核的%(previous)s") % {
        "value": _number(params, "value"),
        "previous": _number(params, "previous"),
        "month": month_label(params["month"]),
    }


def _step_message(params):
    return _("%(change)s，是以往每月增幅中位数（%(median)s）的%(times)s倍") % {
        "change": _change(params),
        "median": amount(Decimal(params["median"]), 4),
        "times": amount(Decimal(params["times"]), 1),
    }


def _outlier_message(params):
    if params.get("basis") == "last_year":
        text = _(
            "%(change)s，明显偏离去年各月的增幅（中位数%(median)s，偏离度%(z)s，超过%(limit)s）"
        )
    else:
        text = _(
            "%(change)s，明显偏离今年以往各月的增幅（中位数%(median)s，偏离度%(z)s，超过%(limit)s）"
        )
    return text % {
        "change": _change(params),
        "median": amount(Decimal(params["median"]), 4),
        "z": amount(abs(Decimal(params["z"])), 1),
        "limit": amount(Decimal(params["limit"]), 2),
    }


def _beyond_message(params):
    words = {
        "value": _number(params, "value"),
        "goal": _number(params, "goal"),
        "times": amount(Decimal(params.get("times") or 0), 1),
        "factor": amount(Decimal(params["factor"]), 2),
    }
    plan = params.get("goal_of") == GOAL_PLAN
    if Decimal(params["goal"]) == 0:
        text = (
            _("本年计划投资为0，累计完成投资%(value)s")
            if plan
            else _("年度目标为0，填报值为%(value)s")
        )
    elif plan:
        text = _("累计完成投资%(value)s是本年计划投资（%(goal)s）的%(times)s倍，超过%(factor)s倍")
    else:
        text = _("填报值%(value)s是年度目标（%(goal)s）的%(times)s倍，超过%(factor)s倍")
    return text % words


def _decimals_message(params):
    value = Decimal(params["value"])
    words = {
        # Every decimal the clerk typed, since they are the point, grouped as the tables group.
        "value": amount(value, max(-value.as_tuple().exponent, 0)),
        "found": params["found"],
        "allowed": params["allowed"],
        "unit": params.get("unit", ""),
    }
    if int(params["allowed"]) == 0:
        return _("%(value)s有%(found)s位小数，单位为“%(unit)s”的数值应为整数") % words
    return _("%(value)s有%(found)s位小数，单位为“%(unit)s”的数值最多%(allowed)s位小数") % words


MESSAGES = {
    FALL: _fall_message,
    STEP: _step_message,
    OUTLIER: _outlier_message,
    BEYOND_TARGET: _beyond_message,
    DECIMALS: _decimals_message,
    PART_OF_TOTAL: lambda params: _cross_message(PART_OF_TOTAL, params),
    STARTED_OVER_PLAN: lambda params: _cross_message(STARTED_OVER_PLAN, params),
    REGISTER_SUM: lambda params: _cross_message(REGISTER_SUM, params),
}


# The cross-target rules' messages (``cross.message``), written with their flag's params.
CROSS_MESSAGES = {
    PART_OF_TOTAL: _("%(part)s为%(part_value)s%(unit)s，大于%(total)s的%(total_value)s%(unit)s。"),
    STARTED_OVER_PLAN: _("%(project)s开工后，%(target)s将达%(count)s个，超过计划数%(plan)s个。"),
    REGISTER_SUM: _(
        "%(target)s为%(value)s%(unit)s，项目库合计（%(register_target)s）为%(register)s%(unit)s，"
        "相差%(gap)s%%，超过容差%(tolerance)s%%。"
    ),
}


# The numbers of a cross-target flag's params, stored plain (1234.5) and written as the tables
# write them (1,234.5) when shown.
CROSS_NUMBERS = ("part_value", "total_value", "value", "register", "count", "plan", "tolerance")


def _cross_message(rule, params):
    """A cross-target rule's words with its numbers (its label when the params do not fill them)."""
    try:
        words = {
            **params,
            **{key: amount(Decimal(params[key]), 4) for key in CROSS_NUMBERS if key in params},
        }
        return str(CROSS_MESSAGES[rule]) % words
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return str(RULE_LABELS[rule])
