"""What a region has chosen to show the public.

Nothing is public by default: a region switches its public page on (`PublicSite`), and for each
report the office publishes month by month (`PublishedMonth`) and marks which optional fields
show (`Publication.fields`). The figures themselves are never copied here: the public page, the
open data, the 人大 对照表 and the API's public part all read the approved entries as of the last
published month (``opendata.published``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from indicators.models import MONTHS, Indicator, Region, Report


class PublicField(models.TextChoices):
    """Optional columns the office may show besides the promise, the figure and the status.
    Reporters' names, problems (存在问题), review comments, 说明 and flags are never among them."""

    LEAD = "lead", _("牵头单位")
    COMPLETION = "completion", _("完成率")
    EXPECTED = "expected", _("序时进度")
    NOTE = "note", _("进展情况")


DEFAULT_FIELDS = [PublicField.LEAD, PublicField.COMPLETION]


def default_fields():
    return [str(value) for value in DEFAULT_FIELDS]


class PublicSite(models.Model):
    """A region's public progress page (/public/<region code>/<year>/): off until switched on."""

    region = models.OneToOneField(
        Region,
        verbose_name=pgettext_lazy("model", "行政区划"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="public_site",
    )
    enabled = models.BooleanField(_("对外公开"), default=False)
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("公开页面")
        verbose_name_plural = _("公开页面")

    def __str__(self):
        return str(self.region)


class Publication(models.Model):
    """A report's public settings: the optional fields shown, and the 人大 对照表's state."""

    report = models.OneToOneField(
        Report,
        verbose_name=_("报告"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="publication",
    )
    fields = models.JSONField(_("公开字段"), default=default_fields, blank=True)
    table_published_at = models.DateTimeField(_("对照表发布时间"), null=True, blank=True)
    table_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("对照表发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("公开设置")
        verbose_name_plural = _("公开设置")

    def __str__(self):
        return str(self.report)

    def shows(self, field):
        return field in self.fields


class PublishedMonth(models.Model):
    """A month of a report the office has published: its approved figures may be shown."""

    report = models.ForeignKey(
        Report, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="published_months"
    )
    month = models.PositiveSmallIntegerField(_("月份"), choices=MONTHS)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("已公开月份")
        verbose_name_plural = _("已公开月份")
        ordering = ["report", "month"]
        constraints = [
            models.UniqueConstraint(fields=["report", "month"], name="published_month_unique")
        ]

    def __str__(self):
        return f"{self.report} {self.month}"


class ComparisonNote(models.Model):
    """The office's explanation of one target in the 人大 完成情况对照表 (frozen once the table is
    published)."""

    report = models.ForeignKey(
        Report, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="comparison_notes"
    )
    indicator = models.OneToOneField(
        Indicator,
        verbose_name=_("目标任务"),
        on_delete=models.CASCADE,
        related_name="comparison_note",
    )
    explanation = models.TextField(pgettext_lazy("a figure's", "说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("对照表说明")
        verbose_name_plural = _("对照表说明")

    def __str__(self):
        return str(self.indicator)
