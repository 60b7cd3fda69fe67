"""A report's quantified targets (目标任务): their kinds, frequencies and register rules."""

import itertools
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, FilteredRelation, Q, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .. import checks, forecast, progress
from .organisation import Department, Report, Section


class Kind(models.TextChoices):
    CUMULATIVE = "cumulative", _("累计型")
    STOCK = "stock", _("存量型")
    MILESTONE = "milestone", _("节点型")
    CEILING = "ceiling", _("控制型")
    FLOOR = "floor", _("底线型")


# Kinds whose progress is a completion ratio against 序时进度 (the others are judged by a limit).
RATIO_KINDS = (Kind.CUMULATIVE, Kind.STOCK, Kind.MILESTONE)
LIMIT_KINDS = (Kind.CEILING, Kind.FLOOR)


class Frequency(models.TextChoices):
    """How often a target's figure is published (统计口径): only due months are asked for."""

    MONTHLY = progress.MONTHLY, _("按月")
    QUARTERLY = progress.QUARTERLY, _("按季度")
    HALF_YEARLY = progress.HALF_YEARLY, _("按半年")
    YEARLY = progress.YEARLY, _("按年")


class RegisterRule(models.TextChoices):
    """How an indicator's value is computed from the project register (projects app)."""

    IMPLEMENTATION_COUNT = "implementation_count", _("实施类项目个数")
    IMPLEMENTATION_TOTAL = "implementation_total", _("实施类项目总投资")
    IMPLEMENTATION_YEAR = "implementation_year", _("实施类项目本年完成投资")
    PRELIMINARY_COUNT = "preliminary_count", _("前期类项目个数")
    PRELIMINARY_TOTAL = "preliminary_total", _("前期类项目总投资")
    PRELIMINARY_YEAR = "preliminary_year", _("前期类项目本年完成投资")
    CONTINUING_UNDERWAY = "continuing_underway", _("在建续建项目个数")
    NEW_STARTED = "new_started", _("本年新开工项目个数")
    COMPLETED = "completed", _("本年竣工项目个数")
    PROMOTED_SIGNED = "promoted_signed", _("本年招商引进项目个数")


class IndicatorQuerySet(models.QuerySet):
    def for_report(self, report):
        return (
            self.filter(report=report)
            .select_related("section", "lead_department")
            .order_by("section__order", "section_id", "order", "code")
        )

    def with_progress(self, month):
        """These indicators as a list, each with its latest approved entry of a due month <=
        ``month`` (a quarterly target's figure as of its last quarter): ``actual``,
        ``actual_month``, ``latest_note``, ``latest_problems`` (None when there is none); and
        ``is_reported``, whether ``month`` itself is submitted or approved.

        Two queries for any number of indicators, both set-based: the indicators joined to their
        entry of ``month`` (``is_reported``), and one window over their approved entries that
        keeps each indicator's latest (``entry_approved_by_month`` serves it).
        """
        # The month's own entry (one at most) joined, not asked for per indicator: a subquery
        # may be planned as a scan of every report's entries of that month.
        Entry = self.model.entry_model_class()
        reported = Q(month_entry__state__in=(Entry.State.SUBMITTED, Entry.State.APPROVED))
        indicators = list(
            self.annotate(
                month_entry=FilteredRelation("entries", condition=Q(entries__month=month))
            ).annotate(is_reported=Case(When(reported, then=True), default=False))
        )
        if not indicators:
            return indicators
        due = Q()
        for frequency in progress.DUE_MONTHS:
            latest_due = progress.latest_due_month(frequency, month)
            if latest_due:
                due |= Q(indicator__frequency=frequency, month__lte=latest_due)
        latest = (
            Entry.objects.filter(
                due, indicator__in=self.order_by().values("pk"), state=Entry.State.APPROVED
            )
            .order_by()
            .annotate(
                recency=Window(
                    RowNumber(), partition_by=[F("indicator_id")], order_by=F("month").desc()
                )
            )
            .filter(recency=1)
            .values_list("indicator_id", "value", "month", "note", "problems")
        )
        found = {row[0]: row[1:] for row in latest} if due else {}
        for indicator in indicators:
            (
                indicator.actual,
                indicator.actual_month,
                indicator.latest_note,
                indicator.latest_problems,
            ) = found.get(indicator.pk, NO_ENTRY)
        return indicators


# What `with_progress` gives an indicator with no approved entry yet.
NO_ENTRY = (None, None, None, None)


class Indicator(models.Model):
    """A quantified target of the report (目标任务)."""

    Kind = Kind
    RegisterRule = RegisterRule

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.PROTECT, related_name="indicators"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("板块"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.CharField(_("编号"), max_length=20)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("目标任务"), max_length=200)
    unit = models.CharField(_("单位"), max_length=20)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    target = models.DecimalField(_("年度目标"), max_digits=16, decimal_places=4)
    baseline = models.DecimalField(
        _("基数"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        related_name="led_indicators",
    )
    cooperating_departments = models.ManyToManyField(
        Department, verbose_name=_("配合单位"), blank=True, related_name="supported_indicators"
    )
    source_quote = models.TextField(_("报告原文"), blank=True)
    monthly_plan = models.JSONField(
        _("月度计划"),
        null=True,
        blank=True,
        help_text=_("12个累计比例（0–1，逐月不减），留空则按月平均（m/12）。"),
    )
    is_year_end_only = models.BooleanField(_("需年终才能确定"), default=False)
    # Closed by the annual statistics (统计年报, February or March): December's figure stays due
    # in 收尾 until it is entered, and the year is judged on it.
    awaits_annual_statistics = models.BooleanField(
        _("待统计年报"),
        default=False,
        help_text=_("勾选后，12月数据以统计年报为准，截止后仍可在收尾阶段报送，年度结果以其为准。"),
    )
    frequency = models.CharField(
        _("报送频率"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    tolerance = models.DecimalField(
        _("容差"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "差多少以内算“滞后”而非“严重滞后”：累计型、存量型、节点型为低于序时进度的百分点，"
            "控制型、底线型为偏离目标的百分比；留空按系统设置。“左右”的目标可填宽一些。"
        ),
    )
    register_rule = models.CharField(
        _("项目库取数规则"), max_length=30, choices=RegisterRule.choices, blank=True
    )

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model", "目标任务")
        verbose_name_plural = pgettext_lazy("model, plural", "目标任务")
        ordering = ["report", "section__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["report", "code"], name="indicator_report_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="indicator_kind_valid"),
            # A floor or a ceiling may be negative (revenue growth −2 %, CPI −0.3 %).
            models.CheckConstraint(
                condition=~Q(kind__in=RATIO_KINDS) | Q(target__gt=0),
                name="indicator_ratio_target_positive",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="indicator_frequency_valid"
            ),
            models.CheckConstraint(
                condition=Q(tolerance__isnull=True) | Q(tolerance__gte=0),
                name="indicator_tolerance_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_derived(self):
        return bool(self.register_rule)

    # What the workflow gate asks of a subject (an indicator here, a project in the register).
    @classmethod
    def entry_model_class(cls):
        """The model of a target's monthly entries (ProgressEntry), by its relation."""
        return cls._meta.get_field("entries").related_model

    @property
    def entry_model(self):
        return self.entry_model_class()

    @property
    def is_reportable(self):
        """Typed in by its department each month; register-derived values never are."""
        return not self.is_derived

    @property
    def figure(self):
        """What the plausibility checks need of this target's figure (``checks.Figure``): a
        cumulative figure or a milestone may not fall, and its steps are work done, judged for
        outliers (a rate's or a level's month-to-month wobble is not: only a step past k times
        the usual is); a cumulative figure starts the year from 0."""
        accumulates = self.kind in (Kind.CUMULATIVE, Kind.MILESTONE)
        rules = (
            *((checks.FALL,) if accumulates else ()),
            checks.STEP,
            *((checks.OUTLIER,) if accumulates else ()),
            checks.BEYOND_TARGET,
            checks.DECIMALS,
        )
        return checks.Figure(
            unit=self.unit,
            rules=rules,
            from_zero=self.kind == Kind.CUMULATIVE,
            goal=self.target,
        )

    def judge(self, month, actual, actual_month=None):
        """This target's standing as of ``month`` on the approved figure ``actual``, given (by
        the judged list) with ``actual_month``, the month it is of: a target awaiting the
        annual statistics reads 待统计年报 at December until December's own figure is in.
        Without ``actual_month`` the figure is taken as ``month``'s own."""
        of_month = month if actual_month is None and actual is not None else actual_month
        return progress.judge(
            self.kind,
            self.target,
            actual,
            month,
            plan=self.monthly_plan,
            is_year_end_only=self.is_year_end_only,
            tolerance=self.tolerance_in_force,
            frequency=self.frequency,
            awaits_annual=self.awaits_annual_figure(month, of_month == 12),
        )

    def project(self, month, series):
        """This target's year-end forecast as of ``month`` from ``series``, its approved figures
        by month (``forecast.project``)."""
        return forecast.project(
            self.kind,
            self.target,
            series,
            month,
            plan=self.monthly_plan,
            frequency=self.frequency,
            is_year_end_only=self.is_year_end_only,
        )

    def awaits_annual_figure(self, month, december_in):
        """``progress.awaits_annual_figure`` for this target; one derived from the register is
        never typed in, so it waits for no statistics."""
        return progress.awaits_annual_figure(
            self.awaits_annual_statistics and not self.is_derived, month, december_in
        )

    @property
    def tolerance_in_force(self):
        return settings.BEHIND_TOLERANCE_POINTS if self.tolerance is None else self.tolerance

    def is_due(self, month):
        """Whether a figure is asked for at ``month`` (its reporting frequency)."""
        return progress.is_due(self.frequency, month)

    @property
    def is_ratio(self):
        return self.kind in RATIO_KINDS

    def clean(self):
        errors = {}
        if self.section_id and self.report_id and self.section.report_id != self.report_id:
            errors["section"] = _("板块不属于该工作报告。")
        if self.target is not None and self.kind in RATIO_KINDS and self.target <= 0:
            errors["target"] = _("累计型、存量型和节点型目标的年度目标必须大于0。")
        if self.section_id and self.lead_department_id and self.report_id:
            report_region = self.report.region_id
            if self.lead_department.region_id != report_region:
                errors["lead_department"] = _("牵头单位不属于该工作报告的地区。")
        if self.monthly_plan is not None:
            try:
                validate_plan(self.monthly_plan)
            except ValidationError as error:
                errors["monthly_plan"] = error.messages
        if self.pk and self.entries.exists():
            stored_kind = Indicator.objects.filter(pk=self.pk).values_list("kind", flat=True).get()
            if stored_kind != self.kind:
                errors["kind"] = _("已有月度进展的目标不能更改类型。")
        if errors:
            raise ValidationError(errors)


def validate_plan(plan):
    """A monthly plan is 12 cumulative fractions between 0 and 1 that never decrease."""
    if not isinstance(plan, list) or len(plan) != 12:
        raise ValidationError(_("月度计划须为12个数字。"))
    try:
        values = [Decimal(str(v)) for v in plan]
    except ArithmeticError as error:
        raise ValidationError(_("月度计划须为数字。")) from error
    if any(v < 0 or v > 1 for v in values):
        raise ValidationError(_("月度计划的每个比例须在0到1之间。"))
    if any(b < a for a, b in itertools.pairwise(values)):
        raise ValidationError(_("月度计划是累计比例，不能逐月减少。"))
