"""/departments/ ranks departments over the year (targets holding, reporting on time, the trend),
and a figure unchanged for three months is flagged where targets are listed."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from indicators.models import Department, Indicator
from indicators.timeliness import department_timeliness
from reporting.league import league_table
from reporting.standing import judged, mark_staleness

from .conftest import approve


@pytest.fixture
def two_departments(report):
    """发改局 holds EC-05 on track and reports on time; 住建局 lets UC-02 fall far behind."""
    ec05 = Indicator.objects.get(report=report, code="EC-05")  # 发改局, milestone
    uc02 = Indicator.objects.get(report=report, code="UC-02")  # 住建局, milestone
    for month in range(1, 10):
        approve(ec05, month, month * 10)
        approve(uc02, month, 5 if month < 9 else 50)
    return ec05, uc02


def test_the_league_ranks_by_share_holding_then_on_time(report, two_departments):
    with time_machine.travel(datetime.datetime(2023, 10, 20, 12), tick=False):
        indicators = judged(report, 9)
        rows = league_table(indicators, judged(report, 8), department_timeliness(report), 9)
    by_code = {row.department.code: row for row in rows}
    fgj, zjj = by_code["fgj"], by_code["zjj"]
    assert rows.index(fgj) < rows.index(zjj)
    # UC-02 went from 5 % to 50 %: still far behind in September, so no change in share.
    assert zjj.far_behind >= 1
    assert fgj.summary.holding >= 1


def test_the_trend_is_the_change_in_share_since_last_month(report, two_departments):
    assert two_departments
    approve(Indicator.objects.get(report=report, code="UC-03"), 8, 10)  # 住建局: behind in Aug
    approve(Indicator.objects.get(report=report, code="UC-03"), 9, 100)  # done in September
    rows = {
        r.department.code: r
        for r in league_table(
            judged(report, 9), judged(report, 8), department_timeliness(report), 9
        )
    }
    zjj = rows["zjj"]
    assert zjj.previous.share_on_track == 0
    assert zjj.trend_points == zjj.summary.share_on_track * 100 > 0


def test_a_figure_unchanged_for_three_months_is_flagged(report):
    uc02 = Indicator.objects.get(report=report, code="UC-02")
    uc03 = Indicator.objects.get(report=report, code="UC-03")
    for month, value in ((6, 40), (7, 40), (8, 40)):
        approve(uc02, month, value)
    for month, value in ((6, 40), (7, 40), (8, 45)):
        approve(uc03, month, value)
    marked = {i.code: i for i in mark_staleness(judged(report, 8), 8)}
    assert marked["UC-02"].is_stale and marked["UC-02"].last_updated == 8
    assert not marked["UC-03"].is_stale
    # Two months unchanged is not yet three.
    assert not {i.code: i for i in mark_staleness(judged(report, 7), 7)}["UC-02"].is_stale


def test_the_departments_page_shows_the_league_and_the_flags(client, report, leader):
    uc02 = Indicator.objects.get(report=report, code="UC-02")
    for month in (7, 8, 9):
        approve(uc02, month, 30)
    client.force_login(leader)
    page = client.get(reverse("reporting:departments") + "?year=2023&month=9").content.decode()
    assert 'class="data league"' in page and "按时报送率" in page
    zjj = Department.objects.get(code="zjj")
    league_row = page.split(f'data-league="{zjj.pk}"')[1].split("</tr>")[0]
    assert '<span class="stale">1</span>' in league_row
    department = client.get(
        reverse("reporting:department", args=[zjj.pk]) + "?year=2023&month=9"
    ).content.decode()
    row = department.split('data-code="UC-02"')[1].split("</tr>")[0]
    assert "数据未更新" in row and "最近更新于9月" in row
