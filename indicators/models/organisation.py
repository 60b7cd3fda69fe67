"""Who and where: regions, the people who sign in, reports with their sections, and departments."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts import roles

from .. import progress, webhooks
from ..webhooks import validate_robot_url

MONTHS = [(m, progress.month_label_lazy(m)) for m in range(1, 13)]


def robot_secret_field():
    """钉钉's 加签 secret of a group robot (SEC…), beside its address; shown only in the form
    that edits it (``masked_webhook_secret`` elsewhere) and never logged."""
    return models.CharField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        validators=[RegexValidator(r"^\S*$", _("加签密钥不能包含空格。"))],
        help_text=_("钉钉机器人的安全设置选“加签”时，填写其密钥（SEC开头）；企业微信机器人留空。"),
    )


class RobotMixin:
    """How a report's or a department's group robot is shown outside its edit form (lists, logs):
    ``list_display = [..., "masked_webhook"]``."""

    def masked_webhook(self):
        return webhooks.mask(self.webhook_url)

    masked_webhook.short_description = _("群机器人地址")

    def masked_webhook_secret(self):
        return webhooks.mask_secret(self.webhook_secret)

    masked_webhook_secret.short_description = _("加签密钥")


class RegionQuerySet(models.QuerySet):
    def ids_within(self, region_id):
        """Ids of ``region_id`` and every region under it (a city's counties, a province's
        cities and their counties), read in one query whatever the depth."""
        parents = dict(self.model.objects.values_list("pk", "parent_id"))
        wanted, found = {region_id}, True
        while found:
            found = {pk for pk, parent in parents.items() if parent in wanted} - wanted
            wanted |= found
        return wanted


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
        return self.is_superuser or self.in_group(roles.REVIEWER)

    @property
    def is_leader(self):
        return self.in_group(roles.LEADER)

    @property
    def is_reporter(self):
        return self.in_group(roles.REPORTER) and self.department_id is not None

    # The 三员 (accounts.roles): a superuser is none of them.
    @property
    def is_sysadmin(self):
        return self.in_group(roles.SYSADMIN)

    @property
    def is_secadmin(self):
        return self.in_group(roles.SECADMIN)

    @property
    def is_auditor(self):
        return self.in_group(roles.AUDITOR)


class ReportState(models.TextChoices):
    """A report's life (`indicators.lifecycle` moves it): set up by the office, published to
    reporters and leaders, closing after December (late figures, annual statistics), archived."""

    PREPARING = "preparing", pgettext_lazy("report state", "筹备")
    ACTIVE = "active", pgettext_lazy("report state", "执行")
    CLOSING = "closing", pgettext_lazy("report state", "收尾")
    ARCHIVED = "archived", pgettext_lazy("report state", "归档")


# Reports whose months are still reported and reviewed.
OPEN_STATES = (ReportState.ACTIVE, ReportState.CLOSING)


class ReportQuerySet(models.QuerySet):
    def latest_first(self):
        return self.select_related("region").order_by("-year", "region__code", "region__name")

    def published(self):
        return self.exclude(state=ReportState.PREPARING)


class Report(RobotMixin, models.Model):
    """One government work report (政府工作报告): a region's promises for one year."""

    State = ReportState

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="reports"
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("标题"), max_length=200)
    # Moved only by `indicators.lifecycle` (the office's buttons in the admin): never a form field.
    state = models.CharField(
        _("状态"), max_length=10, choices=ReportState.choices, default=ReportState.PREPARING
    )
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
        validators=[validate_robot_url],
        help_text=_("督查室工作群的企业微信或钉钉机器人 Webhook 地址；单位未设置的也发到这里。"),
    )
    webhook_secret = robot_secret_field()

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("model", "政府工作报告")
        verbose_name_plural = pgettext_lazy("model, plural", "政府工作报告")
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="report_region_year_unique"),
            models.CheckConstraint(
                condition=Q(state__in=ReportState.values), name="report_state_valid"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.state != ReportState.PREPARING

    @property
    def is_open(self):
        """Months are still reported and reviewed (执行, 收尾)."""
        return self.state in OPEN_STATES

    @property
    def is_archived(self):
        return self.state == ReportState.ARCHIVED

    @property
    def label(self):
        """How pickers name a report: its region and year (柳城县 2023)."""
        return f"{self.region.name} {self.year}"

    @property
    def label_with_state(self):
        """Its label and state (柳城县 2023（收尾）): how the review page names it."""
        return gettext("%(label)s（%(state)s）") % {
            "label": self.label,
            "state": self.get_state_display(),
        }

    @property
    def choice_label(self):
        """How a report picker offers it: its label, with its state unless it is 执行."""
        return self.label if self.state == ReportState.ACTIVE else self.label_with_state

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


class Department(RobotMixin, models.Model):
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
        limit_choices_to={"groups__name": roles.LEADER},
    )
    webhook_url = models.URLField(
        _("群机器人地址"),
        blank=True,
        validators=[validate_robot_url],
        help_text=_("本单位工作群的企业微信或钉钉机器人 Webhook 地址；提醒也发到这里。"),
    )
    webhook_secret = robot_secret_field()

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
