"""The demo: the 2023 report of 柳城县 with its logins, a year of progress and the project
register, and 2024 in 筹备 beside it (``manage.py load_demo``, never in production); and `grow`,
which multiplies it for query-count tests and the benchmark."""

from django.db import transaction

from indicators import versions
from indicators.demo import (
    REGION,
    ensure_check_rules,
    ensure_entries,
    ensure_next_year,
    ensure_report,
    ensure_users,
    other_regions,
)
from indicators.models import Department, Indicator, ProgressEntry, Region, Report, Section
from projects.demo import ensure_register
from projects.models import Project, ProjectProgress


class DemoRefused(Exception):
    """The database holds real regions: demo logins (password demo1234) do not belong there."""


@transaction.atomic
def load_demo(*, beside_real_regions=False):
    """Idempotent: what exists is kept, what is missing is added. Returns counts for the log.

    The demo touches only its own region. Where other regions exist it refuses, unless
    ``beside_real_regions`` says to go ahead anyway (a training server, say)."""
    others = list(other_regions().values_list("name", flat=True))
    if others and not beside_real_regions:
        raise DemoRefused(
            f"这个数据库里已有其他地区（{'、'.join(others)}）的真实数据，未加载演示数据（{REGION}，"
            "演示账号密码为 demo1234）。确需在旁边加载演示数据，请加 --beside-real-regions。"
        )
    report = ensure_report()
    ensure_check_rules(report)
    _, reviewer = ensure_users()
    entries = ensure_entries(report, reviewer)
    projects = ensure_register(report, reviewer)
    # The turn of the year: next year's report, from this one's final figures (its December).
    next_year = ensure_next_year(report)
    return {"report": report, "entries": entries, "projects": projects, "next_year": next_year}


def grow(report, factor=10):
    """Make the report ``factor`` times its size: copies of every target (with its entries) and
    of every project (with its progress), for query-count tests and `make bench`.

    Copies get codes with a ``-Gn`` suffix, so growing twice adds more copies.
    """
    indicators = list(report.indicators.all())
    entries = list(ProgressEntry.objects.filter(indicator__report=report))
    projects = list(Project.objects.filter(report=report))
    progress = list(ProjectProgress.objects.filter(project__report=report))
    generation = Indicator.objects.filter(report=report, code__contains="-G").count() // max(
        len(indicators), 1
    )
    with transaction.atomic():
        for copy in range(1, factor):
            suffix = f"-G{generation + copy}"
            new_indicators = Indicator.objects.bulk_create(
                _copy(i, code=i.code + suffix) for i in indicators
            )
            by_old = {old.pk: new for old, new in zip(indicators, new_indicators, strict=True)}
            ProgressEntry.objects.bulk_create(
                _copy(e, indicator=by_old[e.indicator_id]) for e in entries
            )
            new_projects = Project.objects.bulk_create(
                _copy(p, code=p.code + suffix) for p in projects
            )
            by_old = {old.pk: new for old, new in zip(projects, new_projects, strict=True)}
            ProjectProgress.objects.bulk_create(
                _copy(p, project=by_old[p.project_id]) for p in progress
            )
        versions.advance([report.pk])  # written in bulk: no signals advanced the data version


def add_counties(report, count, *, city="演示市"):
    """``count`` neighbouring counties under a city above ``report``'s region, each with a copy
    of ``report`` as it stands (sections, departments, targets with their entries, the register
    with its progress): a city of many counties, for query-count tests and `make bench`.

    The counties are named 邻县1, 邻县2...; adding more continues the numbering. Returns the
    new reports."""
    region = report.region
    parent, _ = Region.objects.get_or_create(name=city, defaults={"level": Region.Level.CITY})
    if region.parent_id is None:
        region.parent = parent
        region.save()
    sections = list(report.sections.all())
    departments = list(Department.objects.filter(region=region))
    indicators = list(report.indicators.all())
    entries = list(ProgressEntry.objects.filter(indicator__report=report))
    projects = list(Project.objects.filter(report=report))
    progress = list(ProjectProgress.objects.filter(project__report=report))
    first = Region.objects.filter(parent=parent, name__startswith="邻县").count() + 1
    reports = []
    with transaction.atomic():
        for number in range(first, first + count):
            county = Region.objects.create(
                name=f"邻县{number}", level=Region.Level.COUNTY, parent=parent
            )
            copy = Report.objects.create(
                region=county,
                year=report.year,
                title=report.title.replace(region.name, county.name),
                state=report.state,
            )
            by_section = _copies(sections, Section, {"report": copy})
            by_department = _copies(departments, Department, {"region": county, "leader": None})
            by_indicator = _copies(
                indicators,
                Indicator,
                {"report": copy},
                section=by_section,
                lead_department=by_department,
            )
            _copies(entries, ProgressEntry, {}, indicator=by_indicator)
            by_project = _copies(projects, Project, {"report": copy}, lead_department=by_department)
            _copies(progress, ProjectProgress, {}, project=by_project)
            versions.advance([copy.pk])  # written in bulk: no signals advanced the data version
            reports.append(copy)
    return reports


def _copies(instances, model, values, **links):
    """Copies of ``instances`` with ``values``, each foreign key in ``links`` pointing at the copy
    of what the original pointed at ({original id: copy}), created in bulk; returns
    {original id: copy}."""
    copies = model.objects.bulk_create(
        _copy(
            instance,
            **values,
            **{name: copied[getattr(instance, f"{name}_id")] for name, copied in links.items()},
        )
        for instance in instances
    )
    return {old.pk: new for old, new in zip(instances, copies, strict=True)}


def _copy(instance, **changes):
    """An unsaved copy of a model instance with some fields changed."""
    fields = {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if not f.primary_key
    }
    for name, value in changes.items():
        fields.pop(f"{name}_id", None)
        fields[name] = value
    return type(instance)(**fields)
