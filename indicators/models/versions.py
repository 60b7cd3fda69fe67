"""The data version that keeps cached dashboards true (see ``indicators.versions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
