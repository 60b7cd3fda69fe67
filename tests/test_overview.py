"""The overview at /: who may read it, what it shows, and what it costs."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Indicator

from .conftest import add_indicators, approve


def test_anonymous_is_sent_to_login(client, report):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_then_read_the_overview(client, report, leader):
    response = client.post(
        "/accounts/login/", {"username": "t-leader", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    response = client.get("/?year=2023&month=9")
    assert response.status_code == 200
    page = response.content.decode()
    for section in ("项目谋划与建设", "招商引资", "城市建设", "生态建设", "民生事业"):
        assert section in page
    for indicator in Indicator.objects.filter(report=report):
        assert f'data-code="{indicator.code}"' in page


def test_overview_shows_the_approved_value_and_its_status(client, report, leader):
    jobs = Indicator.objects.get(report=report, code="LV-01")
    approve(jobs, 8, 1100)
    approve(jobs, 9, 1263)
    client.force_login(leader)
    page = client.get("/?year=2023&month=9").content.decode()
    row = page.split('data-code="LV-01"')[1].split("</tr>")[0]
    assert "1,263" in row
    assert "84.2%" in row  # 1263 / 1500
    assert "75.0%" in row  # 序时进度 at September
    assert "达到序时进度" in row
    assert "超过序时进度9.2个百分点" in row
    # as of August the September entry does not count yet
    page = client.get("/?year=2023&month=8").content.decode()
    assert "1,100" in page.split('data-code="LV-01"')[1].split("</tr>")[0]


def test_only_approved_entries_count(client, report, leader):
    jobs = Indicator.objects.get(report=report, code="LV-01")
    jobs.entries.create(month=9, value=Decimal(1400), state="submitted")
    client.force_login(leader)
    page = client.get("/?year=2023&month=9").content.decode()
    assert "无数据" in page.split('data-code="LV-01"')[1].split("</tr>")[0]


def test_verdict_line_counts_every_target(client, report, leader):
    client.force_login(leader)
    page = client.get("/?year=2023&month=9").content.decode()
    assert "截至9月底，40项目标中" in page


def test_floors_and_ceilings_that_hold_are_counted_as_on_target_not_on_schedule(
    client, report, leader
):
    approve(Indicator.objects.get(report=report, code="LV-01"), 9, 1263)  # jobs, on schedule
    approve(Indicator.objects.get(report=report, code="LV-02"), 9, Decimal("3.9"))  # ≤ 4.5 %
    approve(Indicator.objects.get(report=report, code="LV-03"), 9, 0)  # zero households
    client.force_login(leader)
    page = client.get("/?year=2023&month=9").content.decode()
    verdict = page.split('<p class="verdict">', 1)[1].split("</p>", 1)[0]
    assert "达到序时进度1项" in verdict
    assert "达到目标2项" in verdict
    cards = page.split('class="headline"', 1)[1].split("</ul>", 1)[0]
    on_schedule = cards.split("status-edge-on_track", 1)[1].split("</li>", 1)[0]
    assert '<span class="number">1</span>' in on_schedule
    assert "另达到目标2项" in on_schedule


def test_unknown_year_is_not_found(client, report, leader):
    client.force_login(leader)
    assert client.get("/?year=1999&month=9").status_code == 404


def test_bad_month_falls_back_to_the_default(client, report, leader):
    client.force_login(leader)
    response = client.get("/?year=2023&month=abc")
    assert response.status_code == 200
    assert response.context["period"].month == 12  # 2023 is over


def count_queries(client, url):
    """Queries of the page computed afresh (the cache empty, as after any change)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_overview_query_count_does_not_grow_with_indicators(client, report, leader):
    client.force_login(leader)
    url = "/?year=2023&month=9"
    client.get(url)  # warm the session
    small = count_queries(client, url)
    add_indicators(report, 400)  # ten times the report's 40 targets
    assert count_queries(client, url) == small


def test_the_report_picker_posts_the_report_without_a_thousands_comma(client, report, leader):
    client.force_login(leader)
    page = client.get("/?year=2023&month=9").content.decode()
    assert f'<option value="{report.pk}" selected>柳城县 2023</option>' in page
