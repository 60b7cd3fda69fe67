from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The read-only API (/api/v1/) and the personal access tokens that open it. Sits above
    ``opendata``: a token reads what its user may read (``indicators.access``), a call without
    one reads what the public may (``opendata.published``)."""

    name = "api"
    verbose_name = _("数据接口")
