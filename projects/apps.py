from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = pgettext_lazy("app", "项目库")

    def ready(self):
        # A register change advances its report's data version (see indicators.versions).
        from indicators import setup, versions
        from indicators.checks import cross

        from . import checks
        from .carry import carry_register
        from .models import Project, ProjectProgress

        versions.watch(Project, versions.of_own_report)
        versions.watch(ProjectProgress, versions.of_subject_report)
        # Next year's report started from this year's takes the unfinished projects along.
        setup.report_started.connect(carry_register, dispatch_uid="projects.carry")
        # The cross-target plausibility rules read the register through this app.
        cross.read_register_with(checks)
