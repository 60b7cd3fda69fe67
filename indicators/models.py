"""Reports, their sections and targets, the departments that own them, and monthly progress."""

import itertools
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, FilteredRelation, Q, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from . import progress

MONTHS = [(m, progress.month_label_lazy(m)) for m in range(1, 13)]


class RegionQuerySet(models.QuerySet):
    def within(self, region):
        """``region`` and every region under it (a city's counties, a province's cities and
        their counties), read in one query whatever the depth."""
        parents = dict(self.model.objects.values_list("pk", "parent_id"))
        wanted, found = {region.pk}, True
        while found:
            found = {pk for pk, parent in parents.items() if parent in wanted} - wanted
            wanted |= found
        return self.filter(pk__in=wanted)


class Region(models.Model):
    """An administrative division (行政区划): a county, or a city or province above counties.

    It owns its departments, its reports and its users; a user of a city also sees every county
    under it."""

    class Level(models.TextChoices):
        COUNTY = "county", _("县（市、区）")
        CITY = "city", _("市")
        PROVINCE = "province", _("省")

    name = models.CharField(_("名称"), max_length=50)
    code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("行政区划代码为6位数字。"))],
    )
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices, default=Level.COUNTY)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("model", "行政区划")
        verbose_name_plural = pgettext_lazy("model, plural", "行政区划")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="region_name_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="region_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(level__in=["county", "city", "province"]), name="region_level_valid"
            ),
        ]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person who signs in. Reporters belong to one department (and so to its region); the
    office and leaders belong to a region; administrators may belong to none."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("所属地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.ForeignKey(
        "Department",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Set for accounts the office creates with an initial password (the users workbook, the
    # admin): until the person sets their own, every page leads to the password change.
    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        help_text=_("勾选后，该用户下次登录时必须先修改密码。"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = pgettext_lazy("model", "用户")
        verbose_name_plural = pgettext_lazy("model, plural", "用户")

    @property
    def display_name(self):
        return self.get_full_name() or self.username

    def in_group(self, name):
        # Group names are few and read on most requests: fetch them once per user object.
        if not hasattr(self, "_group_names"):
            self._group_names = set(self.groups.values_list("name", flat=True))
        return name in self._group_names

    @property
    def is_reviewer(self):
        return self.is_superuser or self.in_group("reviewer")

    @property
    def is_leader(self):
        return self.in_group("leader")

    @property
    def is_reporter(self):
        return self.in_group("reporter") and self.department_id is not None


class ReportQuerySet(models.QuerySet):
    def latest_first(self):
        return self.select_related("region").order_by("-year", "region__code", "region__name")


class Report(models.Model):
    """One government work report (政府工作报告): a region's promises for one year."""

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="reports"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("标题"), max_length=200)
    # The supervision cycle of this report (each region runs its own): when a month is due, when
    # departments are reminded, when lateness goes to the leader in charge, and where the office's
    # group robot listens.
    deadline_day = models.PositiveSmallIntegerField(
        _("报送截止日"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("每月数据须在次月几日前报送（1–28）；留空按系统设置。"),
    )
    reminder_days = models.CharField(
        _("提醒安排"),
        max_length=60,
        blank=True,
        default="-3,0,2",
        validators=[
            RegexValidator(r"^\s*(-?\d{1,2}\s*(,\s*-?\d{1,2}\s*)*)?$", _("请填写逗号分隔的天数。"))
        ],
        help_text=_(
            "相对截止日的天数，逗号分隔：-3 为截止前3天，0 为当天，2 为逾期2天。留空不提醒。"
        ),
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("逾期报告天数"),
        default=3,
        help_text=_("逾期超过这么多天仍未报送，报告分管县领导和督查室。"),
    )
    webhook_url = models.URLField(
        _("群机器人地址"),
        blank=True,
        help_text=_("督查室工作群的企业微信或钉钉机器人 Webhook 地址；单位未设置的也发到这里。"),
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("model", "政府工作报告")
        verbose_name_plural = pgettext_lazy("model, plural", "政府工作报告")
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="report_region_year_unique"),
        ]

    def __str__(self):
        return self.title

    @property
    def label(self):
        """How pickers name a report: its region and year (柳城县 2023)."""
        return f"{self.region.name} {self.year}"

    @property
    def deadline_day_in_force(self):
        """The day of the next month by which a month's figures are due."""
        return self.deadline_day or settings.REPORT_DEADLINE_DAY

    def deadline(self, month):
        """The date ``month``'s figures are due."""
        return progress.deadline(self.year, month, self.deadline_day_in_force)

    @property
    def reminder_offsets(self):
        """The reminder schedule as days from the deadline, in order (-3: three days before)."""
        return sorted({int(day) for day in self.reminder_days.split(",") if day.strip()})


class Section(models.Model):
    """A part of the report (板块), shown in its order."""

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = pgettext_lazy("model", "板块")
        verbose_name_plural = pgettext_lazy("model, plural", "板块")
        ordering = ["report", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "name"], name="section_report_name_unique"),
        ]

    def __str__(self):
        return self.name


class Department(models.Model):
    """A responsible unit (责任单位) of a region, with the leader in charge of it."""

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30)
    code = models.SlugField(
        _("代码"), max_length=30, help_text=_("拼音缩写，如 fgj；用于账号和导入模板。")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分管县领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="departments_in_charge",
        limit_choices_to={"groups__name": "leader"},
    )
    webhook_url = models.URLField(
        _("群机器人地址"),
        blank=True,
        help_text=_("本单位工作群的企业微信或钉钉机器人 Webhook 地址；提醒也发到这里。"),
    )

    class Meta:
        verbose_name = pgettext_lazy("model", "责任单位")
        verbose_name_plural = pgettext_lazy("model, plural", "责任单位")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "code"], name="department_region_code_unique"
            ),
            models.UniqueConstraint(
                fields=["region", "name"], name="department_region_name_unique"
            ),
        ]

    def __str__(self):
        return self.short_name or self.name


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
        reported = Q(month_entry__state__in=(EntryState.SUBMITTED, EntryState.APPROVED))
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
            ProgressEntry.objects.filter(
                due, indicator__in=self.order_by().values("pk"), state=EntryState.APPROVED
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
    @property
    def entry_model(self):
        return ProgressEntry

    @property
    def is_reportable(self):
        """Typed in by its department each month; register-derived values never are."""
        return not self.is_derived

    def judge(self, month, actual):
        return progress.judge(
            self.kind,
            self.target,
            actual,
            month,
            plan=self.monthly_plan,
            is_year_end_only=self.is_year_end_only,
            tolerance=self.tolerance_in_force,
            frequency=self.frequency,
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


class EntryState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


def reviewed_entry_constraints(prefix, subject_field, value_field):
    """The rules every monthly row keeps in the database itself: one row per subject and month,
    a month of the year, a known state, and a figure once the row leaves draft."""
    return [
        models.UniqueConstraint(
            fields=[subject_field, "month"], name=f"{prefix}_{subject_field}_month_unique"
        ),
        models.CheckConstraint(
            condition=Q(month__gte=1, month__lte=12), name=f"{prefix}_month_in_year"
        ),
        models.CheckConstraint(
            condition=Q(state__in=EntryState.values), name=f"{prefix}_state_valid"
        ),
        models.CheckConstraint(
            condition=Q(state=EntryState.DRAFT) | Q(**{f"{value_field}__isnull": False}),
            name=f"{prefix}_value_required_beyond_draft",
        ),
    ]


class ReviewedEntry(models.Model):
    """What a department reports for one month, and where it stands in review.

    Shared by indicator entries and project progress: the same states, the same who-and-when,
    and a version number that refuses a save made from a stale form.
    """

    State = EntryState

    month = models.PositiveSmallIntegerField(
        _("月份"), choices=MONTHS, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=EntryState.choices, default=EntryState.DRAFT
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Set by each concrete model: the foreign key to its subject, and the field holding its number.
    subject_field = ""
    value_field = ""
    # Fields copied from the subject on every write (`copy_from_subject`).
    copied_fields = ()

    class Meta:
        abstract = True

    @property
    def subject(self):
        return getattr(self, self.subject_field)

    @property
    def subject_id(self):
        return getattr(self, f"{self.subject_field}_id")

    @property
    def number(self):
        """The figure this row reports (a target's value, a project's investment)."""
        return getattr(self, self.value_field)

    def copy_from_subject(self):
        """Copy ``copied_fields`` from the subject before a write (bulk writes call it too)."""

    def months_moved(self, fields):
        """Months of the report's year whose figures this row moves once approved with
        ``fields``, besides its own: none for a target's month (a project's stage change dates
        it)."""
        return set()

    def after_review(self, before, user):
        """React to a move by the workflow gate (``before``: the state it left); may raise
        ValidationError to refuse the move. Entries of targets need nothing."""

    @classmethod
    def evidence_model(cls):
        """The model of this row's evidence files: each concrete entry model has one, whose
        foreign key ``entry`` points back with the related name ``evidence``."""
        return cls._meta.get_field("evidence").related_model


class ProgressEntry(ReviewedEntry):
    """An indicator's value as of the end of one month (截至月底累计)."""

    subject_field = "indicator"
    value_field = "value"
    copied_fields = ("kind",)

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("目标任务"), on_delete=models.PROTECT, related_name="entries"
    )
    # Copied from the indicator on save so the database itself can hold milestones to 0–100.
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, editable=False)
    value = models.DecimalField(
        _("截至月底累计"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    note = models.TextField(_("进展情况"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model", "月度进展")
        verbose_name_plural = pgettext_lazy("model, plural", "月度进展")
        ordering = ["indicator", "month"]
        indexes = [
            # "The latest approved entry of a month <= m" for every indicator of a page
            # (`IndicatorQuerySet.with_progress`): approved rows only, by indicator then month,
            # so the window over them reads the index in order and never sorts.
            models.Index(
                fields=["indicator", "month"],
                condition=Q(state=EntryState.APPROVED),
                name="entry_approved_by_month",
            ),
        ]
        constraints = [
            *reviewed_entry_constraints("entry", "indicator", "value"),
            # A floor or a ceiling may read negative (deflation, a fall in revenue).
            models.CheckConstraint(
                condition=Q(kind__in=LIMIT_KINDS) | Q(value__isnull=True) | Q(value__gte=0),
                name="entry_value_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind=Kind.MILESTONE) | Q(value__isnull=True) | Q(value__lte=100),
                name="entry_milestone_at_most_100",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {progress.month_label(self.month)}"

    def save(self, *args, **kwargs):
        self.copy_from_subject()
        super().save(*args, **kwargs)

    def copy_from_subject(self):
        self.kind = self.indicator.kind

    def clean(self):
        # `kind` is copied, not edited, so forms skip the constraint that reads it: say it here.
        if self.indicator_id:
            self.kind = self.indicator.kind
        if self.kind == Kind.MILESTONE and self.value is not None and self.value > 100:
            raise ValidationError({"value": _("节点型目标填写完成百分比，不能超过100。")})


class Evidence(models.Model):
    """A file backing a monthly row (佐证材料): a photo of the site, a signed acceptance sheet.

    The file and its thumbnail are names in the ``evidence`` storage (random, never a public
    URL: the evidence view asks the access rule before reading them). Rows are added and
    removed only by the workflow gate (``workflow.attach`` / ``workflow.detach``), which checks
    the row may change and keeps the history. Each entry model has its concrete kind with a
    foreign key ``entry`` (related name ``evidence``)."""

    file_name = models.CharField(_("文件"), max_length=200, editable=False)
    thumbnail_name = models.CharField(_("缩略图"), max_length=200, blank=True, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=50, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), editable=False)
    original_name = models.CharField(_("原文件名"), max_length=200, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def subject(self):
        """The target or project the file backs: what the access rule asks about."""
        return self.entry.subject

    @property
    def file_names(self):
        return (self.file_name, self.thumbnail_name)


class ProgressEntryEvidence(Evidence):
    entry = models.ForeignKey(
        ProgressEntry, verbose_name=_("月度进展"), on_delete=models.CASCADE, related_name="evidence"
    )

    history = HistoricalRecords()

    class Meta(Evidence.Meta):
        verbose_name = pgettext_lazy("model", "佐证材料")
        verbose_name_plural = pgettext_lazy("model, plural", "佐证材料")


class MonthLock(models.Model):
    """A month of a report closed by the supervision office: nobody changes its entries (the
    office included) until the office unlocks it."""

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.CASCADE, related_name="locks"
    )
    month = models.PositiveSmallIntegerField(_("月份"), choices=MONTHS)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("锁定人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    locked_at = models.DateTimeField(_("锁定时间"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model", "月份锁定")
        verbose_name_plural = pgettext_lazy("model, plural", "月份锁定")
        ordering = ["report", "month"]
        constraints = [
            models.UniqueConstraint(fields=["report", "month"], name="lock_report_month_unique"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="lock_month_in_year"
            ),
        ]

    def __str__(self):
        return f"{self.report} {progress.month_label(self.month)}"


class DataVersion(models.Model):
    """How far the data behind the dashboards has moved: one row per report (``report-<id>``)
    and one for everything shared by all reports (``everything``: regions, departments, the
    names of people).

    Every change that a dashboard could show advances the rows it touches *in the same
    transaction* (``indicators.versions``), so every process and every server sees the new
    version the moment it sees the new data; cached dashboards are keyed by it and never stale.
    ``stamp`` is new at every advance (random), so a version number reused after a restore from
    backup, or a test's rolled-back transaction, never names an older cache entry.
    """

    key = models.CharField(max_length=40, primary_key=True)
    counter = models.PositiveBigIntegerField(default=0)
    stamp = models.CharField(max_length=32, default="")

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self):
        return f"{self.key} {self.counter}"
