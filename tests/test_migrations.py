"""Data already in a database survives the schema's changes: a report's region name becomes a
Region with its departments and users, and a project's registration is where it stood before
approved reports moved it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("indicators", "0001_initial"), ("projects", "0002_progress_stage_date")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_data_is_carried_into_regions_and_registrations():
    old = migrate(BEFORE)
    Report = old.get_model("indicators", "Report")
    Department = old.get_model("indicators", "Department")
    Section = old.get_model("indicators", "Section")
    Indicator = old.get_model("indicators", "Indicator")
    User = old.get_model("indicators", "User")
    Project = old.get_model("projects", "Project")
    HistoricalProject = old.get_model("projects", "HistoricalProject")
    report = Report.objects.create(region="柳城县", year=2023, title="2023年柳城县政府工作报告")
    fgj = Department.objects.create(name="县发展和改革局", short_name="发改局", code="fgj")
    section = Section.objects.create(report=report, name="项目谋划与建设", order=1)
    Indicator.objects.create(
        report=report,
        section=section,
        code="EC-05",
        name="古砦光伏",
        unit="%",
        kind="milestone",
        target=100,
        lead_department=fgj,
    )
    User.objects.create(username="t-fgj", department=fgj)
    User.objects.create(username="t-leader")
    # Registered ready on 1 March; an approved May report moved it to started.
    project = Project.objects.create(
        report=report,
        code="SS-1",
        name="标准厂房",
        category="implementation",
        build_type="new",
        stage="started",
        start_date=datetime.date(2023, 5, 10),
        total_investment=100,
        lead_department=fgj,
    )
    for stage, start, when in (
        ("ready", None, datetime.datetime(2023, 3, 1, tzinfo=datetime.UTC)),
        ("started", datetime.date(2023, 5, 10), datetime.datetime(2023, 6, 2, tzinfo=datetime.UTC)),
    ):
        HistoricalProject.objects.create(
            id=project.pk,
            report_id=report.pk,
            code="SS-1",
            name="标准厂房",
            category="implementation",
            build_type="new",
            stage=stage,
            start_date=start,
            total_investment=100,
            planned_investment=0,
            lead_department_id=fgj.pk,
            is_promoted=False,
            history_date=when,
            history_type="+" if stage == "ready" else "~",
        )

    new = migrate(
        [
            ("indicators", "0003_user_phone_must_change_password"),
            ("projects", "0004_entry_rules_declared_once"),
        ]
    )
    Region = new.get_model("indicators", "Region")
    region = Region.objects.get()
    assert region.name == "柳城县"
    assert new.get_model("indicators", "Report").objects.get().region_id == region.pk
    assert new.get_model("indicators", "Department").objects.get().region_id == region.pk
    users = dict(new.get_model("indicators", "User").objects.values_list("username", "region"))
    assert users == {"t-fgj": region.pk, "t-leader": region.pk}  # the only region
    project = new.get_model("projects", "Project").objects.get()
    assert (project.registered_stage, project.registered_start_date) == ("ready", None)
    assert (project.stage, project.start_date) == ("started", datetime.date(2023, 5, 10))
    migrate(migrate_to_latest())


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_reports_in_use_before_a_report_had_a_life_are_published():
    """Reports that existed before 0008 were in use: they become 执行, and only new ones start in
    筹备 (a report created after the migration)."""
    old = migrate([("indicators", "0007_robot_allow_list_and_signing")])
    region = old.get_model("indicators", "Region").objects.create(name="柳城县", code="450222")
    old.get_model("indicators", "Report").objects.create(region=region, year=2023, title="旧报告")
    new = migrate([("indicators", "0008_report_life")])
    Report = new.get_model("indicators", "Report")
    assert Report.objects.get(title="旧报告").state == "active"
    fresh = Report.objects.create(region_id=region.pk, year=2024, title="新报告")
    assert fresh.state == "preparing"
    migrate(migrate_to_latest())
