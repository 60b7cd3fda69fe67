"""The admin of a report's plausibility rules (校验规则, ``CheckRule``): the office declares, per
report, which checks run on its figures, on which targets, with what parameter, and whether a
finding blocks submission (the report workbook's 校验规则 sheet says the same in bulk).

Scoped like every regional row (`RegionScopedAdmin`): another region's rules are sealed, a
report in 筹备 shows its rules to its own office only, and the reports and targets a form offers
are the office's own region's (the targets' autocomplete too). A rule names targets of its own
report, checked as the workbook checks it (`cross.declaration_problems`). The rules of a report
in 归档 are kept as the year closed: read-only.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from .admin import HistoryAdmin, RegionScopedAdmin, boolean_column
from .checks import cross
from .models import CheckRule, Report


class CheckRuleForm(forms.ModelForm):
    class Meta:
        model = CheckRule
        fields = [
            "report",
            "rule",
            "indicator",
            "other",
            "parameter",
            "blocking",
            "enabled",
            "note",
        ]

    def clean(self):
        data = super().clean()
        report = data.get("report")
        for name in ("indicator", "other"):
            target = data.get(name)
            if report is not None and target is not None and target.report_id != report.pk:
                self.add_error(name, _("请选择本工作报告的目标任务。"))
        names = ("rule", "parameter", "indicator", "other")
        if any(name in self.errors for name in names):
            return data  # said once, on its field
        problems = cross.declaration_problems(*(data.get(name) for name in names))
        for name, message in problems:
            self.add_error(name, message)
        return data


def _archived(rule):
    return rule is not None and rule.report.is_archived


@admin.register(CheckRule)
class CheckRuleAdmin(RegionScopedAdmin, HistoryAdmin):
    form = CheckRuleForm
    list_display = [
        "rule",
        "indicator",
        "other",
        "parameter",
        boolean_column("blocking", CheckRule._meta.get_field("blocking").verbose_name),
        boolean_column("enabled", CheckRule._meta.get_field("enabled").verbose_name),
        "report",
    ]
    list_filter = ["report", "rule", "blocking", "enabled"]
    list_select_related = ["report", "indicator", "other"]
    search_fields = ["indicator__code", "indicator__name", "other__code", "note"]
    autocomplete_fields = ["indicator", "other"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _archived(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _archived(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "report" and field is not None:
            field.queryset = field.queryset.exclude(state=Report.State.ARCHIVED)
        return field
