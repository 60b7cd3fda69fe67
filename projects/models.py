"""The project register (项目库): each project once, with its monthly investment and progress.

Amounts are stored in 万元 (ten thousand yuan), the unit departments report in; the report's
targets speak of 亿元, and `register.py` converts when it derives an indicator's value.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.models import Department, EntryState, Report, ReviewedEntry


class Category(models.TextChoices):
    IMPLEMENTATION = "implementation", _("实施类")
    PRELIMINARY = "preliminary", _("前期类")


class BuildType(models.TextChoices):
    CONTINUING = "continuing", _("续建")
    NEW = "new", _("新建")


class Stage(models.TextChoices):
    PLANNED = "planned", _("谋划")
    READY = "ready", _("具备开工条件")
    STARTED = "started", _("已开工")
    COMPLETED = "completed", _("已竣工")


# A project only moves forward through its stages, in this order.
STAGE_ORDER = list(Stage)


class Project(models.Model):
    Category = Category
    BuildType = BuildType
    Stage = Stage

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.PROTECT, related_name="projects"
    )
    code = models.CharField(_("项目编号"), max_length=30)
    name = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    build_type = models.CharField(_("建设性质"), max_length=20, choices=BuildType.choices)
    stage = models.CharField(
        _("项目阶段"), max_length=20, choices=Stage.choices, default=Stage.PLANNED
    )
    start_date = models.DateField(_("开工日期"), null=True, blank=True)
    completion_date = models.DateField(_("竣工日期"), null=True, blank=True)
    total_investment = models.DecimalField(_("总投资（万元）"), max_digits=14, decimal_places=2)
    planned_investment = models.DecimalField(
        _("本年计划投资（万元）"), max_digits=14, decimal_places=2, default=0
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="projects"
    )
    programme = models.CharField(_("所属工程"), max_length=50, blank=True)
    is_promoted = models.BooleanField(_("招商引资项目"), default=False)
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    investor_origin = models.CharField(_("投资方来源地"), max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目库")
        ordering = ["report", "code"]
        constraints = [
            models.UniqueConstraint(fields=["report", "code"], name="project_report_code_unique"),
            models.CheckConstraint(
                condition=Q(total_investment__gte=0) & Q(planned_investment__gte=0),
                name="project_investment_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values)
                & Q(build_type__in=BuildType.values)
                & Q(stage__in=Stage.values),
                name="project_choices_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_promoted=True) | Q(signed_on__isnull=True),
                name="project_signed_only_if_promoted",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class ProjectProgress(ReviewedEntry):
    """A project's investment completed this year as of a month's end, and its 形象进度."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="progress"
    )
    investment_completed = models.DecimalField(
        _("本年累计完成投资（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    stage = models.CharField(_("项目阶段"), max_length=20, choices=Stage.choices, blank=True)
    stage_date = models.DateField(_("开工/竣工日期"), null=True, blank=True)
    physical_progress = models.TextField(_("形象进度"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目月度进展")
        verbose_name_plural = _("项目月度进展")
        ordering = ["project", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "month"], name="project_progress_month_unique"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="project_progress_month_in_year"
            ),
            models.CheckConstraint(
                condition=Q(investment_completed__isnull=True) | Q(investment_completed__gte=0),
                name="project_progress_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(state=EntryState.DRAFT) | Q(investment_completed__isnull=False),
                name="project_progress_value_beyond_draft",
            ),
        ]

    def __str__(self):
        return f"{self.project.code} {self.month}月"
