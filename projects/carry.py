"""Next year's project register starts with this year's unfinished projects.

When the office starts next year's report from this year's (``indicators.setup.start_from``),
every project not yet completed (竣工) by the time of the copy goes on into the new register:
same code, name, category, department, programme and investment background, registered where it
stands now (its stage and start date, as approved progress left them), as 续建 once started.
This year's figures stay behind: the new year's planned investment starts at 0 for the office
to fill in, and no monthly progress is copied. Completed projects stay in their year.

The targets computed from the register (PP-01…, IP-01) take this year's final computed value as
their baseline, as typed-in targets take their final approved figure.
"""

from indicators.models import Indicator

from . import register
from .models import BuildType, Project, Stage

# What a carried project does not keep: identity and report, where it stood when registered
# last year (it is registered anew below), this year's plan and the stage the register derives.
RESET = {
    "id",
    "report",
    "build_type",
    "registered_stage",
    "registered_start_date",
    "registered_completion_date",
    "stage",
    "start_date",
    "completion_date",
    "planned_investment",
}


def carried(project, copy):
    """``project`` (unfinished) as a project of ``copy``, the next year's report."""
    fields = {
        field.attname: getattr(project, field.attname)
        for field in Project._meta.concrete_fields
        if field.name not in RESET
    }
    started = project.stage == Stage.STARTED
    return Project(
        **fields,
        report=copy,
        build_type=BuildType.CONTINUING if started else project.build_type,
        registered_stage=project.stage,
        registered_start_date=project.start_date,
        stage=project.stage,
        start_date=project.start_date,
        planned_investment=0,
    )


def carry_register(sender, source, copy, **kwargs):
    """`indicators.setup.report_started`'s receiver: ``source``'s unfinished projects into
    ``copy`` (one by one, so the register's history records them), and the computed targets'
    baselines from ``source``'s year-end values."""
    finals = register.derived_values(source, 12)
    places = Indicator._meta.get_field("baseline").decimal_places
    for indicator in copy.indicators.exclude(register_rule=""):
        final = finals[indicator.register_rule]  # None: the register had no figure
        indicator.baseline = None if final is None else round(final, places)
        indicator.save(update_fields=["baseline"])
    for project in Project.objects.filter(report=source).exclude(stage=Stage.COMPLETED):
        carried(project, copy).save()
