"""Annual statistics close the year (待统计年报): a target the office marks as waiting for the
annual statistics (GDP, income: they come in February or March) is neither late, reminded nor
escalated for December while its report is open; it reads 待统计年报 on every page, the Excel
summary and the bulletin until its December figure is approved, and the year is then judged on
that figure. An unmarked target without December is late as before.

The demo's 2023 report (执行): every typed-in target has its approved December figure but two,
城镇新增就业 (LV-01, 人社局, marked) and 整县屋顶分布式光伏 (EC-06, 发改局, not marked).
"""

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from indicators import progress, timeliness, workflow
from indicators.models import Department, Indicator, ProgressEntry, Region, Report, Section
from projects.models import Project, ProjectProgress
from reporting.standing import judged
from supervision import bulletins, reminders
from supervision.models import Dispatch

from .conftest import approve, make_next_year, submit

JAN_10, FEB_20, MAR_15 = (
    datetime.date(2024, 1, 10),
    datetime.date(2024, 2, 20),
    datetime.date(2024, 3, 15),
)
DAYS = [JAN_10, FEB_20, MAR_15]
YEAR_END = "?year=2023&month=12"


def at(day):
    """The clock at nine in the morning of ``day``."""
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(9), tzinfo=timezone.get_current_timezone())
    )


@pytest.fixture
def year(report):
    """The demo report at the turn of the year: LV-01 marked 待统计年报 (November's 1400 of 1500
    in), EC-06 unmarked (November's 90 % in), every other typed-in target's December approved."""
    employment = report.indicators.get(code="LV-01")
    employment.awaits_annual_statistics = True
    employment.save()
    solar = report.indicators.get(code="EC-06")
    approve(employment, 11, 1400)
    approve(solar, 11, 90)
    for indicator in report.indicators.filter(register_rule="").exclude(
        pk__in=[employment.pk, solar.pk]
    ):
        approve(indicator, 12, indicator.target)
    return {"report": report, "employment": employment, "solar": solar}


def december(report, code, today):
    """A department's December reporting cell as of ``today``."""
    rows = timeliness.department_timeliness(report, today)
    return next(row for row in rows if row.department.code == code).month(12)


# --- The rule ------------------------------------------------------------------------------------


def test_the_rule_waits_only_at_december_until_its_figure_is_in():
    assert progress.awaits_annual_figure(True, 12, december_in=False)
    assert not progress.awaits_annual_figure(True, 12, december_in=True)
    assert not progress.awaits_annual_figure(True, 11, december_in=False)
    assert not progress.awaits_annual_figure(False, 12, december_in=False)
    waiting = progress.judge("cumulative", 1500, 1400, 12, awaits_annual=True)
    assert (waiting.status, str(waiting.label)) == (progress.ANNUAL, "待统计年报")
    summary = progress.summarise([waiting, progress.judge("cumulative", 100, 100, 12)])
    assert summary.judged == 1 and summary.share_on_track == 1
    assert "待统计年报1项" in progress.verdict(12, summary)


# --- Timeliness, reminders and escalation --------------------------------------------------------


@pytest.mark.parametrize("today", DAYS)
def test_a_marked_december_is_waiting_not_missing_and_an_unmarked_one_is_missing(year, today):
    report = year["report"]
    waiting = december(report, "rsj", today)
    assert (waiting.state, waiting.awaiting, waiting.missing) == (timeliness.ANNUAL, 1, 0)
    assert str(waiting.label) == "待统计年报" and not waiting.is_behind
    assert waiting.waiting == 0  # nothing to remind anyone of
    late = december(report, "fgj", today)
    assert (late.state, late.missing, late.awaiting) == (timeliness.MISSING, 1, 0)
    assert late.is_behind


def test_before_the_deadline_a_marked_december_is_simply_not_due(year):
    assert december(year["report"], "rsj", datetime.date(2024, 1, 3)).state == timeliness.NOT_DUE


def test_an_archived_report_waits_for_nothing(year):
    report = year["report"]
    Report.objects.filter(pk=report.pk).update(state=Report.State.ARCHIVED)
    report.refresh_from_db()
    assert december(report, "rsj", FEB_20).state == timeliness.MISSING


@pytest.fixture
def people(report, fgj, rsj, reviewer):
    """Reporters of both departments and the office, so that every message has a recipient."""
    return fgj, rsj, reviewer


@pytest.mark.parametrize("today", DAYS)
def test_send_reminders_never_reminds_or_escalates_a_marked_december(year, people, today):
    report = year["report"]
    fgj_id, rsj_id = (
        Department.objects.get(region=report.region, code=c).pk for c in ("fgj", "rsj")
    )
    messages = reminders.messages_for(report, today)
    assert not [m.key for m in messages if m.key.endswith(f":{rsj_id}")]
    call_command("send_reminders", "--date", today.isoformat(), stdout=io.StringIO())
    keys = set(Dispatch.objects.values_list("key", flat=True))
    assert not [key for key in keys if key.endswith(f":12:{rsj_id}") or f":12:0:{rsj_id}" in key]
    if (
        today == JAN_10
    ):  # within December's reminder and escalation steps: the unmarked one is chased
        assert f"remind:{report.pk}:12:2:{fgj_id}" in keys
        assert f"escalate-late:{report.pk}:12:{fgj_id}" in keys


def test_the_marked_december_is_reminded_of_nothing_even_before_the_deadline(year, people):
    report = year["report"]
    rsj_id = Department.objects.get(region=report.region, code="rsj").pk
    fgj_id = Department.objects.get(region=report.region, code="fgj").pk
    keys = {m.key for m in reminders.messages_for(report, datetime.date(2024, 1, 2))}
    assert f"remind:{report.pk}:12:-3:{fgj_id}" in keys
    assert f"remind:{report.pk}:12:-3:{rsj_id}" not in keys


# --- Standing: pages, workbook, bulletin ---------------------------------------------------------


@pytest.mark.parametrize("today", DAYS)
def test_the_indicator_page_and_overview_say_waiting_for_the_annual_statistics(
    client, year, leader, today
):
    client.force_login(leader)
    with at(today):
        page = client.get(f"/indicators/{year['employment'].pk}/{YEAR_END}").content.decode()
        assert 'class="badge status-annual">待统计年报<' in page
        solar = client.get(f"/indicators/{year['solar'].pk}/{YEAR_END}").content.decode()
        assert "badge status-behind" in solar  # November's 90 %, judged as before
        overview = client.get(f"/{YEAR_END}").content.decode()
    assert "待统计年报1项" in overview


def summary_workbook(client):
    response = client.get(f"/export/summary.xlsx{YEAR_END}")
    assert response.status_code == 200
    return load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


@pytest.mark.parametrize("today", DAYS)
def test_the_excel_summary_says_waiting_for_the_annual_statistics(client, year, leader, today):
    client.force_login(leader)
    with at(today):
        workbook = summary_workbook(client)
    details = {row[1]: row for row in workbook["指标明细"].iter_rows(min_row=3, values_only=True)}
    assert details["LV-01"][8] == "待统计年报"
    assert details["EC-06"][8] == "滞后"
    overview = workbook["总览"]
    header = [c.value for c in overview[2]]
    total = next(r for r in overview.iter_rows(min_row=3, values_only=True) if r[0] == "合计")
    assert total[header.index("待统计年报")] == 1
    reporting = {row[0]: row for row in workbook["报送情况"].iter_rows(min_row=3, values_only=True)}
    names = {
        c: str(Department.objects.get(region=year["report"].region, code=c)) for c in ("rsj", "fgj")
    }
    assert reporting[names["rsj"]][3 + 11] == "待统计年报"  # December's cell
    assert reporting[names["fgj"]][3 + 11] == "未报送"


@pytest.mark.parametrize("today", DAYS)
def test_the_bulletin_leaves_the_marked_target_out_of_the_lagging_and_late(year, today):
    report = year["report"]
    with at(today):
        bulletin = bulletins.generate(report, 12, today)
    numbers = bulletin.numbers
    assert numbers["counts"][progress.ANNUAL] == 1
    assert [item["code"] for item in numbers["awaiting"]] == ["LV-01"]
    assert "LV-01" not in [item["code"] for item in numbers["lagging"]]
    assert "EC-06" in [item["code"] for item in numbers["lagging"]]
    late = {r["department"] for r in numbers["reporting"]}
    assert "县发展和改革局" in late and "县人力资源和社会保障局" not in late
    assert "待统计年报1项" in bulletin.body
    assert (
        "待统计年报的目标任务" in bulletin.body
        and "城镇新增就业（县人力资源和社会保障局）" in bulletin.body
    )


def test_a_bulletin_stored_before_the_annual_statistics_still_reads(year):
    numbers = bulletins.figures(year["report"], 12, FEB_20)
    del numbers["awaiting"]
    for part in (numbers, *numbers["sections"]):
        del part["counts"][progress.ANNUAL]
    body = bulletins.body_for(year["report"], numbers)
    assert "待统计年报" not in body


def test_the_league_leaves_the_marked_target_out_of_the_judged(client, year, reviewer):
    client.force_login(reviewer)
    with at(FEB_20):
        response = client.get(f"/departments/{YEAR_END}")
    league = {row.department.code: row for row in response.context["league"]}
    rsj = league["rsj"]
    assert rsj.summary.counts[progress.ANNUAL] == 1
    assert rsj.summary.judged == rsj.summary.total - 1
    assert rsj.summary.counts[progress.BEHIND] + rsj.summary.counts[progress.FAR_BEHIND] == 0
    assert rsj.decided == 11  # December is neither on time, late nor missing
    assert league["fgj"].decided == 12


def test_the_department_page_says_its_december_waits_for_the_annual_statistics(
    client, year, leader
):
    rsj = Department.objects.get(region=year["report"].region, code="rsj")
    client.force_login(leader)
    with at(FEB_20):
        page = client.get(f"/departments/{rsj.pk}/{YEAR_END}").content.decode()
    assert 'class="badge timeliness-annual">待统计年报<' in page
    assert "另有1项待统计年报" in page


# --- The annual figure arrives -------------------------------------------------------------------


def test_the_annual_figure_is_accepted_in_march_and_the_year_is_judged_on_it(
    client, year, rsj, reviewer, leader
):
    report, employment = year["report"], year["employment"]
    client.force_login(rsj)
    with at(MAR_15):
        response = client.post(
            f"/report/2023/12/?report={report.pk}",
            {
                "action": "submit",
                "rows": f"i{employment.pk}",
                f"i{employment.pk}-value": "1520",
                f"i{employment.pk}-note": "统计年报数据",
                f"i{employment.pk}-problems": "",
                f"i{employment.pk}-version": 0,
            },
        )
        assert response.status_code == 302
        entry = ProgressEntry.objects.get(indicator=employment, month=12)
        assert entry.state == "submitted" and entry.value == Decimal(1520)
        # Submitted two months after the deadline, and still not late.
        assert december(report, "rsj", MAR_15).state == timeliness.ON_TIME
        assert december(report, "rsj", MAR_15).late == 0
        workflow.review(reviewer, [entry], workflow.APPROVE)
        client.force_login(leader)
        page = client.get(f"/indicators/{employment.pk}/{YEAR_END}").content.decode()
        overview = client.get(f"/{YEAR_END}").content.decode()
        bulletin = bulletins.generate(report, 12, MAR_15)
    assert 'class="badge status-done">已完成<' in page
    assert "待统计年报" not in overview.split("</h1>", 1)[-1].split("</p>", 1)[0]
    assert bulletin.numbers["counts"][progress.ANNUAL] == 0
    assert "待统计年报" not in bulletin.body


def test_an_unmarked_december_sent_in_march_is_late(year, fgj):
    report, solar = year["report"], year["solar"]
    with at(MAR_15):
        submit(fgj, solar, 12, value=Decimal(100))
        cell = december(report, "fgj", MAR_15)
    assert (cell.state, cell.late) == (timeliness.LATE, 1)


def test_an_annual_figure_submitted_but_not_approved_keeps_the_target_waiting(year, rsj):
    report, employment = year["report"], year["employment"]
    with at(FEB_20):
        submit(rsj, employment, 12, value=Decimal(1520))
    (found,) = [i for i in judged(report, 12) if i.pk == employment.pk]
    assert found.progress.status == progress.ANNUAL


# --- The office marks targets in the admin -------------------------------------------------------


@pytest.fixture
def neighbour(report):
    """鹿寨县, with a target of its own."""
    region = Region.objects.create(name="鹿寨县", code="450223")
    other = Report.objects.create(
        region=region, year=2023, title="2023年鹿寨县政府工作报告", state=Report.State.ACTIVE
    )
    section = Section.objects.create(report=other, name="民生事业", order=1)
    department = Department.objects.create(
        region=region, code="rsj", name="鹿寨人社局", short_name="人社局"
    )
    return Indicator.objects.create(
        report=other,
        section=section,
        code="LZ-01",
        name="鹿寨新增就业",
        kind="cumulative",
        target=Decimal(100),
        unit="人",
        lead_department=department,
    )


def changelist_action(client, action, indicators):
    return client.post(
        reverse("admin:indicators_indicator_changelist"),
        {"action": action, "_selected_action": [i.pk for i in indicators]},
        follow=True,
    )


def test_the_office_marks_and_unmarks_its_own_targets_in_the_admin(client, report, office):
    client.force_login(office)
    chosen = list(report.indicators.filter(code__in=["LV-01", "LV-02"]))
    page = client.get(reverse("admin:indicators_indicator_changelist")).content.decode()
    assert "标记为待统计年报" in page and "取消待统计年报" in page
    assert "awaits_annual_statistics__exact" in page  # the sidebar filter
    response = changelist_action(client, "mark_annual_statistics", chosen)
    assert response.status_code == 200
    assert set(
        report.indicators.filter(awaits_annual_statistics=True).values_list("code", flat=True)
    ) == {
        "LV-01",
        "LV-02",
    }
    assert LogEntry.objects.filter(user=office).count() == 2
    flagged = client.get(
        reverse("admin:indicators_indicator_changelist") + "?awaits_annual_statistics__exact=1"
    )
    assert flagged.context["cl"].result_count == 2
    changelist_action(client, "unmark_annual_statistics", chosen[:1])
    assert list(
        report.indicators.filter(awaits_annual_statistics=True).values_list("code", flat=True)
    ) == ["LV-02"]


def test_the_admin_action_marks_only_the_offices_own_region(client, report, office, neighbour):
    client.force_login(office)
    mine = report.indicators.get(code="LV-01")
    changelist_action(client, "mark_annual_statistics", [mine, neighbour])
    neighbour.refresh_from_db()
    mine.refresh_from_db()
    assert mine.awaits_annual_statistics and not neighbour.awaits_annual_statistics


def test_the_admin_action_leaves_register_targets_and_archived_reports_alone(
    client, report, office
):
    client.force_login(office)
    derived = report.indicators.exclude(register_rule="").first()
    typed = report.indicators.get(code="LV-01")
    response = changelist_action(client, "mark_annual_statistics", [derived, typed])
    assert "1项未改" in response.content.decode()
    derived.refresh_from_db()
    assert not derived.awaits_annual_statistics
    Report.objects.filter(pk=report.pk).update(state=Report.State.ARCHIVED)
    changelist_action(client, "unmark_annual_statistics", [typed])
    typed.refresh_from_db()
    assert typed.awaits_annual_statistics


def test_a_reporter_or_leader_cannot_mark_targets(client, report, leader):
    leader.is_staff = True
    leader.save()
    client.force_login(leader)
    target = report.indicators.get(code="LV-01")
    changelist_action(client, "mark_annual_statistics", [target])
    target.refresh_from_db()
    assert not target.awaits_annual_statistics


# --- The reporter is told ------------------------------------------------------------------------


def entry_of(indicator, month, state):
    return ProgressEntry.objects.create(
        indicator=indicator, month=month, value=Decimal(1), state=state, review_comment="请核实"
    )


def test_the_monthly_form_notes_the_december_row_that_waits_for_the_annual_statistics(
    client, year, rsj
):
    report, employment = year["report"], year["employment"]
    client.force_login(rsj)
    with at(JAN_10):
        december_form = client.get(f"/report/2023/12/?report={report.pk}").content.decode()
        november_form = client.get(f"/report/2023/11/?report={report.pk}").content.decode()
    row = december_form.split(f'id="row-i{employment.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "待统计年报：以统计年报数据为准，收尾阶段仍可报送，不算逾期" in row
    assert "待统计年报：" not in november_form
    # The month link says what December is owed for: the annual statistics, not lateness.
    assert 'class="owed owed-annual">12月 <small>待统计年报</small>' in december_form


def test_the_note_goes_once_the_annual_figure_is_submitted(client, year, rsj):
    report, employment = year["report"], year["employment"]
    with at(FEB_20):
        submit(rsj, employment, 12, value=Decimal(1520))
        client.force_login(rsj)
        form = client.get(f"/report/2023/12/?report={report.pk}").content.decode()
    assert "待统计年报：" not in form and "owed-annual" not in form


@pytest.fixture
def turn(year):
    """发改局 at 10 January 2024 with 2024 in 执行: its 2023 December owed only by EC-06, now
    marked 待统计年报 (its projects' Decembers approved), its 2024 January owed."""
    report, solar = year["report"], year["solar"]
    solar.awaits_annual_statistics = True
    solar.save()
    for project in Project.objects.filter(report=report, lead_department__code="fgj"):
        ProjectProgress.objects.update_or_create(
            project=project,
            month=12,
            defaults={"investment_completed": Decimal(1), "state": "approved"},
        )
    return {**year, "new": make_next_year(report, Report.State.ACTIVE)}


def test_the_landing_labels_a_december_owed_only_by_marked_targets(client, turn, fgj):
    report, new = turn["report"], turn["new"]
    client.force_login(fgj)
    with at(JAN_10):
        response = client.get("/start/")
    assert response.status_code == 200  # both years owe: the list
    page = response.content.decode()
    december = page.split(f"/report/2023/12/?report={report.pk}", 1)[1].split("</li>", 1)[0]
    assert 'class="badge owed-annual">待统计年报<' in december
    assert "不算逾期" in december and "未报送" not in december and "截止" not in december
    january = page.split(f"/report/2024/1/?report={new.pk}", 1)[1].split("</li>", 1)[0]
    assert "待填报" in january


def test_a_returned_marked_december_is_still_labelled_waiting_for_the_annual_statistics(
    client, turn, fgj
):
    report = turn["report"]
    entry_of(turn["solar"], 12, "returned")
    client.force_login(fgj)
    with at(JAN_10):
        page = client.get("/start/").content.decode()
    december = page.split(f"/report/2023/12/?report={report.pk}", 1)[1].split("</li>", 1)[0]
    assert "owed-annual" in december and "已退回" not in december


def test_a_december_owed_by_both_kinds_keeps_the_stronger_label_and_says_so(client, turn, fgj):
    report = turn["report"]
    unmarked = (
        Indicator.objects.filter(report=report, lead_department__code="fgj", register_rule="")
        .exclude(pk=turn["solar"].pk)
        .first()
    )
    assert not unmarked.awaits_annual_statistics
    ProgressEntry.objects.filter(indicator=unmarked, month=12).delete()
    client.force_login(fgj)
    with at(JAN_10):
        page = client.get("/start/").content.decode()
        form = client.get(f"/report/2024/1/?report={turn['new'].pk}").content.decode()
    december = page.split(f"/report/2023/12/?report={report.pk}", 1)[1].split("</li>", 1)[0]
    assert 'class="badge owed-missing">未报送<' in december
    assert "其中部分目标待统计年报，不算逾期" in december
    assert "2023年12月 未报送（部分待统计年报）" in form


# --- The department page counts a marked December once -------------------------------------------


@pytest.mark.parametrize(
    "state, bucket",
    [("returned", "已退回1项"), ("draft", "草稿1项")],
)
def test_a_marked_december_with_an_entry_is_counted_by_its_entry_only(
    client, year, leader, state, bucket
):
    report, employment = year["report"], year["employment"]
    entry_of(employment, 12, state)
    cell = december(report, "rsj", JAN_10)
    assert (cell.state, cell.awaiting, cell.missing, cell.waiting) == (timeliness.ANNUAL, 0, 0, 0)
    rsj = Department.objects.get(region=report.region, code="rsj")
    client.force_login(leader)
    with at(JAN_10):
        page = client.get(f"/departments/{rsj.pk}/{YEAR_END}").content.decode()
    assert bucket in page and "逾期未报0项" in page
    assert "项待统计年报（" not in page  # no 另有…项待统计年报: it is counted once


def test_a_returned_marked_december_is_not_chased_until_the_annual_figure_is_in(year, people):
    report, employment = year["report"], year["employment"]
    entry_of(employment, 12, "returned")
    rsj_id = Department.objects.get(region=report.region, code="rsj").pk
    for today in (datetime.date(2024, 1, 2), JAN_10):
        keys = {m.key for m in reminders.messages_for(report, today)}
        assert not [key for key in keys if key.endswith(f":{rsj_id}")]
