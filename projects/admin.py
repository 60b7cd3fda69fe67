from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Project, ProjectProgress


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
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
        "is_promoted",
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
    date_hierarchy = "start_date"


@admin.register(ProjectProgress)
class ProjectProgressAdmin(SimpleHistoryAdmin):
    list_display = ["project", "month", "investment_completed", "stage", "state", "updated_at"]
    list_filter = ["state", "month", "project__category", "project__lead_department"]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__name", "physical_progress"]
    raw_id_fields = ["project"]
    readonly_fields = ["submitted_at", "submitted_by", "reviewed_at", "reviewed_by", "version"]
