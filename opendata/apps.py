from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    """政务公开: what a region shows outside the login (the public page, open data, the 人大
    对照表) and the read-only API's public part. Sits above ``reporting``."""

    name = "opendata"
    verbose_name = _("政务公开")

    def ready(self):
        from indicators import versions

        from .models import ComparisonNote, Publication, PublicSite, PublishedMonth

        # What the public page shows moves with these, so its cache key must too.
        versions.watch(PublicSite, versions.of_everything)
        versions.watch(Publication, versions.of_own_report)
        versions.watch(PublishedMonth, versions.of_own_report)
        versions.watch(ComparisonNote, versions.of_own_report)
