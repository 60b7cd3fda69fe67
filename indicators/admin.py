from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Department, Indicator, MonthLock, ProgressEntry, Report, Section, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "department", "is_staff", "is_active"]
    list_filter = ["groups", "department", "is_staff", "is_active"]
    list_select_related = ["department"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("所属单位"), {"fields": ["department"]}),
    ]


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "year"]
    list_filter = ["region", "year"]
    search_fields = ["title", "region"]
    inlines = [SectionInline]
    change_list_template = "admin/indicators/report/change_list.html"

    def get_urls(self):
        from .views.excel import admin_load_report, admin_report_template

        def view(function):
            return self.admin_site.admin_view(lambda request: function(request, self))

        return [
            path("load/", view(admin_load_report), name="indicators_report_load"),
            path(
                "load/template.xlsx", view(admin_report_template), name="indicators_report_template"
            ),
            *super().get_urls(),
        ]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "report", "order"]
    list_filter = ["report"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "code", "leader", "order"]
    list_select_related = ["leader"]
    search_fields = ["name", "short_name", "code"]


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "section",
        "kind",
        "target",
        "unit",
        "lead_department",
        "register_rule",
    ]
    list_filter = ["report", "section", "kind", "lead_department", "is_year_end_only"]
    list_select_related = ["section", "lead_department"]
    search_fields = ["code", "name", "source_quote"]
    autocomplete_fields = ["cooperating_departments"]
    ordering = ["report", "section__order", "order", "code"]


@admin.register(ProgressEntry)
class ProgressEntryAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "month", "value", "state", "updated_by", "updated_at"]
    list_filter = ["state", "month", "indicator__report", "indicator__lead_department"]
    list_select_related = ["indicator", "updated_by"]
    search_fields = ["indicator__code", "indicator__name", "note", "problems"]
    raw_id_fields = ["indicator"]
    readonly_fields = ["submitted_at", "submitted_by", "reviewed_at", "reviewed_by", "version"]


@admin.register(MonthLock)
class MonthLockAdmin(SimpleHistoryAdmin):
    list_display = ["report", "month", "locked_by", "locked_at"]
    list_filter = ["report"]
    readonly_fields = ["locked_by", "locked_at"]

    def save_model(self, request, obj, form, change):
        obj.locked_by = request.user
        super().save_model(request, obj, form, change)
