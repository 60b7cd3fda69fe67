"""The year turns on the review page: the office sees the rows waiting in every open report
(December 2023's late figures beside January 2024's), grouped by report, oldest first; a report
in 筹备 lists nothing; ``?report=`` narrows; the header's links keep the chosen report."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from indicators.models import (
    Indicator,
    MonthLock,
    ProgressEntry,
    Region,
    Report,
)

from .conftest import make_next_year, make_user

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
        # The filters and month locks are the newest published report's.
        assert "月份锁定 · 柳城县 2024" in page


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
    assert "没有待审核的记录。" in page and "月份锁定 · 柳城县 2023" in page


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
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    waiting(Indicator.objects.get(report=report, code="EC-06"), 12)
    client.force_login(reviewer)
    with on(datetime.date(2024, 1, 10)):
        client.get("/review/")
        with CaptureQueriesContext(connection) as one:
            client.get("/review/")
        Report.objects.filter(pk=year_2024.pk).update(state=ACTIVE)
        waiting(Indicator.objects.get(report=year_2024), 1)
        for indicator in Indicator.objects.filter(report=report).exclude(code="EC-06")[:10]:
            waiting(indicator, 12)
        with CaptureQueriesContext(connection) as two:
            page = client.get("/review/").content.decode()
    assert sum(len(ids) for ids in groups(page).values()) == 12
    assert len(two) == len(one)


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
