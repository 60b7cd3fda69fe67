"""The project register (项目库): each project once, with its monthly investment and progress.

Amounts are stored in 万元 (ten thousand yuan), the unit departments report in; the report's
targets speak of 亿元, and `register.py` converts when it derives an indicator's value.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators import checks
from indicators.models import (
    Department,
    EntryState,
    Evidence,
    Report,
    ReviewedEntry,
    reviewed_entry_constraints,
)
from indicators.progress import month_end, month_label


class Category(models.TextChoices):
    IMPLEMENTATION = "implementation", _("实施类")
    PRELIMINARY = "preliminary", _("前期类")


class BuildType(models.TextChoices):
    CONTINUING = "continuing", _("续建")
    NEW = "new", pgettext_lazy("build type", "新建")


class Stage(models.TextChoices):
    PLANNED = "planned", _("谋划")
    READY = "ready", _("具备开工条件")
    STARTED = "started", _("已开工")
    COMPLETED = "completed", _("已竣工")


# A project only moves forward through its stages, in this order.
STAGE_ORDER = list(Stage)
DATED_STAGES = (Stage.STARTED, Stage.COMPLETED)


def stage_rank(stage):
    return STAGE_ORDER.index(stage)


def latest_investment(month):
    """This year's investment as of the latest approved month <= ``month``: for each project, one
    probe into ``progress_approved_by_month`` (read backwards from ``month``, the figure taken
    from the index itself).

    Kept as a per-project subquery on purpose: the page sorts, filters and sums by it in SQL,
    and the set-based forms tried instead (a window over the report's approved rows joined back
    by a FilteredRelation) measured 2-5x slower on PostgreSQL and two orders of magnitude slower
    on SQLite at ten times demo size (bench, issue 12), because each must sort every approved
    row while a probe reads one. Sums over many months (`register.monthly_investment`) read the
    rows once instead."""
    latest = ProjectProgress.objects.filter(
        project=OuterRef("pk"), month__lte=month, state=EntryState.APPROVED
    ).order_by("-month")
    return Subquery(latest.values("investment_completed")[:1])


class ProjectQuerySet(models.QuerySet):
    def as_of(self, report, month, today=None):
        """The report's projects as they stood at the end of ``month``: the one reading of the
        register that the list, the department pages, the investment page, the derived targets
        and the summary's 项目清单 all share.

        ``stage_then``: 已竣工 once completed by the month's end, 已开工 once started by then (the
        register's dates, which approved progress sets); before its start a project is 具备开工条件
        if it was registered so or an approved report of that month or earlier said so, else 谋划.
        ``invested``: this year's investment as of the latest approved month <= ``month`` (万元);
        ``month_state``: the state of the month's row (None: none yet); ``is_reported``: a
        submitted or approved row for the month; ``is_late``: 未报送, nothing submitted once the
        month's deadline has passed.
        """
        today = today or timezone.localdate()
        end = month_end(report.year, month)
        approved_ready = ProjectProgress.objects.filter(
            project=OuterRef("pk"), month__lte=month, state=EntryState.APPROVED
        ).exclude(stage__in=("", Stage.PLANNED))
        overdue = today > report.deadline(month)
        reported = Q(month_row__state__in=REPORTED)
        return (
            self.filter(report=report)
            # The month's own row (one at most: unique per project and month), joined rather
            # than asked for per project: a join the database plans with the others, where a
            # subquery may become a scan of every report's rows of that month.
            .annotate(month_row=FilteredRelation("progress", condition=Q(progress__month=month)))
            .annotate(
                invested=latest_investment(month),
                stage_then=Case(
                    When(completion_date__lte=end, then=Value(Stage.COMPLETED)),
                    When(start_date__lte=end, then=Value(Stage.STARTED)),
                    When(~Q(registered_stage=Stage.PLANNED), then=Value(Stage.READY)),
                    When(Exists(approved_ready), then=Value(Stage.READY)),
                    default=Value(Stage.PLANNED),
                    output_field=CharField(),
                ),
                month_state=F("month_row__state"),
                is_reported=Case(When(reported, then=True), default=False),
                is_late=Case(When(reported, then=False), default=True)
                if overdue
                else Value(False, output_field=BooleanField()),
            )
        )


REPORTED = (EntryState.SUBMITTED, EntryState.APPROVED)


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
    # Where the project stood when it was registered (the register workbook or the admin), before
    # any monthly report of the year: what approved progress builds on (`replay_stages`).
    registered_stage = models.CharField(
        _("登记时阶段"), max_length=20, choices=Stage.choices, default=Stage.PLANNED
    )
    registered_start_date = models.DateField(_("登记时开工日期"), null=True, blank=True)
    registered_completion_date = models.DateField(_("登记时竣工日期"), null=True, blank=True)
    # Where it stands now: the registered values moved on by every approved monthly report.
    stage = models.CharField(
        _("项目阶段"), max_length=20, choices=Stage.choices, default=Stage.PLANNED, editable=False
    )
    start_date = models.DateField(_("开工日期"), null=True, blank=True, editable=False)
    completion_date = models.DateField(_("竣工日期"), null=True, blank=True, editable=False)
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

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model", "项目")
        verbose_name_plural = pgettext_lazy("model, plural", "项目库")
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

    def clean(self):
        """A registration reads one way everywhere: a dated stage carries its dates, and no date
        is registered that its stage does not have (the pages read stages from dates)."""
        stage = self.registered_stage
        start, end = self.registered_start_date, self.registered_completion_date
        errors = {}
        if stage in DATED_STAGES and start is None:
            errors["registered_start_date"] = gettext("已开工或已竣工的项目须填写开工日期。")
        if stage == Stage.COMPLETED and end is None:
            errors["registered_completion_date"] = gettext("已竣工的项目须填写竣工日期。")
        if stage not in DATED_STAGES and start is not None:
            errors["registered_start_date"] = gettext("谋划或具备开工条件的项目不填开工日期。")
        if stage != Stage.COMPLETED and end is not None:
            errors["registered_completion_date"] = gettext("只有已竣工的项目才填竣工日期。")
        if start and end and end < start:
            errors["registered_completion_date"] = gettext("竣工日期不能早于开工日期。")
        if self.signed_on and not self.is_promoted:
            errors["signed_on"] = gettext("只有招商引资项目才填写签约日期。")
        if errors:
            raise ValidationError(errors)

    # What the workflow gate asks of a subject (see indicators.workflow).
    @property
    def entry_model(self):
        return ProjectProgress

    is_reportable = True

    @property
    def figure(self):
        """What the plausibility checks need of the year's investment (``checks.Figure``): it
        accumulates from 0 each January, in 万元, against the year's planned investment; its
        steps are not compared with last year's (a project's year is its own)."""
        return checks.Figure(
            unit="万元",
            rules=(checks.FALL, checks.STEP, checks.BEYOND_TARGET, checks.DECIMALS),
            from_zero=True,
            goal=self.planned_investment,
            goal_of=checks.GOAL_PLAN,
        )

    def is_due(self, month):
        """Projects report every month."""
        return True

    def awaits_annual_figure(self, month, december_in):
        """Projects report their own figures; none waits for the annual statistics."""
        return False

    # --- Stages -------------------------------------------------------------------------------
    # One rule for a stage change, asked by the monthly form, the imports and review alike.

    def stage_change_errors(self, stage, day, month):
        """Why the register cannot take ``stage`` (with ``day``) reported for ``month``, as it
        stands now: {field: message}, empty when it can."""
        stage_now, start = self.stage, self.start_date
        end = month_end(self.report.year, month)
        if not stage or stage == stage_now:
            # No change; a date is kept only to correct the recorded date of the current stage.
            if day and (stage or stage_now) not in DATED_STAGES:
                return {"stage_date": gettext("只有开工或竣工时才填写日期。")}
            return self._day_errors(stage or stage_now, day, end, start) if day else {}
        if stage_rank(stage) < stage_rank(stage_now):
            return {
                "stage": gettext(
                    "项目阶段只能向前推进（谋划→具备开工条件→已开工→已竣工），目前为“%(current)s”。"
                    "如登记有误，请联系督查室更正。"
                )
                % {"current": Stage(stage_now).label}
            }
        if stage == Stage.COMPLETED and start is None:
            return {"stage": gettext("项目尚未登记开工，请先报送开工及开工日期，再报送竣工。")}
        if stage in DATED_STAGES:
            if day is None:
                return {
                    "stage_date": gettext("报送%(stage)s时请填写%(stage)s日期。")
                    % {"stage": Stage(stage).label}
                }
            return self._day_errors(stage, day, end, start)
        if day:
            return {"stage_date": gettext("只有开工或竣工时才填写日期。")}
        return {}

    def _day_errors(self, stage, day, end, start):
        if day > end:
            return {
                "stage_date": gettext(
                    "日期不能晚于%(month)s底（%(end)s）：以后的变化请在当月报送。"
                )
                % {"month": month_label(end.month), "end": end.isoformat()}
            }
        if stage == Stage.COMPLETED and start is not None and day < start:
            return {
                "stage_date": gettext("竣工日期不能早于开工日期（%(start)s）。")
                % {"start": start.isoformat()}
            }
        return {}

    def stages_after(self, rows):
        """(stage, start, completion) after the registered values take ``rows`` (approved
        progress, any order) month by month. Raises ValidationError when a row cannot apply."""
        stage = self.registered_stage
        start, completion = self.registered_start_date, self.registered_completion_date
        for row in sorted(rows, key=lambda r: r.month):
            if not row.stage or stage_rank(row.stage) < stage_rank(stage):
                continue  # an earlier stage reported late: the register has moved past it
            if row.stage == stage and not row.stage_date:
                continue  # the same stage again, with no date to correct
            day = row.stage_date or month_end(self.report.year, row.month)
            if row.stage == Stage.STARTED:
                start = day
            elif row.stage == Stage.COMPLETED:
                if start is None:
                    raise ValidationError(
                        gettext("%(project)s 没有开工日期，不能登记%(month)s的竣工：请先审核开工。")
                        % {"project": self, "month": month_label(row.month)}
                    )
                if day < start:
                    raise ValidationError(
                        gettext("%(project)s 的竣工日期早于开工日期（%(start)s）。")
                        % {"project": self, "start": start.isoformat()}
                    )
                completion = day
            stage = row.stage
        return stage, start, completion

    def current_stages(self):
        """(stage, start, completion) now: the registered values moved on by every approved
        monthly row. Raises ValidationError when the registration contradicts those rows."""
        if self.pk is None:
            return self.stages_after([])
        return self.stages_after(self.progress.filter(state=EntryState.APPROVED).exclude(stage=""))

    def replay_stages(self, user=None):
        """Set the project's stage and dates to `current_stages`; save (with history) if they
        moved. Returns whether they did. Review calls it when a stage change is approved or
        leaves 已审核; the admin and the register workbook when the registration changes."""
        now = self.current_stages()
        if now == (self.stage, self.start_date, self.completion_date):
            return False
        self.stage, self.start_date, self.completion_date = now
        self._history_user = user
        self.save()
        return True


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

    subject_field = "project"
    value_field = "investment_completed"
    history_text_fields = ("stage", "stage_date", "physical_progress", "problems")

    class Meta:
        verbose_name = pgettext_lazy("model", "项目月度进展")
        verbose_name_plural = pgettext_lazy("model, plural", "项目月度进展")
        ordering = ["project", "month"]
        indexes = [
            # "This year's investment as of the latest approved month <= m" for every project on a
            # page and in every register sum (`latest_investment`, `ProjectQuerySet.as_of`,
            # `register.derived_values_for`): one probe per project into approved rows only,
            # read backwards from m. The investment is the index's last column, so the probe never
            # reads the table.
            models.Index(
                fields=["project", "month", "investment_completed"],
                condition=Q(state=EntryState.APPROVED),
                name="progress_approved_by_month",
            ),
        ]
        constraints = [
            *reviewed_entry_constraints("project_progress", "project", "investment_completed"),
            models.CheckConstraint(
                condition=Q(investment_completed__isnull=True) | Q(investment_completed__gte=0),
                name="project_progress_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.project.code} {month_label(self.month)}"

    def months_moved(self, fields):
        """A start or completion dated in an earlier month moves that month's register too."""
        day = fields.get("stage_date", self.stage_date)
        stage = fields.get("stage", self.stage)
        if stage and day and day.year == self.project.report.year and day.month != self.month:
            return {day.month}
        return set()

    def after_review(self, before, user):
        """An approved stage change moves the register; leaving 已审核 moves it back."""
        approved = EntryState.APPROVED
        if self.stage and approved in (before, self.state) and before != self.state:
            try:
                self.project.replay_stages(user)
            except ValidationError as error:
                if self.state == approved:
                    raise
                raise ValidationError(
                    gettext(
                        "退回后项目库的阶段将前后矛盾（%(reason)s）；请先退回后面月份的阶段变化。"
                    )
                    % {"reason": " ".join(error.messages)}
                ) from error


class ProjectProgressEvidence(Evidence):
    entry = models.ForeignKey(
        ProjectProgress,
        verbose_name=_("项目月度进展"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )

    history = HistoricalRecords()

    class Meta(Evidence.Meta):
        verbose_name = _("项目佐证材料")
        verbose_name_plural = _("项目佐证材料")
