from axes.apps import AppConfig as BaseAxesConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class CountyAdminConfig(AdminConfig):
    """Django's admin on our own site class (county_targets.admin), loaded once apps are ready."""

    default_site = "county_targets.admin.CountyAdminSite"


class AxesConfig(BaseAxesConfig):
    """django-axes, named in the admin in the page's language (it has no name of its own, so
    the admin would show its label, "Axes", on Chinese pages too)."""

    verbose_name = _("登录限制")
