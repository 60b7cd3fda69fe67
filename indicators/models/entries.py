"""Monthly entries and what travels with them: states, evidence (佐证材料) and month locks."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .. import progress
from .organisation import MONTHS, Report
from .targets import LIMIT_KINDS, Indicator, Kind


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
    # What the plausibility checks (``indicators.checks``) found in the figure when it was last
    # written by the gate, as ``checks.Flag.as_data`` dicts, and the reporter's explanation (说明)
    # a flagged figure needs before it may be submitted. Both are kept in the row's history.
    flags = models.JSONField(_("校验提示"), default=list, blank=True, editable=False)
    explanation = models.TextField(pgettext_lazy("a figure's", "说明"), blank=True)
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
    # Its text fields worth showing in the subject's history, besides the figure and state.
    history_text_fields = ()
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
    history_text_fields = ("note", "problems")
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
