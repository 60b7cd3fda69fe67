"""The supervision cycle above the monthly reporting: notices and the messages that carry them,
supervision slips (督办单), the monthly bulletin (通报) and 核实 (verification of approved figures).

Dependencies point one way: this app reads ``indicators``, ``projects`` and ``reporting``; none
of them knows it exists.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from indicators import webhooks
from indicators.models import MONTHS, Department, Evidence, Indicator, ProgressEntry, Report
from indicators.progress import month_label


def person(label, blank=False):
    """Who took a step (issued, answered, published...): kept when the account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=blank,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class NoticeQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """A message in a person's in-app inbox (the bell in the header)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("model", "站内通知")
        verbose_name_plural = pgettext_lazy("model, plural", "站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_read")]

    def __str__(self):
        return self.title


class Channel(models.TextChoices):
    NOTICE = "notice", _("站内通知")
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("群机器人")


class Dispatch(models.Model):
    """One message to one recipient through one channel.

    The record that makes ``send_reminders`` idempotent: a message is written here once (its
    ``key`` names the schedule step, the department or target, and the month), and sent until it
    is ``sent``; a failure is kept with its error and tried again on the next run.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("事由"), max_length=200)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("接收方"), max_length=500)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "消息发送记录")
        verbose_name_plural = pgettext_lazy("model, plural", "消息发送记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "recipient"], name="dispatch_once_per_recipient"
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.shown_recipient}: {self.title}"

    @property
    def shown_recipient(self):
        """The recipient as pages and logs show it: a robot's address masked (it is the key to
        its group)."""
        return webhooks.mask(self.recipient) if self.channel == Channel.WEBHOOK else self.recipient


class SlipState(models.TextChoices):
    ISSUED = "issued", _("已下发")
    ANSWERED = "answered", _("已反馈")
    RETURNED = "returned", _("反馈退回")
    ACCEPTED = "accepted", _("反馈通过")
    CLOSED = "closed", _("已销号")


class Slip(models.Model):
    """A supervision slip (督办单): the office asks a department to explain and fix what is
    behind; the department answers with causes, measures and a date; the office accepts or
    returns the answer and closes (销号) the slip. Moves go through ``supervision.slips``."""

    State = SlipState

    class Reason(models.TextChoices):
        FAR_BEHIND = "far_behind", _("严重滞后")
        BEHIND = "behind", _("滞后")
        LATE = "late", _("逾期未报")
        OTHER = "other", _("其他")

    class Closing(models.TextChoices):
        RECOVERED = "recovered", _("已达到序时进度")
        DECISION = "decision", _("经研究销号")

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.PROTECT, related_name="slips"
    )
    month = models.PositiveSmallIntegerField(_("督办月份"), choices=MONTHS)
    department = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="slips"
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("目标任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slips",
    )
    reason = models.CharField(_("督办事由"), max_length=12, choices=Reason.choices)
    matter = models.TextField(_("督办事项"))
    gap = models.CharField(_("差距"), max_length=200, blank=True)
    requirement = models.TextField(_("办理要求"))
    reply_by = models.DateField(_("反馈期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=SlipState.choices, default=SlipState.ISSUED
    )
    causes = models.TextField(_("滞后原因"), blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    recover_by = models.DateField(_("预计完成时间"), null=True, blank=True)
    office_comment = models.TextField(_("督查室意见"), blank=True)
    closing = models.CharField(_("销号方式"), max_length=10, choices=Closing.choices, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    issued_by = person(_("下发人"))
    issued_at = models.DateTimeField(_("下发时间"), auto_now_add=True)
    answered_by = person(_("反馈人"), blank=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    reviewed_by = person(_("审核人"), blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model", "督办单")
        verbose_name_plural = pgettext_lazy("model, plural", "督办单")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=SlipState.values), name="slip_state_valid"
            ),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="slip_month"),
        ]

    def __str__(self):
        return _("督办单第%(number)s号") % {"number": self.number}

    @property
    def number(self):
        return f"{self.report.year}-{self.pk:03d}" if self.pk else ""

    @property
    def is_open(self):
        return self.state != SlipState.CLOSED


class Bulletin(models.Model):
    """The monthly bulletin (通报) of a report: generated from the approved data as of its month,
    edited by the office, then published, after which neither its text nor its numbers change."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.PROTECT, related_name="bulletins"
    )
    month = models.PositiveSmallIntegerField(_("月份"), choices=MONTHS)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    # The figures the text was generated from, kept with it: a published bulletin keeps these.
    numbers = models.JSONField(_("数据"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"))
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_by = person(_("修改人"))
    published_by = person(_("发布人"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model", "月度通报")
        verbose_name_plural = pgettext_lazy("model, plural", "月度通报")
        ordering = ["report", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["report", "month"], name="bulletin_report_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="bulletin_month"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.state == self.State.PUBLISHED


class VerificationSample(models.Model):
    """A random sample of a month's approved figures drawn for 核实: who drew it, when, how many
    were asked for and the seed, which with the month's candidates decides the draw (see
    ``supervision.verification.draw``). Its tasks are the figures drawn."""

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.PositiveSmallIntegerField(_("月份"), choices=MONTHS)
    count = models.PositiveSmallIntegerField(_("抽取数量"))
    seed = models.PositiveBigIntegerField(_("随机种子"))
    drawn_by = person(_("抽取人"))
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "核实抽样")
        verbose_name_plural = pgettext_lazy("model, plural", "核实抽样")
        ordering = ["-drawn_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="verification_sample_month"
            ),
        ]

    def __str__(self):
        return _("%(month)s核实抽样%(count)s项") % {
            "month": month_label(self.month),
            "count": self.count,
        }


class VerificationState(models.TextChoices):
    PENDING = "pending", _("待核实")
    VERIFIED = "verified", _("已核实")
    # The verified value differs from the approved one by more than the tolerance: the figure
    # went back to its department through the gate with the verified value proposed.
    REOPENED = "reopened", _("核实不符，已退回更正")
    # Withdrawn by the office before a result (marked by mistake, or the figure was corrected
    # meanwhile): it holds nothing up, and the figure may be marked again.
    CANCELLED = "cancelled", _("已撤销")


class VerificationTask(models.Model):
    """A 核实 task: the office checks one approved monthly figure of a target against its own
    source, and records the verified value, a note and evidence. Moves go through
    ``supervision.verification``."""

    State = VerificationState

    class Origin(models.TextChoices):
        HAND = "hand", _("人工标记")
        SAMPLE = "sample", _("随机抽样")

    report = models.ForeignKey(
        Report, verbose_name=_("工作报告"), on_delete=models.PROTECT, related_name="+"
    )
    entry = models.ForeignKey(
        ProgressEntry,
        verbose_name=_("月度进展"),
        on_delete=models.PROTECT,
        related_name="verification_tasks",
    )
    month = models.PositiveSmallIntegerField(_("月份"), choices=MONTHS)
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices)
    sample = models.ForeignKey(
        VerificationSample,
        verbose_name=_("核实抽样"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=VerificationState.choices,
        default=VerificationState.PENDING,
    )
    # The approved figure checked: when marked, then as it stood when the result was recorded.
    reported_value = models.DecimalField(_("报送值"), max_digits=16, decimal_places=4)
    verified_value = models.DecimalField(
        _("核实值"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    # The tolerance in force when the result was recorded (settings.VERIFY_TOLERANCE_PERCENT).
    tolerance_percent = models.DecimalField(
        _("容差（%）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("核实说明"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    created_by = person(_("标记人"))
    created_at = models.DateTimeField(_("标记时间"), auto_now_add=True)
    verified_by = person(_("核实人"), blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model", "核实任务")
        verbose_name_plural = pgettext_lazy("model, plural", "核实任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=VerificationState.values), name="verification_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="verification_month"
            ),
            models.CheckConstraint(
                condition=Q(state__in=(VerificationState.PENDING, VerificationState.CANCELLED))
                | Q(verified_value__isnull=False, verified_at__isnull=False),
                name="verification_result_recorded",
            ),
            # One open task a figure: marking it twice is refused by the database as well.
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(state=VerificationState.PENDING),
                name="verification_one_open_task",
            ),
        ]
        indexes = [models.Index(fields=["report", "month"], name="verification_report_month")]

    def __str__(self):
        return _("核实任务第%(number)s号") % {"number": self.pk or ""}

    @property
    def is_open(self):
        return self.state == VerificationState.PENDING


class VerificationEvidence(Evidence):
    """A file the office keeps with a 核实 task (a photo of the site, the source ledger), stored
    and checked like a monthly row's evidence (``indicators.evidence``)."""

    task = models.ForeignKey(
        VerificationTask,
        verbose_name=_("核实任务"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )

    history = HistoricalRecords()

    class Meta(Evidence.Meta):
        verbose_name = pgettext_lazy("model", "核实材料")
        verbose_name_plural = pgettext_lazy("model, plural", "核实材料")

    @property
    def entry(self):
        """The figure the file backs the verification of (``Evidence.subject`` reads it)."""
        return self.task.entry
