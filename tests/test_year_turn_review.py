"""The year turns on the review page: the office sees the rows waiting in every open report
(December 2023's late figures beside January 2024's), grouped by report, oldest first, with a
month-lock panel per report; a report in 筹备 lists nothing; ``?report=`` narrows; the header's
links keep the chosen report."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from indicators import workflow
from indicators.models import (
    EntryState,
    Indicator,
    MonthLock,
    ProgressEntry,
    Region,
    Report,
)
from projects.models import ProjectProgress

from .conftest import make_next_year, make_project, make_user

ACTIVE, CLOSING, PREPARING, ARCHIVED = (
    Report.State.ACTIVE,
    Report.State.CLOSING,
    Report.State.PREPARING,
    Report.State.ARCHIVED,
)

# The clock and the two reports' states on that day: 2024 is published in January.
TURN = [
    pytest.param(datetime.date(2023, 12, 15), ACTIVE, PREPARING, id="15-dec"),
    pytest.param(datetime.date(2024, 1, 10), CLOSING, ACTIVE, id="10-jan"),
    pytest.param(datetime.date(2024, 2, 20), CLOSING, ACTIVE, id="20-feb"),
    pytest.param(datetime.date(2024, 3, 15), CLOSING, ACTIVE, id="15-mar"),
]


def on(day):
    """The clock at nine in the morning of ``day``."""
    moment = datetime.datetime.combine(day, datetime.time(9))
    return time_machine.travel(timezone.make_aware(moment, timezone.get_current_timezone()))


def waiting(indicator, month, value=10):
    """A submitted row, as the gate leaves it once a department has sent it."""
    return ProgressEntry.objects.create(
        indicator=indicator, month=month, value=Decimal(value), note="n", state="submitted"
    )


@pytest.fixture
def year_2024(report):
    """柳城县's 2024 report (in 筹备 until a test publishes it): one target led by 发改局."""
    return make_next_year(report, PREPARING)


@pytest.fixture
def rows(report, year_2024):
    """December 2023's late row and January 2024's first one, both waiting for review."""
    return {
        "december": waiting(Indicator.objects.get(report=report, code="EC-06"), 12),
        "january": waiting(Indicator.objects.get(report=year_2024), 1),
    }


def set_states(report, year_2024, old, new):
    Report.objects.filter(pk=report.pk).update(state=old)
    Report.objects.filter(pk=year_2024.pk).update(state=new)


def lock_panels(page):
    """{report id: {month: (lock URL, posted report id, locked?)}} of the page's lock panels,
    in the page's order; each panel has its twelve months."""
    panels = {}
    for panel in re.findall(r'<section class="lock-panel".*?</section>', page, re.S):
        cells = re.findall(r'<form method="post" action="([^"]+)" class="lock-cell"'
                           r' data-month="(\d+)">(.*?)</form>', panel, re.S)  # fmt: skip
        panels[int(re.search(r'data-report="(\d+)"', panel).group(1))] = {
            int(month): (url, int(re.search(r'name="report" value="(\d+)"', cell).group(1)),
                         "已锁定" in cell)
            for url, month, cell in cells
        }  # fmt: skip
        assert len(cells) == 12
    return panels


def groups(page):
    """{report id: [entry ids]} in the order the page groups them."""
    listed = {}
    for section in re.findall(r'<section class="review-group".*?</section>', page, re.S):
        report_id = int(re.search(r'data-report="(\d+)"', section).group(1))
        listed[report_id] = [int(pk) for pk in re.findall(r'data-entry="(\d+)"', section)]
    return listed


@pytest.mark.parametrize(("day", "old", "new"), TURN)
def test_the_office_sees_the_waiting_rows_of_every_open_report_by_report(
    client, report, year_2024, rows, reviewer, day, old, new
):
    set_states(report, year_2024, old, new)
    client.force_login(reviewer)
    with on(day):
        page = client.get("/review/").content.decode()
    december, january = rows["december"].pk, rows["january"].pk
    if new == PREPARING:
        assert groups(page) == {report.pk: [december]}
        assert f'value="i{january}:' not in page and "柳城县 2024（筹备） ·" not in page
        assert "柳城县 2023（执行） · 1条待审核" in page
        assert "月份锁定 · 柳城县 2023" in page
    else:
        assert groups(page) == {report.pk: [december], year_2024.pk: [january]}  # oldest first
        assert list(groups(page)) == [report.pk, year_2024.pk]
        assert "柳城县 2023（收尾） · 1条待审核" in page
        assert "柳城县 2024（执行） · 1条待审核" in page
        assert list(lock_panels(page)) == [report.pk, year_2024.pk]  # one per report shown


@pytest.mark.parametrize(("day", "old", "new"), TURN)
def test_a_picked_report_narrows_the_queue_to_its_rows(
    client, report, year_2024, rows, reviewer, day, old, new
):
    set_states(report, year_2024, old, new)
    client.force_login(reviewer)
    with on(day):
        old_page = client.get(f"/review/?report={report.pk}").content.decode()
        new_page = client.get(f"/review/?report={year_2024.pk}").content.decode()
    assert groups(old_page) == {report.pk: [rows["december"].pk]}
    assert "月份锁定 · 柳城县 2023" in old_page
    # The office sets 2024 up, so it may pick it while in 筹备: its month locks, its row.
    assert groups(new_page) == {year_2024.pk: [rows["january"].pk]}
    assert "月份锁定 · 柳城县 2024" in new_page
    assert f'<option value="{year_2024.pk}" selected>' in new_page


def test_the_picker_offers_the_reports_the_office_reviews_with_their_state(
    client, report, year_2024, reviewer
):
    client.force_login(reviewer)
    with on(datetime.date(2023, 12, 15)):
        page = client.get("/review/").content.decode()
    picker = page.split('name="report"')[1].split("</select>")[0]
    assert "柳城县 2024（筹备）" in picker and "柳城县 2023（执行）" in picker
    assert '<option value="" selected>全部进行中的工作报告</option>' in picker


def test_an_archived_report_lists_nothing_unless_picked(client, report, year_2024, rows, reviewer):
    set_states(report, year_2024, ARCHIVED, ACTIVE)
    client.force_login(reviewer)
    with on(datetime.date(2024, 3, 15)):
        assert groups(client.get("/review/").content.decode()) == {
            year_2024.pk: [rows["january"].pk]
        }
        picked = client.get(f"/review/?report={report.pk}").content.decode()
    assert groups(picked) == {report.pk: [rows["december"].pk]}


def test_nothing_open_says_so_and_keeps_the_lock_table(client, report, reviewer):
    Report.objects.filter(pk=report.pk).update(state=ARCHIVED)
    client.force_login(reviewer)
    page = client.get("/review/").content.decode()
    assert groups(page) == {}
    assert "没有待审核的记录。" in page and "月份锁定 · 柳城县 2023（归档）" in page
    assert list(lock_panels(page)) == [report.pk]


def test_a_locked_december_is_marked_in_its_own_report_only(
    client, report, year_2024, rows, reviewer
):
    """Locks are a report's: 2023's December and January locked leave January 2024 open."""
    set_states(report, year_2024, CLOSING, ACTIVE)
    MonthLock.objects.create(report=report, month=12, locked_by=reviewer)
    MonthLock.objects.create(report=report, month=1, locked_by=reviewer)
    client.force_login(reviewer)
    with on(datetime.date(2024, 1, 10)):
        page = client.get("/review/").content.decode()
    december = page.split(f'data-entry="{rows["december"].pk}"')[1].split("</tr>")[0]
    january = page.split(f'data-entry="{rows["january"].pk}"')[1].split("</tr>")[0]
    assert 'type="checkbox"' not in december
    assert 'type="checkbox"' in january


def test_the_all_open_queue_has_a_lock_panel_per_report(client, report, year_2024, reviewer):
    """December 2023 is locked in January, beside 2024's months: both panels, each titled with
    its report and state, each posting its own report to its own year's URL."""
    set_states(report, year_2024, CLOSING, ACTIVE)
    MonthLock.objects.create(report=report, month=11, locked_by=reviewer)
    client.force_login(reviewer)
    with on(datetime.date(2024, 1, 10)):
        page = client.get("/review/").content.decode()
    assert "月份锁定 · 柳城县 2023（收尾）" in page and "月份锁定 · 柳城县 2024（执行）" in page
    panels = lock_panels(page)
    assert list(panels) == [report.pk, year_2024.pk]
    assert panels[report.pk][12] == ("/locks/2023/12/", report.pk, False)
    assert panels[report.pk][11] == ("/locks/2023/11/", report.pk, True)
    assert panels[year_2024.pk][11] == ("/locks/2024/11/", year_2024.pk, False)
    assert page.count("锁定后，该月数据不能再修改") == 1  # the hint once, not per panel


def test_locking_december_from_the_all_open_queue_locks_that_report_only(
    client, report, year_2024, rows, reviewer
):
    set_states(report, year_2024, CLOSING, ACTIVE)
    client.force_login(reviewer)
    with on(datetime.date(2024, 1, 10)):
        page = client.get("/review/").content.decode()
        url, posted, _locked = lock_panels(page)[report.pk][12]
        response = client.post(url, {"report": posted, "action": "lock", "next": "/review/"})
        assert response.status_code == 302 and response.url == "/review/"  # back where it was
        page = client.get(response.url).content.decode()
    assert list(MonthLock.objects.values_list("report_id", "month")) == [(report.pk, 12)]
    assert "12月已锁定" in page and "12月还有1条待审核的记录" in page
    panels = lock_panels(page)
    assert panels[report.pk][12][2] and not any(lock for *_, lock in panels[year_2024.pk].values())
    assert "锁定记录" in page.split('<section class="lock-panel"')[1]  # 2023's history
    assert "锁定记录" not in page.split('<section class="lock-panel"')[2]
    december = page.split(f'data-entry="{rows["december"].pk}"')[1].split("</tr>")[0]
    assert 'type="checkbox"' not in december


def test_each_report_titles_its_own_waiting_projects(client, report, year_2024, rows, reviewer):
    """A report's projects table shows only when its project rows wait, under a heading that
    names the report; a report with none repeats no empty heading."""
    set_states(report, year_2024, CLOSING, ACTIVE)
    ProjectProgress.objects.create(
        project=make_project(report), month=12, investment_completed=Decimal(300),
        state=EntryState.SUBMITTED,
    )  # fmt: skip
    client.force_login(reviewer)
    with on(datetime.date(2024, 1, 10)):
        page = client.get("/review/").content.decode()
    old, new = re.findall(r'<section class="review-group".*?</section>', page, re.S)
    assert "柳城县 2023（收尾） · 2条待审核" in old and "项目月度进展 · 柳城县 2023" in old
    assert 'data-project="T-001"' in old
    assert "柳城县 2024（执行） · 1条待审核" in new and "项目月度进展" not in new


def test_approving_both_years_at_once_returns_to_the_grouped_queue(
    client, report, year_2024, rows, reviewer
):
    set_states(report, year_2024, CLOSING, ACTIVE)
    client.force_login(reviewer)
    tokens = [f"i{row.pk}:{row.version}" for row in rows.values()]
    with on(datetime.date(2024, 2, 20)):
        response = client.post("/review/approve/", {"rows": tokens, "next": "/review/"})
        assert response.status_code == 302 and response.url == "/review/"
        page = client.get(response.url).content.decode()
    assert "已审核通过2条" in page
    assert set(ProgressEntry.objects.values_list("state", flat=True)) == {"approved"}
    assert groups(page) == {report.pk: [], year_2024.pk: []}


def test_returning_one_row_keeps_the_picked_report(client, report, year_2024, rows, reviewer):
    set_states(report, year_2024, CLOSING, ACTIVE)
    client.force_login(reviewer)
    row = rows["december"]
    back = f"/review/?report={report.pk}"
    with on(datetime.date(2024, 1, 10)):
        response = client.post(
            "/review/return/",
            {"rows": [f"i{row.pk}:{row.version}"], "comment": "请核实", "next": back},
        )
    assert response.url == back
    row.refresh_from_db()
    assert row.state == "returned"


@pytest.mark.parametrize("role", ["leader", "reporter"])
def test_leaders_and_reporters_are_refused(client, report, year_2024, rows, leader, fgj, role):
    client.force_login(leader if role == "leader" else fgj)
    with on(datetime.date(2024, 1, 10)):
        for url in ("/review/", f"/review/?report={report.pk}", f"/review/?report={year_2024.pk}"):
            assert client.get(url).status_code == 403


def test_another_regions_office_never_sees_these_rows(client, report, year_2024, rows):
    set_states(report, year_2024, CLOSING, ACTIVE)
    luzhai = Region.objects.create(name="鹿寨县", code="450223")
    Report.objects.create(region=luzhai, year=2023, title="2023年鹿寨县政府工作报告", state=ACTIVE)
    office = make_user("lz-office", "reviewer", region=luzhai)
    client.force_login(office)
    with on(datetime.date(2024, 1, 10)):
        page = client.get("/review/").content.decode()
        assert groups(page) != {} and all(ids == [] for ids in groups(page).values())
        assert "柳城县" not in page
        for picked in (report, year_2024):
            assert client.get(f"/review/?report={picked.pk}").status_code == 404


def test_the_queue_for_two_open_reports_asks_as_many_queries_as_for_one(
    client, report, year_2024, reviewer
):
    """One report with one row and one lock, then two reports with twelve rows and locks and
    lock history in both: the same number of queries (the panels' locks and history included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    waiting(Indicator.objects.get(report=report, code="EC-06"), 12)
    workflow.lock_month(reviewer, report, 11)
    client.force_login(reviewer)
    with on(datetime.date(2024, 1, 10)):
        client.get("/review/")
        with CaptureQueriesContext(connection) as one:
            page = client.get("/review/").content.decode()
        assert list(lock_panels(page)) == [report.pk]
        Report.objects.filter(pk=year_2024.pk).update(state=ACTIVE)
        waiting(Indicator.objects.get(report=year_2024), 1)
        for indicator in Indicator.objects.filter(report=report).exclude(code="EC-06")[:10]:
            waiting(indicator, 12)
        for month in (1, 2):
            workflow.lock_month(reviewer, year_2024, month)
        workflow.unlock_month(reviewer, year_2024, 2)
        workflow.lock_month(reviewer, report, 10)
        with CaptureQueriesContext(connection) as two:
            page = client.get("/review/").content.decode()
    assert sum(len(ids) for ids in groups(page).values()) == 12
    panels = lock_panels(page)
    assert [m for m, (*_, locked) in panels[report.pk].items() if locked] == [10, 11]
    assert [m for m, (*_, locked) in panels[year_2024.pk].items() if locked] == [1]
    assert page.count("锁定记录") == 2
    assert len(two) == len(one)


def test_each_panel_lists_its_own_last_twelve_lock_changes(client, report, year_2024, reviewer):
    """A busy report's history does not crowd the other's out of the one query."""
    set_states(report, year_2024, CLOSING, ACTIVE)
    workflow.lock_month(reviewer, year_2024, 1)
    for _round in range(4):
        for month in (10, 11, 12):
            workflow.lock_month(reviewer, report, month)
            workflow.unlock_month(reviewer, report, month)
    client.force_login(reviewer)
    with on(datetime.date(2024, 1, 10)):
        page = client.get("/review/").content.decode()
    old, new = (
        panel.split("</section>")[0] for panel in page.split('<section class="lock-panel"')[1:]
    )
    assert old.count("<li>") == 12 and new.count("<li>") == 1


# --- The header keeps the chosen report ---------------------------------------------------------


def header(page):
    return page.split("<nav>")[1].split("</nav>")[0]


def test_the_header_links_keep_the_chosen_report(client, report, year_2024, reviewer, leader):
    set_states(report, year_2024, CLOSING, ACTIVE)
    client.force_login(leader)
    with on(datetime.date(2024, 1, 10)):
        nav = header(client.get(f"/?report={report.pk}").content.decode())
        for path in ("/", "/departments/", "/projects/", "/projects/investment/", "/screen/"):
            assert f'href="{path}?report={report.pk}"' in nav, path
        assert f'href="/bulletins/?report={report.pk}"' in nav
        assert f'href="/slips/?report={report.pk}"' in nav
        client.force_login(reviewer)
        nav = header(client.get(f"/review/?report={year_2024.pk}").content.decode())
    assert f'href="/review/?report={year_2024.pk}"' in nav
    assert f'href="/?report={year_2024.pk}"' in nav


def test_the_header_drops_what_is_not_a_report_id(client, report, leader):
    client.force_login(leader)
    nav = header(client.get("/").content.decode())
    assert 'href="/departments/"' in nav and "?report=" not in nav
    nav = header(client.get("/departments/?report=x1").content.decode())
    assert "?report=" not in nav


@pytest.mark.parametrize(
    ("day", "state", "said"),
    [
        (datetime.date(2023, 11, 20), ACTIVE, False),  # the year is not at its end
        (datetime.date(2023, 12, 15), ACTIVE, True),
        (datetime.date(2024, 1, 10), ACTIVE, True),  # still 执行 in January: time to close
        (datetime.date(2024, 1, 10), CLOSING, False),  # done
    ],
)
def test_the_office_is_told_when_a_year_may_move_to_closing(
    client, report, reviewer, day, state, said
):
    waiting(Indicator.objects.get(report=report, code="EC-06"), 11)
    Report.objects.filter(pk=report.pk).update(state=state)
    client.force_login(reviewer)
    with on(day):
        page = client.get("/review/").content.decode()
    hint = "可在管理后台把它“转入收尾”"
    assert (hint in page) is said
    if said:
        assert f'href="/admin/indicators/report/{report.pk}/change/"' in page
