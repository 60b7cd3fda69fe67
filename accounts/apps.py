from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate
from django.utils.translation import pgettext_lazy


def _ensure_groups(sender, using="default", **kwargs):
    from . import roles

    if using == "default":
        roles.ensure_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = pgettext_lazy("app", "账号与安全")

    def ready(self):
        from django.contrib.auth import get_user_model

        from .roles import refuse_two_powers

        # The roles' groups and permissions exist wherever the schema does, demo or not.
        post_migrate.connect(_ensure_groups, sender=self, dispatch_uid="accounts.ensure_groups")
        m2m_changed.connect(
            refuse_two_powers,
            sender=get_user_model().groups.through,
            dispatch_uid="accounts.refuse_two_powers",
        )
        # Signal receivers: the policy's cache, password history, and what a login records.
        from . import passwords, policy, sessions  # noqa: F401
