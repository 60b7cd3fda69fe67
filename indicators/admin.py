"""The admin: where the office and the administrator set up reports, sections, departments,
targets and users. Who may enter is the site's question (``county_targets.admin``).

Monthly entries and month locks are shown here read-only: they change only through the workflow
gate (the monthly form, the imports, the review page), never by editing a row by hand. No admin
page reverts history: simple-history's revert saves a form with view permission alone, so it is
closed for every model (`HistoryAdmin`).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from accounts.forms import UserRolesChangeForm
from audit.log import workbook_loaded

from . import access, checks, lifecycle, setup
from .admin_actions import annual_statistics_action, lifecycle_action, start_from_last_year
from .models import Department, Indicator, MonthLock, ProgressEntry, Region, Report, Section, User
from .uploads import upload_page
from .xlsx import xlsx_response


class HistoryAdmin(SimpleHistoryAdmin):
    """History to read, never to revert: a revert is a change made outside every rule.

    A row's history is shown to whoever may see the row itself (``get_queryset``: the region's,
    the department's); django-simple-history alone would fall back to the stored versions of a
    row the reader may not see. A past version is shown read-only, with no choice lists."""

    def _require_visible(self, request, object_id):
        if access.visible_regions(request.user) is None:
            return  # an administrator, who may read the history of a deleted row too
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        self._require_visible(request, object_id)
        request.reading_history = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        if getattr(request, "reading_history", False):
            meta = self.model._meta
            return [f.name for f in (*meta.fields, *meta.many_to_many) if f.editable]
        return super().get_readonly_fields(request, obj)

    def revert_disabled(self, request, obj=None):
        return True


# How each model that belongs to a region reaches it.
REGION_LOOKUPS = {
    Region: "pk",
    Report: "region",
    Section: "report__region",
    Department: "region",
    Indicator: "report__region",
}


def within(regions, queryset):
    """``queryset`` kept to the rows of ``regions`` (ids; None: all) when its model belongs to a
    region (people by their region or their department's, as a department's leader in charge);
    other models' rows (groups, choices) as they are."""
    if regions is None:
        return queryset
    if queryset.model is User:
        return queryset.filter(Q(region__in=regions) | Q(department__region__in=regions))
    lookup = REGION_LOOKUPS.get(queryset.model)
    if lookup is None:
        return queryset
    return queryset.filter(**{f"{lookup}__in": regions})


# How each model that belongs to a report reaches it ("": the model is the report).
REPORT_LOOKUPS = {Report: "", Section: "report", Indicator: "report"}


def readable(user, queryset):
    """``queryset`` kept to the rows ``user`` may read: their regions' (`within`), less those of
    a report in 筹备 they do not set up (a city's office reads its counties' published reports,
    never one being set up)."""
    queryset = within(access.visible_regions(user), queryset)
    report_field = REPORT_LOOKUPS.get(queryset.model)
    if report_field is None:
        return queryset
    return queryset.filter(access.unpublished_hidden(user, report_field))


class RegionRelatedFilter(admin.RelatedFieldListFilter):
    """A sidebar filter on a report, section, department or region that lists only the rows the
    user may read (`readable`): Django's own lists every row of the related table, and so names
    every other region's reports, sections and departments, and the reports in 筹备."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        rows = readable(request.user, field.related_model._default_manager.all())
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": rows.values("pk")}, ordering=ordering
        )


class SealedAdmin:
    """Another region's rows are sealed: every sidebar filter on a relation to a regional model
    lists only the user's regions' rows (`RegionRelatedFilter`; declared filters stay plain
    field names), and a row the user may not see (or that does not exist) is a plain 404, as on
    the site, rather than the admin's "perhaps it was deleted" redirect naming its id."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def get_list_filter(self, request):
        scoped = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str):
                field = get_fields_from_path(self.model, entry)[-1]
                if getattr(field, "related_model", None) in (*REGION_LOOKUPS, User):
                    entry = (entry, RegionRelatedFilter)
            scoped.append(entry)
        return scoped


class RegionScopedAdmin(SealedAdmin):
    """The office sees its regions' rows and changes only its own region's; the choices a form
    offers (reports, sections, departments, regions) are its own region's too, and so are the
    sidebar's filters. Administrators see and change everything. ``region_field`` is the lookup
    from the model to its region."""

    region_field = "report__region"
    # A webhook typed without its scheme is an https one (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @property
    def report_field(self):
        """The lookup from the model to its report (``""``: the model is the report; None: it
        belongs to no report): a report in 筹备 is sealed like another region's."""
        if self.region_field.endswith("report__region"):
            return self.region_field.removesuffix("__region")
        return None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.report_field is not None:
            queryset = queryset.filter(access.unpublished_hidden(request.user, self.report_field))
        visible = access.visible_regions(request.user)
        if visible is None:
            return queryset
        return queryset.filter(**{f"{self.region_field}__in": visible})

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or access.may_configure(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or access.may_configure(request.user, obj))

    def _own(self, request, queryset):
        return within(access.configurable_regions(request.user), queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._own(request, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._own(request, field.queryset)
        return field

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        match = request.resolver_match
        if match is not None and match.url_name == "autocomplete":
            # What an autocomplete offers is a form's choice: the user's own region's, as
            # `formfield_for_foreignkey` keeps a select's (a city's office reads its counties).
            queryset = self._own(request, queryset)
        return queryset, duplicates


def boolean_column(name, description):
    """A yes/no column with Django's icons, whose alternative text is a word of the page's
    language (Django's own says True or False in every language)."""

    @admin.display(description=description, ordering=name)
    def column(obj):
        value = getattr(obj, name)
        icon = {True: "yes", False: "no"}.get(value, "unknown")
        word = {True: _("是"), False: _("否")}.get(value, "—")
        return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), word)

    return column


PERMISSION_ACTIONS = {
    "add": pgettext_lazy("permission", "添加"),
    "change": pgettext_lazy("permission", "修改"),
    "delete": pgettext_lazy("permission", "删除"),
    "view": pgettext_lazy("permission", "查看"),
}


def permission_label(permission):
    """A permission as the page's language says it: Django stores its name once, in English
    around the model's Chinese name ("Can add 目标任务"), so it is said again from its parts."""
    model = permission.content_type.model_class()
    action = permission.codename.partition("_")[0]
    if model is None or action not in PERMISSION_ACTIONS:
        return permission.name
    meta = model._meta
    return f"{meta.app_config.verbose_name} | {meta.verbose_name} | {PERMISSION_ACTIONS[action]}"


class PermissionChoicesAdmin:
    """Permissions offered in the page's language; none on history tables, which only the
    models' own permissions open (django-simple-history names them "historical ...")."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.queryset = field.queryset.exclude(content_type__model__startswith="historical")
            field.label_from_instance = permission_label
        return field


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionChoicesAdmin, BaseGroupAdmin):
    pass


class ReadOnlyAdmin(RegionScopedAdmin, HistoryAdmin):
    """Rows that only the workflow gate writes: listed and shown, never added, edited or deleted
    here (the review page reopens an approved figure; the form and imports write the rest)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntryAdmin(ReadOnlyAdmin):
    """A monthly row (a target's or a project's), shown with what the plausibility checks found
    in its figure when the gate last wrote it."""

    readonly_fields = ["flag_messages"]

    @admin.display(description=gettext_lazy("校验提示"))
    def flag_messages(self, entry):
        return (
            pgettext("between sentences", "；").join(
                flag.message for flag in checks.flags_of(entry)
            )
            or "—"
        )


@admin.register(User)
class UserAdmin(SealedAdmin, PermissionChoicesAdmin, BaseUserAdmin):
    """The administrator manages every account. The office manages its own region's reporters
    and leaders (`access.managed_users`): it creates them, deactivates them and resets their
    passwords, and never sees an administrator or another region's people. Its form has no
    staff, superuser or permission fields, offers only the reporter and leader groups and its
    own region and departments, so nothing posted can grant more."""

    form = UserRolesChangeForm  # the 三员 rule (accounts.roles.group_refusal)
    list_display = [
        "username",
        "last_name",
        "first_name",
        "department",
        boolean_column("is_staff", User._meta.get_field("is_staff").verbose_name),
        boolean_column("is_active", User._meta.get_field("is_active").verbose_name),
    ]
    list_filter = ["groups", "department", "is_staff", "is_active", "must_change_password"]
    list_select_related = ["department"]
    search_fields = [*BaseUserAdmin.search_fields, "phone"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            gettext_lazy("所属地区和单位"),
            {"fields": ["region", "department", "phone", "must_change_password"]},
        ),
    ]
    change_list_template = "admin/indicators/user/change_list.html"
    # Roles as checkboxes: Django's two-box filter gives a <span> an aria-label (WCAG fails it).
    filter_horizontal = ["user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        # When an account was made and last used are facts, not settings: the form's minutes
        # would otherwise rewrite them (and the audit log show a change nobody made).
        fields = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if request.user.is_superuser:
            return fields
        # Only the bootstrap superuser makes a superuser or grants permissions one by one: the
        # system administrator (三员) would otherwise give itself every power.
        return [*fields, "is_superuser", "user_permissions"]

    def user_change_password(self, request, id, form_url=""):
        """A password set here for someone else is theirs to replace at the next login, as an
        initial password is: whoever set it does not keep a working password of theirs."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=unquote(id))
            if user.pk != request.user.pk and not user.must_change_password:
                user.must_change_password = True
                user.save(update_fields=["must_change_password"])
        return response

    OFFICE_FIELDS = {
        "username",
        "password",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "groups",
        "region",
        "department",
        "phone",
        "must_change_password",
    }

    def get_queryset(self, request):
        return access.managed_users(request.user, super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or access.manages_everything(request.user):
            return fieldsets
        kept = []
        for name, options in fieldsets:
            fields = [f for f in options["fields"] if f in self.OFFICE_FIELDS]
            if fields:
                kept.append((name, {**options, "fields": fields}))
        return kept

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name in ("region", "department"):
            field.queryset = within(access.configurable_regions(request.user), field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and not access.manages_everything(request.user):
            field.queryset = field.queryset.filter(name__in=access.MANAGED_ROLES)
        return field

    def save_model(self, request, obj, form, change):
        # The office chose this password: the person replaces it at the first login.
        if not change:
            obj.must_change_password = True
        if not access.manages_everything(request.user):
            # An office's account stays in its region, or the office would lose sight of it.
            obj.is_staff = obj.is_superuser = False
            if obj.department_id:
                obj.region_id = obj.department.region_id
            elif not obj.region_id:
                obj.region_id = access.home_region_id(request.user)
        super().save_model(request, obj, form, change)

    def get_urls(self):
        from .accounts import admin_load_users, admin_users_template

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


@admin.register(Region)
class RegionAdmin(RegionScopedAdmin, admin.ModelAdmin):
    """Where a region sits (its parent, level and code) is the administrator's to set: a
    county's office that could change them would leave its city, or move under another."""

    region_field = "pk"
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    PLACE = ["parent", "level", "code"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if access.manages_everything(request.user):
            return fields
        return [*fields, *self.PLACE]

    def has_add_permission(self, request):
        # A new region has a place in the hierarchy: the administrator's to give it.
        return access.manages_everything(request.user) and super().has_add_permission(request)


@admin.register(Report)
class ReportAdmin(RegionScopedAdmin, admin.ModelAdmin):
    region_field = "region"
    report_field = ""
    list_display = ["title", "region", "year_shown", "state"]
    list_filter = ["region", "year", "state"]
    search_fields = ["title", "region__name"]
    # The state moves only through the buttons (`indicators.lifecycle`), never the form.
    readonly_fields = ["state"]
    inlines = [SectionInline]
    actions = [
        *(lifecycle_action(move) for move in lifecycle.MOVES.values()),
        start_from_last_year,
    ]
    change_list_template = "admin/indicators/report/change_list.html"
    change_form_template = "admin/indicators/report/change_form.html"

    @admin.display(description=gettext_lazy("年度"), ordering="year")
    def year_shown(self, report):
        # A year is a name, not an amount: never 2,023.
        return str(report.year)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The report's page offers the moves of its state as buttons (the change list's
        actions, posted for this report); a move the gate refuses now is shown greyed, with why."""
        report = self.get_object(request, unquote(object_id))
        moves = lifecycle.moves_for(request.user, report) if report is not None else []
        extra_context = {**(extra_context or {}), "lifecycle_moves": moves}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "load/", self.admin_site.admin_view(self.load_view), name="indicators_report_load"
            ),
            path(
                "load/template.xlsx",
                self.admin_site.admin_view(self.template_view),
                name="indicators_report_template",
            ),
            *super().get_urls(),
        ]

    def load_view(self, request):
        """Load a set-up workbook (the change list's "从Excel导入")."""
        return upload_page(
            request,
            self,
            label=_("工作报告设置工作簿（.xlsx）"),
            load=lambda file: self._report_loaded(request, file),
            title=_("从Excel导入工作报告"),
            template="admin/indicators/report/load.html",
            template_url=reverse("admin:indicators_report_template"),
            # Each report's own filled workbook, to start the next year's from (or to check).
            extra_context={
                "reports": self.get_queryset(request)
                .select_related("region")
                .order_by("region__name", "-year")
            },
        )

    def _report_loaded(self, request, file):
        counts = setup.load_report_file(file, access.configurable_regions(request.user))
        rows = counts["created"] + counts["updated"] + counts["unchanged"]
        workbook_loaded("report", file.name, rows=rows, request=request, obj=counts["report"])
        messages.success(
            request,
            _("已导入“%(report)s”：新建%(created)s项，更新%(updated)s项，未变%(unchanged)s项。")
            % counts,
        )
        return redirect("admin:indicators_report_changelist")

    def template_view(self, request):
        """The blank set-up workbook, or a report's own catalogue with ``?report=<id>``."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        chooser = forms.Form(request.GET)
        # Only a report the user may see: another region's catalogue is sealed (404).
        chooser.fields["report"] = forms.ModelChoiceField(
            self.get_queryset(request), required=False
        )
        if not chooser.is_valid():
            raise Http404
        report = chooser.cleaned_data["report"]
        name = (
            _("%(region)s%(year)s年目标任务.xlsx") % {"region": report.region, "year": report.year}
            if report
            else _("工作报告设置模板.xlsx")
        )
        return xlsx_response(setup.report_setup_bytes(report), name)


@admin.register(Section)
class SectionAdmin(RegionScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "report", "order"]
    list_filter = ["report"]
    search_fields = ["name"]


@admin.register(Department)
class DepartmentAdmin(RegionScopedAdmin, admin.ModelAdmin):
    region_field = "region"
    list_display = ["name", "short_name", "code", "region", "leader", "order"]
    list_filter = ["region"]
    list_select_related = ["leader"]
    search_fields = ["name", "short_name", "code"]


class PlanField(forms.JSONField):
    """The monthly plan as typed: blank when there is none (JSON would show "null")."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


@admin.register(Indicator)
class IndicatorAdmin(RegionScopedAdmin, HistoryAdmin):
    list_display = [
        "code",
        "name",
        "section",
        "kind",
        "target",
        "unit",
        "lead_department",
        "register_rule",
        boolean_column(
            "awaits_annual_statistics",
            Indicator._meta.get_field("awaits_annual_statistics").verbose_name,
        ),
    ]
    list_filter = [
        "report",
        "section",
        "kind",
        "lead_department",
        "is_year_end_only",
        "awaits_annual_statistics",
    ]
    actions = [
        annual_statistics_action(True, gettext_lazy("标记为待统计年报")),
        annual_statistics_action(False, gettext_lazy("取消待统计年报")),
    ]
    list_select_related = ["section", "lead_department"]
    search_fields = ["code", "name", "source_quote"]
    autocomplete_fields = ["cooperating_departments"]
    ordering = ["report", "section__order", "order", "code"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "monthly_plan":
            kwargs["form_class"] = PlanField
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(ProgressEntry)
class ProgressEntryAdmin(EntryAdmin):
    region_field = "indicator__report__region"
    list_display = ["indicator", "month", "value", "state", "updated_by", "updated_at"]
    list_filter = ["state", "month", "indicator__report", "indicator__lead_department"]
    list_select_related = ["indicator", "updated_by"]
    search_fields = ["indicator__code", "indicator__name", "note", "problems"]


@admin.register(MonthLock)
class MonthLockAdmin(ReadOnlyAdmin):
    list_display = ["report", "month", "locked_by", "locked_at"]
    list_filter = ["report"]


# The plausibility rules' admin lives beside this one (admin_rules), on the classes above.
from . import admin_rules  # noqa: E402, F401
