from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = pgettext_lazy("app", "目标任务")

    def ready(self):
        from django.db.backends.signals import connection_created

        # The SQLite database file stays private to the site's account (see files).
        from . import files

        connection_created.connect(files.protect_sqlite, dispatch_uid="protect_sqlite")

        # Every row a dashboard shows advances the data version when it changes (see versions).
        from . import versions
        from .models import (
            Department,
            Indicator,
            MonthLock,
            ProgressEntry,
            Region,
            Report,
            Section,
            User,
        )

        versions.watch(Region, versions.of_everything)
        versions.watch(Department, versions.of_everything)
        versions.watch(User, versions.of_person)
        versions.watch(Report, versions.of_report)
        versions.watch(Section, versions.of_own_report)
        versions.watch(Indicator, versions.of_own_report)
        versions.watch(MonthLock, versions.of_own_report)
        versions.watch(ProgressEntry, versions.of_subject_report)
        versions.watch_many(
            Indicator.cooperating_departments.through,
            lambda instance: (
                versions.of_own_report(instance)
                if isinstance(instance, Indicator)
                else versions.of_everything(instance)
            ),
        )
