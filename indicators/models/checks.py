"""A report's plausibility rules as data (校验规则): which checks run on its figures, with what
parameter, on which targets, and whether a finding blocks submission. A report without rows
runs every per-figure rule with the defaults of ``indicators.checks``."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .. import checks
from .organisation import Report
from .targets import Indicator


class CheckRule(models.Model):
    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.CASCADE, related_name="check_rules"
    )
    rule = models.CharField(
        _("规则"),
        max_length=20,
        choices=[(code, checks.RULE_LABELS[code]) for code in checks.RULES],
    )
    # The rule's number: k for a step, the z-score for an outlier, the factor past the target,
    # the decimals a unit allows, the tolerance of a sum. Empty: the rule's default.
    parameter = models.DecimalField(
        _("参数"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    # The target the rule judges (a part, a derived target); empty: every target of the report.
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("目标任务"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="check_rules",
    )
    # The other target a cross-target rule compares with (the total of a part).
    other = models.ForeignKey(
        Indicator,
        verbose_name=_("对照目标"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    blocking = models.BooleanField(_("阻止报送"), default=False)
    enabled = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model", "校验规则")
        verbose_name_plural = pgettext_lazy("model, plural", "校验规则")
        ordering = ["report", "rule", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rule__in=checks.RULES), name="check_rule_known"
            ),
        ]

    def __str__(self):
        return str(checks.RULE_LABELS.get(self.rule, self.rule))
