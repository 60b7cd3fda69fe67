"""Start next year's report from last year's (issue 24, "Start from last year"), and the set-up
workbook's rules at the turn of the year: a new report is loaded into 筹备, a published one is
never overwritten by a workbook, and the load page offers every report's filled workbook."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import Action, AuditRecord
from indicators import access, lifecycle, setup
from indicators.models import (
    Department,
    EntryState,
    Indicator,
    ProgressEntry,
    Region,
    Report,
    Section,
    User,
)
from indicators.xlsx import ExcelImportError
from projects import register
from projects.models import Project, ProjectProgress, Stage
from reporting.demo import load_demo

from .conftest import approve, make_user, submit

ACTION = "start_from_last_year"
# What a copied target keeps from last year, field by field.
KEPT = (
    "code",
    "order",
    "name",
    "unit",
    "kind",
    "target",
    "lead_department_id",
    "frequency",
    "tolerance",
    "register_rule",
    "is_year_end_only",
    "awaits_annual_statistics",
    "source_quote",
)


@pytest.fixture(autouse=True)
def _in_january():
    with time_machine.travel(
        datetime.datetime(2024, 1, 10, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


@pytest.fixture
def demo(db):
    """The full demo: 2023 with its year of progress and December's story, and 2024 in 筹备
    started from it by `setup.start_from` (as ``load_demo`` does)."""
    result = load_demo()
    return result["report"], result["next_year"]


def office(region, username="t-office"):
    """The supervision office of ``region``: a reviewer who works in the admin."""
    user = make_user(username, "reviewer", region=region)
    user.is_staff = True
    user.save()
    return user


def target_rows(report):
    return {
        i.code: (
            *(getattr(i, name) for name in KEPT),
            i.section.name,
            sorted(d.code for d in i.cooperating_departments.all()),
        )
        for i in report.indicators.select_related("section").prefetch_related(
            "cooperating_departments"
        )
    }


def departments_named(report):
    indicators = report.indicators.prefetch_related("cooperating_departments")
    return {i.lead_department_id for i in indicators} | {
        d.pk for i in indicators for d in i.cooperating_departments.all()
    }


def final_figure(indicator):
    """Read by hand, not by the code under test: December's approved value, else the latest
    approved month's, else the baseline."""
    entry = (
        ProgressEntry.objects.filter(indicator=indicator, state=EntryState.APPROVED)
        .order_by("-month")
        .first()
    )
    return entry.value if entry else indicator.baseline


# --- What the copy carries -----------------------------------------------------------------------


def test_the_copy_carries_all_40_targets_11_departments_and_the_sections(demo):
    old, new = demo
    assert (new.region, new.year, new.title) == (old.region, 2024, "2024年柳城县政府工作报告")
    assert new.state == Report.State.PREPARING
    assert new.indicators.count() == 40
    assert target_rows(new) == target_rows(old)
    assert list(new.sections.values_list("order", "name")) == list(
        old.sections.values_list("order", "name")
    )
    # The departments are the region's: the same 11 rows serve both years.
    assert len(departments_named(new)) == 11
    assert departments_named(new) == departments_named(old)
    assert Department.objects.filter(region=old.region).count() == 11
    # Sections are the new report's own rows, not last year's.
    assert not Section.objects.filter(report=new, pk__in=old.sections.values("pk")).exists()


def test_baselines_are_last_years_final_approved_figures_and_plans_are_reset(demo):
    old, new = demo
    copied = {i.code: i for i in new.indicators.all()}
    sources = {"december": 0, "earlier": 0}
    for indicator in old.indicators.filter(register_rule=""):
        assert copied[indicator.code].baseline == final_figure(indicator), indicator.code
        december = indicator.entries.filter(month=12, state=EntryState.APPROVED).exists()
        if indicator.entries.filter(state=EntryState.APPROVED).exists():
            sources["december" if december else "earlier"] += 1
    # The demo's December has both: most figures approved, some waiting or returned.
    assert sources["december"] >= 15 and sources["earlier"] >= 3, sources
    assert copied["LV-01"].baseline == Decimal(1620)
    assert old.indicators.exclude(monthly_plan=None).exists()  # EC-02's seasonal plan
    assert not new.indicators.exclude(monthly_plan=None).exists()


def test_unfinished_projects_go_on_into_next_years_register(demo):
    old, new = demo
    unfinished = Project.objects.filter(report=old).exclude(stage=Stage.COMPLETED)
    assert unfinished.count() > 100 and Project.objects.filter(report=old, stage="completed")
    carried = {p.code: p for p in Project.objects.filter(report=new)}
    assert set(carried) == set(unfinished.values_list("code", flat=True))
    for project in unfinished:
        copy = carried[project.code]
        # Registered where it stands at the year's end; a started one goes on as 续建.
        assert (copy.registered_stage, copy.stage) == (project.stage, project.stage)
        assert copy.registered_start_date == copy.start_date == project.start_date
        assert copy.completion_date is None and copy.planned_investment == 0
        expected = "continuing" if project.stage == Stage.STARTED else project.build_type
        assert copy.build_type == expected, project.code
        assert (copy.name, copy.lead_department_id, copy.total_investment) == (
            project.name,
            project.lead_department_id,
            project.total_investment,
        )
    assert not ProjectProgress.objects.filter(project__report=new).exists()


def test_the_computed_targets_start_from_last_years_computed_values(demo):
    old, new = demo
    finals = register.derived_values(old, 12)
    computed = new.indicators.exclude(register_rule="")
    assert computed.count() == 10
    for indicator in computed:
        expected = round(finals[indicator.register_rule], 4)  # the baseline's 4 places
        assert indicator.baseline == expected, indicator.code
    assert computed.get(code="PP-01").baseline > 0


def test_the_baseline_falls_back_to_the_latest_approved_month_then_last_years_baseline(report):
    lv01, uc01, ec02 = (report.indicators.get(code=c) for c in ("LV-01", "UC-01", "EC-02"))
    approve(lv01, 11, 1500)
    approve(lv01, 12, 1620)
    approve(uc01, 11, 90)
    fgj = make_user("t-uc-reporter", "reporter", uc01.lead_department)
    submit(fgj, uc01, 12, value=Decimal(99))  # December waiting: not the final figure yet
    ec02.baseline = Decimal("4.5")
    ec02.save()
    new = setup.start_from(report, office(report.region))
    copied = {i.code: i.baseline for i in new.indicators.all()}
    assert (copied["LV-01"], copied["UC-01"], copied["EC-02"]) == (1620, 90, Decimal("4.5"))
    assert copied["UC-02"] is None  # no figure, no baseline: none


def test_the_report_settings_are_copied(report):
    report.deadline_day, report.reminder_days, report.escalation_days = 8, "-2,0,1", 5
    report.webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    report.save()
    new = setup.start_from(report, None)
    assert (new.deadline_day, new.reminder_days, new.escalation_days, new.webhook_url) == (
        8,
        "-2,0,1",
        5,
        report.webhook_url,
    )


def test_the_copys_workbook_loads_back_unchanged(client, report):
    gdp = report.indicators.get(code="LV-02")
    gdp.awaits_annual_statistics = True
    gdp.save()
    approve(report.indicators.get(code="LV-01"), 12, 1620)
    user = office(report.region)
    new = setup.start_from(report, user)
    assert new.indicators.get(code="LV-02").awaits_annual_statistics
    client.force_login(user)
    response = client.get(reverse("admin:indicators_report_template"), {"report": new.pk})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["目标任务"]
    headers = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 40
    assert rows["LV-02"][headers.index("待统计年报")] == "是"
    assert rows["LV-01"][headers.index("基数")] == "1620"
    stored = list(Indicator.objects.filter(report=new).order_by("code").values())
    counts = setup.load_report_file(SimpleUploadedFile("2024.xlsx", response.content))
    assert (counts["report"], counts["created"], counts["updated"]) == (new, 0, 0)
    assert list(Indicator.objects.filter(report=new).order_by("code").values()) == stored


def test_the_annual_statistics_column_is_read_from_the_workbook(report):
    new = setup.start_from(report, None)
    book = load_workbook(BytesIO(setup.report_setup_bytes(new)))
    sheet = book["目标任务"]
    column = [c.value for c in sheet[1]].index("待统计年报")
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "LV-02")
    row[column].value = "是"
    out = BytesIO()
    book.save(out)
    counts = setup.load_report_file(SimpleUploadedFile("2024.xlsx", out.getvalue()))
    assert (counts["created"], counts["updated"]) == (0, 1)
    assert new.indicators.get(code="LV-02").awaits_annual_statistics
    row[column].value = "也许"
    book.save(out := BytesIO())
    with pytest.raises(ExcelImportError, match="待统计年报"):
        setup.load_report_file(SimpleUploadedFile("2024.xlsx", out.getvalue()))


# --- Refusals ------------------------------------------------------------------------------------


def test_starting_a_year_that_exists_is_refused(demo):
    old, _new = demo
    before = Report.objects.count(), Indicator.objects.count()
    with pytest.raises(setup.Refused, match=r"2024年的工作报告.*已经存在"):
        setup.start_from(old, office(old.region))
    assert (Report.objects.count(), Indicator.objects.count()) == before


def test_another_regions_office_may_not_start_the_year(report):
    other = Region.objects.create(name="鹿寨县", code="450223")
    users = (
        office(other, "t-luzhai-office"),
        make_user("t-leader", "leader", region=report.region),
    )
    before = Report.objects.count(), AuditRecord.objects.count()
    for user in users:
        with pytest.raises(setup.Refused, match=r"柳城县.*督查室"):
            setup.start_from(report, user)
    assert (Report.objects.count(), AuditRecord.objects.count()) == before


# --- The admin -----------------------------------------------------------------------------------


def test_the_office_starts_next_year_from_the_change_list(client, report):
    user = office(report.region)
    client.force_login(user)
    before = AuditRecord.objects.count()
    response = client.post(
        reverse("admin:indicators_report_changelist"),
        {"action": ACTION, "_selected_action": [report.pk]},
        follow=True,
    )
    new = Report.objects.get(region=report.region, year=2024)
    change = reverse("admin:indicators_report_change", args=[new.pk])
    assert response.redirect_chain[-1][0] == change
    page = response.content.decode()
    assert "已以“2023年柳城县政府工作报告”为基础新建“2024年柳城县政府工作报告”" in page
    assert new.state == Report.State.PREPARING and new.indicators.count() == 40
    created = AuditRecord.objects.filter(
        pk__gt=before, action=Action.CREATED, object_label="indicators.Report"
    ).get()
    assert (created.object_id, created.actor_id) == (str(new.pk), user.pk)
    # Twice: refused, said on the change list, nothing more made.
    response = client.post(
        reverse("admin:indicators_report_changelist"),
        {"action": ACTION, "_selected_action": [report.pk]},
        follow=True,
    )
    assert "已经存在" in response.content.decode()
    assert Report.objects.filter(region=report.region).count() == 2


def test_the_change_page_offers_the_action_as_a_form(client, report):
    client.force_login(office(report.region))
    page = client.get(reverse("admin:indicators_report_change", args=[report.pk])).content
    page = page.decode()
    assert f'name="action" value="{ACTION}"' in page
    assert f'name="_selected_action" value="{report.pk}"' in page


def test_the_action_takes_one_report(client, report):
    other = Report.objects.create(region=report.region, year=2022, title="2022年柳城县政府工作报告")
    client.force_login(office(report.region))
    response = client.post(
        reverse("admin:indicators_report_changelist"),
        {"action": ACTION, "_selected_action": [report.pk, other.pk]},
        follow=True,
    )
    assert "请只选择一份工作报告" in response.content.decode()
    assert not Report.objects.filter(year=2024).exists()


def test_the_load_page_links_every_visible_reports_workbook_with_its_state(client, demo):
    old, new = demo
    template = reverse("admin:indicators_report_template")
    client.force_login(office(old.region))
    page = client.get(reverse("admin:indicators_report_load")).content.decode()
    for report, state in ((old, "执行"), (new, "筹备")):
        assert f'href="{template}?report={report.pk}">{report.title}</a>（{state}）' in page
    # Another region's office sees neither of them.
    client.force_login(office(Region.objects.create(name="鹿寨县", code="450223"), "t-lz"))
    page = client.get(reverse("admin:indicators_report_load")).content.decode()
    assert f"?report={old.pk}" not in page and f"?report={new.pk}" not in page


# --- Loading a workbook by the report's state ----------------------------------------------------


def raised_target(report, code="LV-01"):
    """``report``'s own workbook with ``code``'s annual target raised by one."""
    book = load_workbook(BytesIO(setup.report_setup_bytes(report)))
    sheet = book["目标任务"]
    column = [c.value for c in sheet[1]].index("年度目标")
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == code)
    row[column].value = str(Decimal(row[column].value) + 1)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_loading_into_a_published_report_is_refused_and_changes_nothing(client, report):
    assert report.state == Report.State.ACTIVE
    data = raised_target(report)
    before = list(Indicator.objects.order_by("pk").values()), Indicator.history.count()
    with pytest.raises(ExcelImportError) as refused:
        setup.load_report_file(SimpleUploadedFile("2023.xlsx", data))
    assert str(refused.value) == (
        "“2023年柳城县政府工作报告”已发布（执行），不能再用工作簿覆盖。"
        "调整个别目标请在“目标任务”中逐项修改；尚未填报任何数据时，可先将其退回筹备。; "
        "要以它为基础建立新一年度的报告，请把“工作报告”表中的年度改为新的年度后再导入。"
    )
    client.force_login(office(report.region))
    response = client.post(
        reverse("admin:indicators_report_load"), {"file": SimpleUploadedFile("2023.xlsx", data)}
    )
    assert response.status_code == 400 and "不能再用工作簿覆盖" in response.content.decode()
    assert (list(Indicator.objects.order_by("pk").values()), Indicator.history.count()) == before


def test_a_report_put_back_into_preparing_takes_its_workbook_again(report):
    user = office(report.region)
    lifecycle.move(user, report, "unpublish")
    counts = setup.load_report_file(SimpleUploadedFile("2023.xlsx", raised_target(report)))
    assert (counts["created"], counts["updated"]) == (0, 1)
    assert report.indicators.get(code="LV-01").target == 1501


def test_a_closing_or_archived_report_is_refused_without_offering_preparing(report):
    data = raised_target(report)
    refusals = ((Report.State.CLOSING, "已发布（收尾）"), (Report.State.ARCHIVED, "已归档"))
    for state, words in refusals:
        Report.objects.filter(pk=report.pk).update(state=state)
        with pytest.raises(ExcelImportError) as refused:
            setup.load_report_file(SimpleUploadedFile("2023.xlsx", data))
        assert words in str(refused.value) and "退回筹备" not in str(refused.value)


def test_a_workbook_of_a_new_year_creates_the_report_in_preparing(report):
    book = load_workbook(BytesIO(setup.report_setup_bytes(report)))
    for row in book["工作报告"].iter_rows(min_row=2):
        if row[0].value == "年度":
            row[1].value = 2025
    out = BytesIO()
    book.save(out)
    counts = setup.load_report_file(SimpleUploadedFile("2025.xlsx", out.getvalue()))
    assert counts["report"].year == 2025 and counts["report"].state == Report.State.PREPARING
    assert counts["report"].indicators.count() == 40


# --- The demo ------------------------------------------------------------------------------------


def test_the_demo_holds_2024_in_preparing_beside_2023_once(demo):
    old, new = demo
    assert (old.state, new.state) == (Report.State.ACTIVE, Report.State.PREPARING)
    load_demo()
    assert list(Report.objects.filter(region=old.region).values_list("year", flat=True)) == [
        2024,
        2023,
    ]


def test_2024_in_preparing_is_the_offices_alone(client, demo):
    old, new = demo
    assert new in access.reports_for(office(old.region))
    section, indicator = new.sections.first(), new.indicators.first()
    for username in ("leader", "fgj", "rsj"):
        user = User.objects.get(username=username)
        assert list(access.reports_for(user)) == [old], username
        client.force_login(user)
        urls = [f"/indicators/{indicator.pk}/"]
        if username == "leader":
            urls += [f"/?report={new.pk}", f"/sections/{section.pk}/"]
            urls += [f"/export/summary.xlsx?report={new.pk}&month=1"]
        else:
            urls += [f"/report/2024/1/?report={new.pk}"]  # the form: a leader's is 403
        for url in urls:
            assert client.get(url).status_code == 404, (username, url)
