"""In real Chromium, on 10 January 2024, with the clock running: the office starts 2024 from 2023
in the admin, edits one target and publishes it; 发改局's reporter sends December 2023 and
January 2024 from one landing page; the leader switches between the two years."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from indicators.models import Department, EntryState, Indicator, ProgressEntry, Report

from .conftest import approve, make_user, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def january():
    moment = datetime.datetime(2024, 1, 10, 9, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment, tick=True):
        yield


def fgj_targets(report):
    return [
        indicator
        for indicator in Indicator.objects.filter(
            report=report, lead_department__code="fgj", register_rule=""
        )
    ]


def choose_action(page, row_text, action_label):
    """Tick the change list's row naming ``row_text`` and run the action ``action_label``."""
    page.locator("#result_list tr", has_text=row_text).locator("input.action-select").check()
    page.select_option("select[name=action]", label=action_label)
    page.click("button[name=index]")
    page.wait_for_load_state("networkidle")


def fill_and_submit(page, indicators, value):
    for indicator in indicators:
        field = page.locator(f"#id_i{indicator.pk}-value")
        if field.count():
            field.fill(str(value))
    page.click("button[value=submit]")
    page.wait_for_load_state("networkidle")
    return page.inner_text(".messages")


def test_the_office_publishes_2024_and_the_reporter_sends_both_years(visit, report, january):
    office = make_user("office", "reviewer")
    office.is_staff = True
    office.save()
    make_user("fgj", "reporter", Department.objects.get(code="fgj"))
    make_user("leader", "leader")
    old_targets = fgj_targets(report)
    # 2023 is reported up to November: December is still owed in January.
    for indicator in old_targets:
        for month in range(1, 12):
            if indicator.is_due(month):
                approve(indicator, month, month)
    page = visit.page

    # The office: 2023 → 以上一年度为基础新建 → 2024 in 筹备; one target edited; published.
    visit.login("office")
    visit.goto("/admin/indicators/report/")
    choose_action(page, "2023年柳城县政府工作报告", "以上一年度为基础新建")
    assert "2024年柳城县政府工作报告" in page.inner_text(".messagelist")
    new = Report.objects.get(region=report.region, year=2024)
    assert new.state == Report.State.PREPARING
    edited = Indicator.objects.get(report=new, code="LV-01")
    visit.goto(f"/admin/indicators/indicator/{edited.pk}/change/")
    page.fill("#id_target", "1600")
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    assert Indicator.objects.get(pk=edited.pk).target == Decimal(1600)
    visit.goto("/admin/indicators/report/")
    choose_action(page, "2024年柳城县政府工作报告", "发布")
    assert "已发布1份工作报告" in page.inner_text(".messagelist")
    assert Report.objects.get(pk=new.pk).state == Report.State.ACTIVE
    screenshot(page, "year-turn-published")
    page.context.clear_cookies()

    # The reporter lands on a list of both years and sends each from it.
    visit.login("fgj")
    assert "待报送月份" in page.inner_text("h1")
    listed = page.inner_text("main") if page.locator("main").count() else page.content()
    assert "2023年12月" in listed and "2024年1月" in listed
    screenshot(page, "year-turn-landing")
    page.click("text=2023年12月")
    page.wait_for_load_state("networkidle")
    # December goes on at the months' pace (a jump would be flagged and need a 说明).
    assert "已报送" in fill_and_submit(page, old_targets, 12)
    visit.goto("/")
    page.click("text=2024年1月")
    page.wait_for_load_state("networkidle")
    assert "已报送" in fill_and_submit(page, fgj_targets(new), 1)
    sent = ProgressEntry.objects.filter(
        state=EntryState.SUBMITTED, indicator__lead_department__code="fgj"
    )
    assert {(e.indicator.report.year, e.month) for e in sent} == {(2023, 12), (2024, 1)}
    page.context.clear_cookies()

    # The leader lands on the newest published report and switches to the old year.
    visit.login("leader")
    visit.goto("/")
    assert "2024年柳城县政府工作报告" in page.inner_text("h1")
    page.select_option(".period-picker select[name=report]", label="柳城县 2023")
    page.click(".period-picker button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "2023年柳城县政府工作报告" in page.inner_text("h1")
    assert visit.failed_responses == [] and visit.console_errors == []
    assert visit.foreign_requests == []
