"""A report in 筹备 as its office meets it: the pickers say so, every dashboard page says it is
not published, and none of its months is due, so no department is late in it."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from indicators import lifecycle, timeliness
from indicators.models import Report

from .conftest import make_next_year

NOTICE = "这份工作报告尚在筹备，还没有发布"


@pytest.fixture(autouse=True)
def _in_march():
    # Late in 2024's first quarter: a published 2024 would owe January and February by now.
    moment = datetime.datetime(2024, 3, 15, 9, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment):
        yield


def picker(html):
    return html.split('name="report"')[1].split("</select>")[0]


def test_the_office_sees_the_state_in_the_picker_and_a_notice_on_the_page(client, office, report):
    next_year = make_next_year(report)
    Report.objects.filter(pk=report.pk).update(state=Report.State.CLOSING)
    client.force_login(office)
    html = client.get(f"/?report={next_year.pk}").content.decode()
    assert "柳城县 2024（筹备）" in picker(html) and "柳城县 2023（收尾）" in picker(html)
    assert NOTICE in html
    # The published year carries no notice; a report in 执行 is offered by its label alone.
    html = client.get(f"/?report={report.pk}").content.decode()
    assert NOTICE not in html
    lifecycle.move(office, next_year, "publish")
    html = client.get(f"/?report={next_year.pk}").content.decode()
    assert NOTICE not in html and ">柳城县 2024</option>" in picker(html)


def test_no_month_of_a_report_in_preparation_is_due(office, report):
    next_year = make_next_year(report)
    today = timezone.localdate()
    (row,) = [r for r in timeliness.department_timeliness(next_year, today) if r.months[0].due]
    assert {cell.state for cell in row.months} <= {timeliness.NOT_DUE, timeliness.NOTHING_DUE}
    # Published, the same report owes January and February by 15 March.
    lifecycle.move(office, next_year, "publish")
    next_year.refresh_from_db()
    (row,) = [r for r in timeliness.department_timeliness(next_year, today) if r.months[0].due]
    assert [row.month(m).state for m in (1, 2)] == [timeliness.MISSING, timeliness.MISSING]


def test_a_reports_id_is_never_written_with_a_thousands_comma(client, office, report):
    # Ids in attributes and URLs are numbers to post back, not amounts (PostgreSQL's test ids
    # pass 1,000 quickly; a real server's do too).
    big = Report.objects.create(pk=12345, region=report.region, year=2025, title="2025年测试报告")
    client.force_login(office)
    pages = [
        client.get(f"/admin/indicators/report/{big.pk}/change/").content.decode(),
        client.get("/admin/indicators/report/load/").content.decode(),
    ]
    assert 'name="_selected_action" value="12345"' in pages[0]
    assert "?report=12345" in pages[1]
    assert not any("12,345" in page for page in pages)
