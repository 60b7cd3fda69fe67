from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = pgettext_lazy("app", "账号与安全")

    def ready(self):
        # Signal receivers: the policy's cache, password history, and what a login records.
        from . import passwords, policy, sessions  # noqa: F401
