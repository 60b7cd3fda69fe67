from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = pgettext_lazy("app", "项目库")

    def ready(self):
        # A register change advances its report's data version (see indicators.versions).
        from indicators import versions

        from .models import Project, ProjectProgress

        versions.watch(Project, versions.of_own_report)
        versions.watch(ProjectProgress, versions.of_subject_report)
