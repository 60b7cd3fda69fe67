"""The reviewer's flags (issue 18, item 3): the review queue shows each waiting figure's
plausibility flags, its reporter's 说明 and the last 12 approved figures beside it (into last
year's report), sorts and filters by flags, says how many approved rows were flagged; the target's
and the project's history keep the flags and 说明 of each version; the monthly form shows them
read-only. Flags are set on rows directly here: computing them is the gate's (another change)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators import checks
from indicators.checks import Flag
from indicators.models import (
    Department,
    EntryState,
    Indicator,
    ProgressEntry,
    Region,
    Report,
    Section,
)
from projects.models import ProjectProgress
from reporting import demo as demo_cycle

from .conftest import approve, make_next_year, make_project, make_user, submit

STEP = Flag(checks.STEP, params={"k": 10}).as_data()
BEYOND = Flag(checks.BEYOND_TARGET, params={"factor": 2}).as_data()
WHY = "本月新增3个光伏项目集中并网，增幅较大属实。"


def flag(model, pk, flags, explanation=""):
    """Put ``flags`` and ``explanation`` on a row as the gate would have stored them."""
    model.objects.filter(pk=pk).update(flags=flags, explanation=explanation)


def waiting(report, code, month=9, value=85):
    """A submitted target entry of ``report``."""
    indicator = Indicator.objects.get(report=report, code=code)
    return ProgressEntry.objects.create(
        indicator=indicator, month=month, value=Decimal(value), note="n", state="submitted"
    )


def row_of(page, marker):
    return page.split(marker, 1)[1].split("</tr>", 1)[0]


def cell(row, css_class):
    """The inside of the row's cell of ``css_class``."""
    return row.split(f'class="{css_class}"', 1)[1].split(">", 1)[1].split("</td>", 1)[0]


def words(html):
    """The text of an HTML fragment, tags removed and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def codes_in_order(page):
    return re.findall(r'data-entry="\d+" data-code="([^"]+)"', page)


def queue(client, user, query="year=2023"):
    client.force_login(user)
    response = client.get(f"/review/?{query}")
    assert response.status_code == 200
    return response.content.decode()


# --- Flags and 说明 in the queue ---


def test_the_queue_shows_a_rows_flags_and_its_explanation(client, report, reviewer, fgj):
    entry = submit(fgj, Indicator.objects.get(report=report, code="EC-05"), 9, value=Decimal(85))
    plain = waiting(report, "EC-06")
    flag(ProgressEntry, entry.pk, [STEP, BEYOND], WHY)
    project = make_project(report)
    progress = ProjectProgress.objects.create(
        project=project, month=9, investment_completed=Decimal(900), state="submitted"
    )
    flag(ProjectProgress, progress.pk, [STEP], "年底集中结算。")

    page = queue(client, reviewer)
    row = row_of(page, f'data-entry="{entry.pk}"')
    assert 'class="flagged" data-flags="2"' in row
    flags = words(cell(row, "flag-cell"))
    # A badge per rule, in words (never colour alone), its message on hover, and the 说明.
    assert "增幅异常" in flags and "远超年度目标" in flags
    assert 'title="增幅异常"' in row
    assert f"说明： {WHY}" in flags
    other = row_of(page, f'data-entry="{plain.pk}"')
    assert 'class="flagged"' not in other and words(cell(other, "flag-cell")) == "—"
    project_row = row_of(page, f'data-progress="{progress.pk}"')
    assert 'class="flagged" data-flags="1"' in project_row
    assert "增幅异常" in project_row and "说明： 年底集中结算。" in words(project_row)


def last_year(report, region=None, state=Report.State.ARCHIVED):
    """``report``'s region's (or ``region``'s) report of the year before, with EC-05 and the
    project T-001 as this year's: a target and a project carried into this year keep their code."""
    region = region or report.region
    old = Report.objects.create(
        region=region, year=report.year - 1, title="去年的报告", state=state
    )
    section = Section.objects.create(report=old, name="经济发展", order=1)
    department = Department.objects.get(region=report.region, code="fgj")
    indicator = Indicator.objects.create(
        report=old, section=section, code="EC-05", name="光伏", kind="cumulative",
        target=Decimal(100), unit="个", lead_department=department,
    )  # fmt: skip
    return old, indicator


def recent_cell(page, marker):
    """The queue's recent figures of a row: [(year label, ["1月 10", ...])]."""
    html = cell(row_of(page, marker), "recent")
    runs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html)
    return [(year, [words(item) for item in re.findall(r"<span[^>]*>(.*?)</span>", dd)])
            for year, dd in runs]  # fmt: skip


def test_the_last_twelve_approved_values_run_into_last_years_report(client, report, reviewer):
    _, old_target = last_year(report)
    for month in range(1, 13):
        approve(old_target, month, month * 5)
    solar = Indicator.objects.get(report=report, code="EC-05")
    for month in (1, 2, 3):
        approve(solar, month, month * 10)
    ProgressEntry.objects.create(indicator=solar, month=4, value=45, state="returned")
    approve(solar, 7, 99)  # after the waiting month: not a figure before it
    entry = waiting(report, "EC-05", month=5, value=55)
    # Another county's report of last year with the same code is not this target's past.
    stranger = Region.objects.create(name="鹿寨县", code="450223")
    _, other = last_year(report, region=stranger)
    approve(other, 12, 777)

    page = queue(client, reviewer)
    assert recent_cell(page, f'data-entry="{entry.pk}"') == [
        ("2022年", [f"{m}月 {m * 5}" for m in range(4, 13)]),
        ("2023年", ["1月 10", "2月 20", "3月 30"]),
    ]
    assert "777" not in row_of(page, f'data-entry="{entry.pk}"')
    assert '<span class="recent-value latest">3月 30</span>' in page


def test_january_shows_last_years_twelve_and_a_row_with_no_past_a_dash(client, report, reviewer):
    _, old_target = last_year(report)
    for month in range(1, 13):
        approve(old_target, month, 1000 + month)
    january = waiting(report, "EC-05", month=1, value=3)
    alone = waiting(report, "EC-06", month=1, value=3)
    page = queue(client, reviewer)
    runs = recent_cell(page, f'data-entry="{january.pk}"')
    assert runs == [("2022年", [f"{m}月 1,{m:03d}" for m in range(1, 13)])]
    assert words(cell(row_of(page, f'data-entry="{alone.pk}"'), "recent")) == "—"


def test_a_projects_recent_figures_come_from_its_carried_namesake(client, report, reviewer):
    old, _ = last_year(report)
    carried = make_project(old, code="T-001")
    for month in range(1, 13):
        ProjectProgress.objects.create(
            project=carried, month=month, investment_completed=100 * month, state="approved"
        )
    project = make_project(report, code="T-001")
    ProjectProgress.objects.create(
        project=project, month=1, investment_completed=50, state="approved"
    )
    row = ProjectProgress.objects.create(
        project=project, month=2, investment_completed=80, state="submitted"
    )
    page = queue(client, reviewer)
    assert recent_cell(page, f'data-progress="{row.pk}"') == [
        ("2022年", [f"{m}月 {100 * m:,}" for m in range(2, 13)]),
        ("2023年", ["1月 50"]),
    ]


# --- Sorting and filtering by flags ---


def test_flagged_rows_sort_first_and_filter_alone(client, report, reviewer):
    rows = {code: waiting(report, code) for code in ("EC-05", "EC-06", "UC-01", "LV-01")}
    flag(ProgressEntry, rows["LV-01"].pk, [STEP, BEYOND], WHY)
    flag(ProgressEntry, rows["UC-01"].pk, [STEP], "说明")
    plain = codes_in_order(queue(client, reviewer))
    assert set(plain) == set(rows) and plain[:2] != ["LV-01", "UC-01"]

    flagged_first = codes_in_order(queue(client, reviewer, "year=2023&order=flags"))
    assert flagged_first[:2] == ["LV-01", "UC-01"]  # the most flagged first
    assert flagged_first[2:] == [code for code in plain if code not in ("LV-01", "UC-01")]

    only = queue(client, reviewer, "year=2023&flagged=on")
    assert codes_in_order(only) == [c for c in plain if c in ("LV-01", "UC-01")]
    assert 'name="flagged" id="id_flagged" checked' in only


def test_sorting_by_flags_keeps_each_open_reports_rows_under_its_heading(client, report, reviewer):
    new = make_next_year(report, state=Report.State.ACTIVE)
    old_rows = [waiting(report, code) for code in ("EC-05", "EC-06")]
    new_row = ProgressEntry.objects.create(
        indicator=Indicator.objects.get(report=new, code="N-01"), month=1, value=5,
        state="submitted", flags=[STEP],
    )  # fmt: skip
    flag(ProgressEntry, old_rows[1].pk, [STEP])
    page = queue(client, reviewer, "order=flags")
    groups = page.split('<section class="review-group"')[1:]
    assert [g.split('data-report="', 1)[1].split('"', 1)[0] for g in groups] == [
        str(report.pk),
        str(new.pk),
    ]
    assert codes_in_order(groups[0]) == ["EC-06", "EC-05"]
    assert f'data-entry="{new_row.pk}"' in groups[1]


# --- Approving flagged rows ---


def test_approving_flagged_rows_says_how_many_were_flagged(client, report, reviewer):
    rows = [waiting(report, code) for code in ("EC-05", "EC-06", "UC-01")]
    flag(ProgressEntry, rows[0].pk, [STEP], WHY)
    page = queue(client, reviewer)
    # The page's approve forms ask first in the browser, knowing each row's flags.
    assert 'data-confirm-flagged="所选%(n)s条中有%(flagged)s条带有校验提示，确定通过吗？"' in page
    assert f'value="i{rows[0].pk}:1" data-flags="1"' in page
    assert f'value="i{rows[1].pk}:1" data-flags="0"' in page
    response = client.post(
        "/review/approve/", {"rows": [f"i{r.pk}:{r.version}" for r in rows]}, follow=True
    )
    assert "已审核通过3条。其中1条带有校验提示。" in response.content.decode()
    assert set(ProgressEntry.objects.values_list("state", flat=True)) == {"approved"}
    stored = ProgressEntry.objects.get(pk=rows[0].pk)
    assert (stored.flags, stored.explanation) == ([STEP], WHY)  # approval keeps what was flagged


def test_approving_unflagged_rows_says_nothing_of_flags(client, report, reviewer):
    entry = waiting(report, "EC-05")
    client.force_login(reviewer)
    response = client.post("/review/approve/", {"rows": [f"i{entry.pk}:1"]}, follow=True)
    text = response.content.decode()
    assert "已审核通过1条。" in text and "校验提示。" not in text


# --- Who sees the queue ---


def test_a_reporter_cannot_open_the_queue(client, report, fgj):
    entry = waiting(report, "EC-05")
    flag(ProgressEntry, entry.pk, [STEP], WHY)
    client.force_login(fgj)
    response = client.get("/review/?year=2023&order=flags")
    assert response.status_code == 403
    assert WHY not in response.content.decode()


def test_another_countys_office_sees_none_of_this_countys_rows(client, report, reviewer):
    entry = waiting(report, "EC-05")
    flag(ProgressEntry, entry.pk, [STEP], WHY)
    region = Region.objects.create(name="鹿寨县", code="450223")
    theirs = Report.objects.create(
        region=region, year=2023, title="2023年鹿寨县政府工作报告", state=Report.State.ACTIVE
    )
    office = make_user("lz-office", "reviewer", region=region)
    for query in ("", "order=flags", "flagged=on"):
        page = queue(client, office, query)
        assert WHY not in page and "EC-05" not in page and f'data-entry="{entry.pk}"' not in page
    assert f'data-report="{theirs.pk}"' in queue(client, office)
    assert client.get(f"/review/?report={report.pk}").status_code == 404
    assert WHY in queue(client, reviewer)  # the markers are real


# --- A fixed number of queries ---


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_queue_runs_the_same_queries_at_ten_times_the_size(client, report, reviewer):
    """The demo's waiting December rows, flagged, with last year's report beside them: the
    same number of queries for the queue, sorted or not, at 1x and 10x."""
    demo_cycle.load_demo()
    _, old_target = last_year(report)
    approve(old_target, 12, 40)
    ProgressEntry.objects.filter(state=EntryState.SUBMITTED).update(flags=[STEP], explanation=WHY)
    client.force_login(reviewer)
    urls = ("/review/", "/review/?order=flags", "/review/?flagged=on")
    for url in urls:
        client.get(url)  # warm the session
    small = [count(client, url) for url in urls]
    demo_cycle.grow(report, 10)
    ProgressEntry.objects.filter(state=EntryState.SUBMITTED).update(flags=[STEP], explanation=WHY)
    large = [count(client, url) for url in urls]
    assert [n for n, _ in large] == [n for n, _ in small]
    rows = [page.count("data-entry=") for _, page in small]
    assert rows[0] > 0 and [page.count("data-entry=") for _, page in large] == [
        10 * n for n in rows
    ]
    assert small[0][1].count(WHY) == rows[0]


# --- History and the monthly form ---


def history_of(client, user, url):
    client.force_login(user)
    page = client.get(url).content.decode()
    return page.split('id="history"', 1)[1]


def test_the_targets_history_keeps_each_versions_flags_and_explanation(
    client, report, reviewer, leader
):
    solar = Indicator.objects.get(report=report, code="EC-05")
    entry = ProgressEntry.objects.create(
        indicator=solar, month=9, value=85, state="submitted", flags=[STEP], explanation=WHY
    )
    entry.state = EntryState.APPROVED
    entry.save()  # the approved version carries the flag and 说明 unchanged
    entry.flags, entry.explanation = [], ""
    entry.save()  # a later version without them says they went
    history = history_of(client, leader, reverse("reporting:indicator", args=[solar.pk]))
    rows = [words(row) for row in history.split("<tr>")[2:]]  # newest first
    assert "校验提示 增幅异常 → —" in rows[0] and f"说明 {WHY} → —" in rows[0]
    assert "状态 已报送 → 已审核" in rows[1]
    assert f"校验提示 增幅异常 说明 {WHY}" in rows[1]  # carried beside the approval
    assert "校验提示 增幅异常" in rows[2] and f"说明 {WHY}" in rows[2]  # created with them


def test_the_projects_history_keeps_its_flags_and_explanation(client, report, reviewer):
    project = make_project(report)
    progress = ProjectProgress.objects.create(
        project=project, month=9, investment_completed=900, state="submitted",
        flags=[BEYOND], explanation="年底集中结算。",
    )  # fmt: skip
    progress.state = EntryState.APPROVED
    progress.save()
    history = history_of(client, reviewer, reverse("projects:detail", args=[project.pk]))
    assert words(history).count("校验提示 远超年度目标") == 2
    assert words(history).count("说明 年底集中结算。") == 2


@pytest.mark.parametrize("state", ["approved", "returned", "submitted"])
def test_the_monthly_form_shows_a_closed_or_returned_rows_flags(client, report, fgj, state):
    solar = Indicator.objects.get(report=report, code="EC-05")
    entry = approve(solar, 9, 85, flags=[STEP], explanation=WHY)
    ProgressEntry.objects.filter(pk=entry.pk).update(state=state)
    client.force_login(fgj)
    page = client.get("/report/2023/9/").content.decode()
    row = words(row_of(page, f'id="row-i{solar.pk}"'))
    assert "增幅异常" in row and f"说明： {WHY}" in row
