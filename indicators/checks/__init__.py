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

from django.utils.translation import gettext_lazy as _

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
        """The flag in the reader's language (the rule's label until the rules say more)."""
        return str(self.label)

    def as_data(self):
        return {"rule": self.rule, "blocks": self.blocks, "params": dict(self.params)}

    @classmethod
    def from_data(cls, data):
        return cls(data["rule"], bool(data.get("blocks")), dict(data.get("params") or {}))


def flags_of(entry):
    """The ``Flag`` list stored on ``entry`` (an entry or a historical record of one)."""
    return [Flag.from_data(item) for item in (getattr(entry, "flags", None) or [])]


# The cross-target rules' messages (``cross.message``), written with their flag's params.
CROSS_MESSAGES = {
    PART_OF_TOTAL: _("%(part)s为%(part_value)s%(unit)s，大于%(total)s的%(total_value)s%(unit)s。"),
    STARTED_OVER_PLAN: _("%(project)s开工后，%(target)s将达%(count)s个，超过计划数%(plan)s个。"),
    REGISTER_SUM: _(
        "%(target)s为%(value)s%(unit)s，项目库合计（%(register_target)s）为%(register)s%(unit)s，"
        "相差%(gap)s%%，超过容差%(tolerance)s%%。"
    ),
}
