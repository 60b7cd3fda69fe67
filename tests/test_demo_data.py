"""The shipped 2023 report carries every target of the seed catalogue; load_demo is idempotent."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from indicators import progress, timeliness
from indicators.models import Department, Indicator, ProgressEntry, Report, Section, User
from projects.models import Project, ProjectProgress
from reporting.standing import judged
from supervision.models import Notice, Slip

CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "targets-2023.csv"
SHARED_CATALOGUE = Path(settings.BASE_DIR).parent / "shared" / "seed" / "targets-2023.csv"


def catalogue():
    with CATALOGUE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_shipped_catalogue_is_the_shared_seed():
    if not SHARED_CATALOGUE.exists():
        pytest.skip(f"{SHARED_CATALOGUE} is not beside this checkout")
    assert CATALOGUE.read_bytes() == SHARED_CATALOGUE.read_bytes()


def test_fixture_loads_every_catalogue_target_on_an_empty_database(db):
    call_command("loaddata", "fixtures/liucheng-2023.json", verbosity=0)
    report = Report.objects.get(region__name="柳城县", year=2023)
    rows = catalogue()
    indicators = {i.code: i for i in Indicator.objects.filter(report=report)}
    assert sorted(indicators) == sorted(r["code"] for r in rows)
    for row in rows:
        indicator = indicators[row["code"]]
        assert indicator.name == row["name"]
        assert indicator.kind == row["kind"]
        assert indicator.target == Decimal(row["target"])
        assert indicator.unit == row["unit"]
        assert indicator.section.name == row["section"]
        assert indicator.lead_department.name == row["suggested_lead_department"]
        assert indicator.source_quote == row["source_quote"]
        assert indicator.is_derived == bool(row["register_rule"])
    assert list(Section.objects.filter(report=report).values_list("name", flat=True)) == [
        "项目谋划与建设",
        "招商引资",
        "城市建设",
        "生态建设",
        "民生事业",
    ]


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)
    return Report.objects.get(region__name="柳城县", year=2023)


def test_load_demo_creates_the_demo_logins(demo):
    usernames = set(User.objects.values_list("username", flat=True))
    assert {"admin", "leader", "reviewer", "fgj", "rsj"} <= usernames
    for department in Department.objects.all():
        reporter = User.objects.get(username=department.code)
        assert reporter.department == department
        assert reporter.in_group("reporter")
        assert department.leader.in_group("leader")
        assert department.leader.display_name not in ("", "县领导", department.leader.username)
    assert User.objects.get(username="leader").check_password("demo1234")
    assert User.objects.get(username="admin").is_superuser


def test_load_demo_twice_changes_nothing(demo):
    counts = [m.objects.count() for m in (User, ProgressEntry, Project, ProjectProgress)]
    call_command("load_demo", verbosity=0)
    assert [m.objects.count() for m in (User, ProgressEntry, Project, ProjectProgress)] == counts


def test_demo_year_has_approved_entries_through_november(demo):
    for indicator in Indicator.objects.filter(report=demo, register_rule=""):
        months = set(indicator.entries.filter(state="approved").values_list("month", flat=True))
        assert 11 in months, indicator.code


def test_december_tells_the_months_story(demo, client):
    """Submitted and waiting, one returned with a comment, two departments late, one slip open,
    notices in the bell: every page of the cycle shows something."""
    december = ProgressEntry.objects.filter(indicator__report=demo, month=12)
    waiting = december.filter(state="submitted")
    assert set(waiting.values_list("indicator__lead_department__code", flat=True)) == {
        "jyj",
        "wjj",
    }
    (returned,) = december.filter(state="returned")
    assert returned.indicator.code == "EC-01" and "请核实后重新报送" in returned.review_comment
    assert returned.history.filter(history_user__username="reviewer").exists()
    rows = timeliness.department_timeliness(demo)
    late = {r.department.code for r in rows if r.month(12).state == timeliness.MISSING}
    assert late == {"cgj", "sthjj"}
    on_time = {r.department.code for r in rows if r.month(12).state == timeliness.ON_TIME}
    assert {"jyj", "wjj"} <= on_time
    (slip,) = Slip.objects.filter(report=demo)
    assert slip.is_open and slip.indicator.code == "UC-07"
    assert Notice.objects.filter(user__username="cgj", title__contains="填报提醒").count() == 3
    assert Notice.objects.filter(user__username="zjj", title__contains="督办单").exists()
    assert Notice.objects.filter(user__username="reviewer", title__contains="逾期未报").exists()
    client.force_login(User.objects.get(username="reviewer"))
    queue = client.get("/review/?year=2023&month=12").content.decode()
    assert returned.indicator.name not in queue or "已退回" in queue
    assert all(e.indicator.code in queue for e in waiting)
    page = client.get("/").content.decode()
    assert 'class="bell has-unread"' in page


def test_september_shows_a_realistic_mix(demo):
    indicators = judged(demo, 9)
    counts = progress.summarise(i.progress for i in indicators).counts
    assert counts[progress.DONE] >= 3
    assert counts[progress.ON_TRACK] >= 5
    assert counts[progress.BEHIND] >= 3
    assert counts[progress.FAR_BEHIND] >= 2
    assert 1 <= counts[progress.NO_DATA] <= 2


def test_register_has_the_reports_projects(demo):
    projects = Project.objects.filter(report=demo)
    assert projects.filter(category="implementation").count() >= 153
    assert projects.filter(category="preliminary").count() >= 182
    assert (
        ProjectProgress.objects.filter(project__report=demo, month=12).count() == projects.count()
    )
