from django.contrib.admin.apps import AdminConfig


class CountyAdminConfig(AdminConfig):
    """Django's admin on our own site class (county_targets.admin), loaded once apps are ready."""

    default_site = "county_targets.admin.CountyAdminSite"
