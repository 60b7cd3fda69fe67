from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """The monthly cycle over targets and projects: reporters fill in, the supervision office
    reviews, leaders read. It sits above ``indicators`` and ``projects`` and is the only app that
    imports both."""

    name = "reporting"
    verbose_name = _("月度填报与督查")
