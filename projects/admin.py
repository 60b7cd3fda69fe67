from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from indicators.admin import EntryAdmin, HistoryAdmin, RegionScopedAdmin, boolean_column

from .models import Project, ProjectProgress


class ProjectAdminForm(forms.ModelForm):
    """The office registers a project's stage and dates; where it stands now follows from them
    and the approved monthly reports, so a registration those reports contradict is refused."""

    class Meta:
        model = Project
        fields = [
            "report",
            "code",
            "name",
            "category",
            "build_type",
            "registered_stage",
            "registered_start_date",
            "registered_completion_date",
            "total_investment",
            "planned_investment",
            "lead_department",
            "programme",
            "is_promoted",
            "signed_on",
            "investor_origin",
        ]

    def _post_clean(self):
        super()._post_clean()  # the instance now carries the registration typed in
        if not self.errors:
            try:
                self.instance.current_stages()
            except ValidationError as error:
                self.add_error("registered_stage", error)


@admin.register(Project)
class ProjectAdmin(RegionScopedAdmin, HistoryAdmin):
    form = ProjectAdminForm
    list_display = [
        "code",
        "name",
        "category",
        "build_type",
        "stage",
        "total_investment",
        "planned_investment",
        "lead_department",
        "programme",
        boolean_column("is_promoted", Project._meta.get_field("is_promoted").verbose_name),
    ]
    list_filter = [
        "report",
        "category",
        "build_type",
        "stage",
        "programme",
        "is_promoted",
        "lead_department",
    ]
    list_select_related = ["lead_department"]
    search_fields = ["code", "name", "investor_origin"]
    readonly_fields = ["stage", "start_date", "completion_date"]

    def save_model(self, request, obj, form, change):
        obj.stage, obj.start_date, obj.completion_date = obj.current_stages()
        super().save_model(request, obj, form, change)


@admin.register(ProjectProgress)
class ProjectProgressAdmin(EntryAdmin):
    region_field = "project__report__region"
    list_display = ["project", "month", "investment_completed", "stage", "state", "updated_at"]
    list_filter = ["state", "month", "project__category", "project__lead_department"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__name", "physical_progress"]
