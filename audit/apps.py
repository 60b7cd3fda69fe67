from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = pgettext_lazy("app", "安全审计")

    def ready(self):
        from . import signals

        signals.connect()
