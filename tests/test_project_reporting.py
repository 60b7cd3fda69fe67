"""Monthly project reporting on the reporter's form, and its review into the register."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from indicators import workflow
from indicators.models import Department, Indicator
from projects.models import ProjectProgress
from projects.register import derived_values
from tests.conftest import make_project as register_project

URL = "/report/2023/9/"


@pytest.fixture(autouse=True)
def _after_the_year():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


def make_project(report, code, department_code, **fields):
    return register_project(
        report,
        code=code,
        name=f"测试项目{code}",
        lead_department=Department.objects.get(code=department_code),
        planned_investment=Decimal(12000),
        **fields,
    )


@pytest.fixture
def plant(report):
    return make_project(report, "SS-T1", "fgj")


@pytest.fixture
def school(report):
    return make_project(report, "SS-T2", "jyj")


def project_data(project, version=0, **fields):
    prefix = f"p{project.pk}"
    data = {
        f"{prefix}-investment_completed": "",
        f"{prefix}-stage": "",
        f"{prefix}-stage_date": "",
        f"{prefix}-physical_progress": "",
        f"{prefix}-problems": "",
        f"{prefix}-version": version,
    }
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return data


def post(client, action, *projects_and_fields):
    data = {"action": action}
    keys = []
    for project, fields in projects_and_fields:
        keys.append(f"p{project.pk}")
        data.update(project_data(project, **fields))
    data["rows"] = ",".join(keys)
    return client.post(URL, data)


def test_form_lists_only_the_departments_projects(client, report, fgj, plant, school):
    client.force_login(fgj)
    page = client.get(URL).content.decode()
    assert 'data-project="SS-T1"' in page
    assert 'data-project="SS-T2"' not in page


def test_save_and_submit_project_progress(client, report, fgj, plant):
    client.force_login(fgj)
    response = post(client, "save", (plant, {"investment_completed": "3,500"}))
    assert response.status_code == 302
    row = ProjectProgress.objects.get(project=plant, month=9)
    assert (row.investment_completed, row.state) == (Decimal(3500), "draft")
    response = post(
        client,
        "submit",
        (plant, {"investment_completed": "3600", "physical_progress": "主体封顶", "version": 1}),
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.investment_completed, row.state, row.submitted_by) == (
        Decimal(3600),
        "submitted",
        fgj,
    )


def test_bad_project_values_are_refused_and_nothing_is_saved(client, report, fgj, plant):
    client.force_login(fgj)
    for fields, message in [
        ({"investment_completed": "abc"}, "请只填写数字"),
        ({"investment_completed": "-1"}, "不能为负数"),
        ({"investment_completed": "100", "stage": "started"}, "请填写已开工日期"),
        ({"investment_completed": "100", "stage": "planned"}, "只能向前推进"),
    ]:
        response = post(client, "save", (plant, fields))
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not ProjectProgress.objects.exists()


def test_another_departments_project_is_refused(client, report, fgj, plant, school):
    client.force_login(fgj)
    response = post(
        client,
        "save",
        (plant, {"investment_completed": "100"}),
        (school, {"investment_completed": "100"}),
    )
    assert response.status_code == 403
    assert "不属于本单位" in response.content.decode()
    assert not ProjectProgress.objects.exists()


def test_approved_start_counts_in_the_register(client, report, fgj, reviewer, plant):
    started = Indicator.RegisterRule.NEW_STARTED
    assert derived_values(report, 9)[started] == 0
    client.force_login(fgj)
    post(
        client,
        "submit",
        (
            plant,
            {"investment_completed": "800", "stage": "started", "stage_date": "2023-09-12"},
        ),
    )
    row = ProjectProgress.objects.get(project=plant)
    assert derived_values(report, 9)[started] == 0  # submitted is not approved
    client.force_login(reviewer)
    response = client.post("/review/approve/", {"rows": [f"p{row.pk}:{row.version}"]})
    assert response.status_code == 302
    plant.refresh_from_db()
    assert (plant.stage, plant.start_date) == ("started", datetime.date(2023, 9, 12))
    assert derived_values(report, 9)[started] == 1
    assert derived_values(report, 8)[started] == 0
    year = derived_values(report, 9)[Indicator.RegisterRule.IMPLEMENTATION_YEAR]
    assert year == Decimal("0.08")  # 800 万元 in 亿元


def test_review_queue_shows_project_progress_and_returns_it(client, report, fgj, reviewer, plant):
    client.force_login(fgj)
    post(client, "submit", (plant, {"investment_completed": "900"}))
    row = ProjectProgress.objects.get(project=plant)
    client.force_login(reviewer)
    page = client.get("/review/?year=2023").content.decode()
    assert f'data-progress="{row.pk}"' in page
    client.post(
        "/review/return/", {"rows": [f"p{row.pk}:{row.version}"], "comment": "投资额与台账不符"}
    )
    row.refresh_from_db()
    assert (row.state, row.review_comment) == ("returned", "投资额与台账不符")
    client.force_login(fgj)
    assert "退回意见：投资额与台账不符" in client.get(URL).content.decode()


def test_locked_month_refuses_project_rows(client, report, fgj, reviewer, plant):
    workflow.lock_month(reviewer, report, 9)
    client.force_login(fgj)
    response = post(client, "save", (plant, {"investment_completed": "100"}))
    assert response.status_code == 403
    assert not ProjectProgress.objects.exists()


def test_history_records_project_progress_with_its_users(client, report, fgj, reviewer, plant):
    client.force_login(fgj)
    post(client, "submit", (plant, {"investment_completed": "900"}))
    row = ProjectProgress.objects.get(project=plant)
    client.force_login(reviewer)
    client.post("/review/approve/", {"rows": [f"p{row.pk}:{row.version}"]})
    history = list(row.history.order_by("history_date"))
    assert [(h.state, h.history_user) for h in history] == [
        ("submitted", fgj),
        ("approved", reviewer),
    ]
