"""Start next year's report from last year's (the admin's "以上一年度为基础新建", the demo).

Each January the office sets up the new work report while the old one closes. Most targets come
back with a new figure, so the new report starts as a copy of the old one, in 筹备, for the office
to edit (in the admin, or through its filled workbook) and then publish:

- the report's title with the year replaced, and its supervision settings (deadline, reminders,
  escalation, group robot);
- every section, by name and order;
- every target with everything that describes it (code, name, unit, kind, target, section, lead
  and cooperating departments, frequency, tolerance, register rule, the year-end and annual
  statistics flags, the report's sentence), except what belongs to the year: the baseline
  becomes last year's final approved figure, and the plan curve goes back to linear;
- every plausibility rule (校验规则), naming the copied targets of the same codes.

Departments belong to the region, so the new report shares them: nothing to copy. The project
register's unfinished projects are carried by the projects app (`report_started`).
"""

from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from .. import access
from ..models import CheckRule, Indicator, Report, Section

# What a copied report or target does not keep from last year: its identity, its year, its state
# and (for targets) the figures of the year (baseline, plan curve), set anew below.
REPORT_RESET = {"id", "year", "title", "state"}
INDICATOR_RESET = {"id", "report", "section", "baseline", "monthly_plan"}
RULE_RESET = {"id", "report", "indicator", "other"}


# Sent inside `start_from`'s transaction once the copy has its sections and targets, with
# ``source`` (last year's report) and ``copy``: apps above this one carry what they own (the
# project register's unfinished projects, ``projects.carry``). A receiver that raises undoes
# the whole copy.
report_started = Signal()


class Refused(Exception):
    """The next year's report cannot be started; the message says why, in the page's language."""


def start_from(report, user):
    """Create ``report``'s region's report of the next year in 筹备, from ``report``; returns it.

    ``user``: who asks (the office of the region, or an administrator), or None for a command
    or the demo, which act for the server's operator and are not checked. Raises `Refused`.
    The audit log records the new report, its sections and targets (``audit.signals``)."""
    with transaction.atomic():
        # Locked: two clicks at once make one report, the second refused as existing.
        report = Report.objects.select_for_update().select_related("region").get(pk=report.pk)
        reason = refusal(user, report)
        if reason:
            raise Refused(reason)
        copy = Report.objects.create(
            **_fields(report, REPORT_RESET),
            year=report.year + 1,
            title=next_title(report),
            state=Report.State.PREPARING,
        )
        sections = {
            section.pk: Section.objects.create(report=copy, name=section.name, order=section.order)
            for section in report.sections.order_by("order", "id")
        }
        baselines = final_figures(report)
        targets = {}
        for indicator in Indicator.objects.filter(report=report).prefetch_related(
            "cooperating_departments"
        ):
            targets[indicator.pk] = target = Indicator.objects.create(
                **_fields(indicator, INDICATOR_RESET),
                report=copy,
                section=sections[indicator.section_id],
                baseline=baselines[indicator.pk],
                monthly_plan=None,
            )
            target.cooperating_departments.set(indicator.cooperating_departments.all())
        copy_rules(report, copy, targets)
        report_started.send(sender=Report, source=report, copy=copy)
    return copy


def copy_rules(report, copy, targets):
    """``report``'s plausibility rules into ``copy``, each naming the copies of its targets
    (``targets``: {target id: its copy}; a code is kept, so the copy is the same code's)."""
    for rule in CheckRule.objects.filter(report=report).order_by("id"):
        CheckRule.objects.create(
            **_fields(rule, RULE_RESET),
            report=copy,
            indicator=targets.get(rule.indicator_id),
            other=targets.get(rule.other_id),
        )


def refusal(user, report):
    """Why ``user`` may not start the year after ``report`` now, or None."""
    if user is not None and not access.may_configure(user, report):
        return _("只有“%(region)s”的督查室或系统管理员可以为其新建工作报告。") % {
            "region": report.region.name
        }
    existing = Report.objects.filter(region=report.region_id, year=report.year + 1).first()
    if existing is not None:
        return _("“%(region)s”%(year)s年的工作报告（“%(title)s”）已经存在，不能再新建。") % {
            "region": report.region.name,
            "year": existing.year,
            "title": existing.title,
        }
    return None


def next_title(report):
    """The title with its year replaced (2023年柳城县政府工作报告 → 2024年…); a title without the
    year gains the new one, so the two reports are never named alike."""
    old, new = str(report.year), str(report.year + 1)
    if old in report.title:
        return report.title.replace(old, new)
    return _("%(title)s（%(year)s年）") % {"title": report.title, "year": new}


def final_figures(report):
    """{target id: its new baseline}: the year's final approved figure (December's, else the
    latest approved due month's, as the dashboards read it), else last year's baseline."""
    return {
        indicator.pk: indicator.actual if indicator.actual is not None else indicator.baseline
        for indicator in Indicator.objects.filter(report=report).with_progress(12)
    }


def _fields(instance, reset):
    """``instance``'s stored fields by attribute name (foreign keys by id), less ``reset``."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in reset
    }
