"""The change-list actions of the turn of the year: the admin's buttons onto the gates that own
the rules. A report's moves (`lifecycle.move`), next year's report started from this year's
(`setup.start_from`), and targets marked as closed by the annual statistics (待统计年报).
Each action says, per row, what the gate refused and goes on with the others."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import lifecycle, setup
from .models import Report


def lifecycle_action(move):
    """The change list's action making ``move`` (publish, close the year, archive...) on each
    selected report through the lifecycle gate; a refused report says why and others go on."""

    def action(modeladmin, request, queryset):
        done = 0
        for report in queryset:
            try:
                lifecycle.move(request.user, report, move.name)
            except lifecycle.Refused as refused:
                messages.error(request, str(refused))
            else:
                done += 1
        if done:
            messages.success(
                request,
                _("已%(move)s%(n)s份工作报告。") % {"move": move.label, "n": done},
            )
        if request.POST.get("_back_to_report") and len(queryset) == 1:
            # Posted from the report's own page (its buttons): back to it.
            return redirect("admin:indicators_report_change", queryset[0].pk)
        return None

    action.__name__ = f"lifecycle_{move.name}"
    return admin.action(description=move.label, permissions=["change"])(action)


@admin.action(description=gettext_lazy("以上一年度为基础新建"), permissions=["add"])
def start_from_last_year(modeladmin, request, queryset):
    """Next year's report of the one selected report's region, in 筹备 (`setup.start_from`),
    opened on its change page for the office to edit."""
    reports = list(queryset[:2])
    if len(reports) != 1:
        messages.error(request, _("请只选择一份工作报告，以它为基础新建下一年度的报告。"))
        return None
    try:
        copy = setup.start_from(reports[0], request.user)
    except setup.Refused as refused:
        messages.error(request, str(refused))
        return None
    messages.success(
        request,
        _("已以“%(old)s”为基础新建“%(new)s”（筹备），请核对目标任务后发布。")
        % {"old": reports[0].title, "new": copy.title},
    )
    return redirect("admin:indicators_report_change", copy.pk)


def annual_statistics_action(flagged, description):
    """The change list's action marking (``flagged``) or unmarking the selected targets as
    closed by the annual statistics (待统计年报). Only the office's own region's typed-in
    targets of a report not yet archived change (a register-derived target is never typed in,
    an archived report is frozen); each change leaves its history row and admin log entry."""

    def action(modeladmin, request, queryset):
        eligible = (
            modeladmin._own(request, queryset)
            .filter(register_rule="")
            .exclude(report__state=Report.State.ARCHIVED)
        )
        refused = queryset.count() - eligible.count()
        changed = 0
        for indicator in eligible.exclude(awaits_annual_statistics=flagged):
            indicator.awaits_annual_statistics = flagged
            indicator.save(update_fields=["awaits_annual_statistics"])
            modeladmin.log_change(request, indicator, [{"changed": {"fields": [str(description)]}}])
            changed += 1
        messages.success(
            request, _("%(action)s：%(n)s项目标任务。") % {"action": description, "n": changed}
        )
        if refused:
            messages.warning(
                request,
                _("%(n)s项未改：只能修改本地区未归档工作报告中需填报（非项目库取数）的目标任务。")
                % {"n": refused},
            )

    action.__name__ = "mark_annual_statistics" if flagged else "unmark_annual_statistics"
    return admin.action(description=description, permissions=["change"])(action)
