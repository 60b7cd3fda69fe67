from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import workflow
from .models import Department, Indicator, MonthLock, ProgressEntry, Report, Section, User


class DepartmentScopedAdmin:
    """Reporters who open the admin see and change only their own department's rows.

    ``department_field`` is the lookup from the model to its lead department. Reviewers and
    superusers see everything; leaders read what their view permissions allow.
    """

    department_field = "lead_department"

    def is_scoped(self, request):
        user = request.user
        return user.is_reporter and not (user.is_superuser or user.is_reviewer)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.is_scoped(request):
            queryset = queryset.filter(**{self.department_field: request.user.department_id})
        return queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "department", "is_staff", "is_active"]
    list_filter = ["groups", "department", "is_staff", "is_active", "must_change_password"]
    list_select_related = ["department"]
    search_fields = [*BaseUserAdmin.search_fields, "phone"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("所属单位"), {"fields": ["department", "phone", "must_change_password"]}),
    ]
    change_list_template = "admin/indicators/user/change_list.html"

    def save_model(self, request, obj, form, change):
        # The office chose this password: the person replaces it at the first login.
        if not change:
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def get_urls(self):
        from .views.accounts import admin_load_users, admin_users_template

        def view(function):
            return self.admin_site.admin_view(lambda request: function(request, self))

        return [
            path("load/", view(admin_load_users), name="indicators_user_load"),
            path("load/template.xlsx", view(admin_users_template), name="indicators_user_template"),
            *super().get_urls(),
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
class IndicatorAdmin(DepartmentScopedAdmin, SimpleHistoryAdmin):
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
class ProgressEntryAdmin(DepartmentScopedAdmin, SimpleHistoryAdmin):
    department_field = "indicator__lead_department"

    list_display = ["indicator", "month", "value", "state", "updated_by", "updated_at"]
    list_filter = ["state", "month", "indicator__report", "indicator__lead_department"]
    list_select_related = ["indicator", "updated_by"]
    search_fields = ["indicator__code", "indicator__name", "note", "problems"]
    raw_id_fields = ["indicator"]
    readonly_fields = ["submitted_at", "submitted_by", "reviewed_at", "reviewed_by", "version"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self.is_scoped(request):
            # Reporters move entries through the monthly form's workflow, never by hand here.
            fields += ["state", "review_comment"]
        return fields

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and self.is_scoped(request):
            report = obj.indicator.report
            return obj.is_editable_by_reporter and not workflow.is_locked(report, obj.month)
        return allowed

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "indicator" and self.is_scoped(request):
            kwargs["queryset"] = Indicator.objects.filter(
                lead_department_id=request.user.department_id, register_rule=""
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # A change here makes any monthly form opened before it stale, as a form save would.
        if change:
            obj.version += 1
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(MonthLock)
class MonthLockAdmin(SimpleHistoryAdmin):
    list_display = ["report", "month", "locked_by", "locked_at"]
    list_filter = ["report"]
    readonly_fields = ["locked_by", "locked_at"]

    def save_model(self, request, obj, form, change):
        obj.locked_by = request.user
        super().save_model(request, obj, form, change)
