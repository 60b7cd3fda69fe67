"""The reporter's monthly form: what it shows, what it saves, and what it refuses."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from indicators import workflow
from indicators.models import Indicator, ProgressEntry

from .conftest import approve, submit

URL = "/report/2023/9/"


@pytest.fixture(autouse=True)
def _after_the_year():
    # 2023 is over: every month of it may be reported, and September's deadline has passed.
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


def indicator(report, code):
    return Indicator.objects.get(report=report, code=code)


def row_data(ind, value="", note="", problems="", version=0, explanation=""):
    prefix = f"i{ind.pk}"
    return {
        f"{prefix}-value": value,
        f"{prefix}-note": note,
        f"{prefix}-problems": problems,
        f"{prefix}-explanation": explanation,
        f"{prefix}-version": version,
    }


def post(client, report, action, rows, extra_ids=()):
    """Post the form as the page would: ``rows`` maps an indicator to its row fields."""
    data = {"action": action}
    ids = [ind.pk for ind in rows] + list(extra_ids)
    data["rows"] = ",".join(f"i{pk}" for pk in ids)
    for ind, fields in rows.items():
        data.update(row_data(ind, **fields))
    return client.post(URL, data)


def fgj_rows(report, **overrides):
    """Every editable row of 发改局's September form, filled with plausible values."""
    rows = {}
    for ind in Indicator.objects.filter(
        report=report, lead_department__code="fgj", register_rule=""
    ):
        rows[ind] = {"value": "50", "note": "按计划推进"}
    for code, fields in overrides.items():
        rows[indicator(report, code.replace("_", "-"))].update(fields)
    return rows


def entries():
    return list(
        ProgressEntry.objects.order_by("pk").values_list(
            "indicator__code", "month", "value", "state"
        )
    )


def test_reporter_sees_only_their_own_departments_targets(client, report, fgj):
    client.force_login(fgj)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-code="EC-05"' in page  # 发改局 leads 古砦光伏
    assert 'data-code="LV-01"' not in page  # 人社局's
    # derived targets are shown, but as computed from the register, with no input
    assert 'data-code="PP-01"' in page
    assert f'name="i{indicator(report, "PP-01").pk}-value"' not in page
    assert "由项目库自动计算" in page


def test_form_shows_last_approved_value_and_empty_count(client, report, fgj):
    approve(indicator(report, "EC-05"), 8, 80, note="8月底完成组件安装")
    client.force_login(fgj)
    page = client.get(URL).content.decode()
    row = page.split('data-code="EC-05"')[1].split("</tr>")[0]
    assert "8月：80" in row
    assert "8月底完成组件安装" in row
    assert "填写 0/2" in page
    assert "还有2行未填写" in page


def test_save_draft_then_submit(client, report, fgj):
    client.force_login(fgj)
    solar = indicator(report, "EC-05")
    response = post(client, report, "save", {solar: {"value": "85", "note": "并网调试中"}})
    assert response.status_code == 302
    entry = ProgressEntry.objects.get(indicator=solar, month=9)
    assert (entry.value, entry.state, entry.version) == (Decimal(85), "draft", 1)
    assert entry.updated_by == fgj

    rows = fgj_rows(report, EC_05={"value": "86", "version": 1})
    response = post(client, report, "submit", rows)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.value, entry.state, entry.submitted_by) == (Decimal(86), "submitted", fgj)
    assert ProgressEntry.objects.filter(state="submitted").count() == len(rows)


def test_submitted_rows_are_read_only(client, report, fgj):
    solar = indicator(report, "EC-05")
    ProgressEntry.objects.create(indicator=solar, month=9, value=85, state="submitted")
    client.force_login(fgj)
    page = client.get(URL).content.decode()
    assert f'name="i{solar.pk}-value"' not in page
    # posting it anyway is refused and changes nothing
    response = post(client, report, "save", {solar: {"value": "99", "version": 1}})
    assert response.status_code == 403
    assert ProgressEntry.objects.get(indicator=solar).value == 85


def test_reporter_cannot_post_another_departments_indicator(client, report, fgj):
    client.force_login(fgj)
    jobs = indicator(report, "LV-01")
    solar = indicator(report, "EC-05")
    response = post(client, report, "save", {solar: {"value": "85"}, jobs: {"value": "1500"}})
    assert response.status_code == 403
    assert "不属于本单位" in response.content.decode()
    assert entries() == []


def test_reporter_cannot_post_a_value_for_a_derived_indicator(client, report, fgj):
    client.force_login(fgj)
    derived = indicator(report, "PP-01")
    response = post(client, report, "save", {derived: {"value": "999"}})
    assert response.status_code == 403
    assert entries() == []


@pytest.mark.parametrize(
    ("code", "fields", "message"),
    [
        ("EC-05", {"value": "abc"}, "请只填写数字"),
        ("EC-05", {"value": "85万"}, "不要带单位"),
        ("EC-05", {"value": "-3"}, "不能为负数"),
        ("EC-05", {"value": "101"}, "须在0到100之间"),
    ],
)
def test_bad_values_are_refused_beside_their_row_and_nothing_is_saved(
    client, report, fgj, zrzyj, code, fields, message
):
    target = indicator(report, code)
    user = fgj if target.lead_department.code == "fgj" else zrzyj
    client.force_login(user)
    other = (
        Indicator.objects.filter(
            report=report, lead_department=target.lead_department, register_rule=""
        )
        .exclude(pk=target.pk)
        .first()
    )
    response = post(client, report, "save", {target: fields, other: {"value": "10"}})
    assert response.status_code == 200
    page = response.content.decode()
    row = page.split(f'data-code="{code}"')[1].split("</tr>")[0]
    assert message in row
    # what was typed in the other row is still there
    assert 'value="10"' in page.split(f'data-code="{other.code}"')[1].split("</tr>")[0]
    assert entries() == []


@pytest.fixture
def zrzyj(report):
    from indicators.models import Department

    from .conftest import make_user

    return make_user("t-zrzyj", "reporter", Department.objects.get(code="zrzyj"))


def test_percent_ceiling_above_100_is_refused(client, report, rsj):
    client.force_login(rsj)
    rate = indicator(report, "LV-02")
    response = post(client, report, "save", {rate: {"value": "120"}})
    assert "百分比须在0到100之间" in response.content.decode()
    assert entries() == []


def row_of(response, code):
    return response.content.decode().split(f'data-code="{code}"')[1].split("</tr>")[0]


def test_value_above_three_times_target_is_flagged_and_submitted_only_with_a_note(
    client, report, zrzyj
):
    """A figure past three times the annual target warns: it is saved as a draft with its flag
    shown beside it, and submitted only once the 说明 says why."""
    client.force_login(zrzyj)
    land = indicator(report, "PP-10")
    response = post(client, report, "save", {land: {"value": "16000"}})
    assert response.status_code == 302
    entry = ProgressEntry.objects.get(indicator=land)
    assert (entry.value, entry.state) == (16000, "draft")
    assert [flag["rule"] for flag in entry.flags] == ["beyond_target"]
    row = row_of(client.get(URL), "PP-10")
    assert "填报值16,000亩是年度目标（5,000亩）的3.2倍，超过3倍" in row
    assert f'name="i{land.pk}-explanation"' in row
    response = post(client, report, "submit", {land: {"value": "16000", "version": 1}})
    assert "请在“说明”中写明原因后再报送" in row_of(response, "PP-10")
    entry.refresh_from_db()
    assert entry.state == "draft"
    reason = "含上年结转征地1.1万亩"
    response = post(
        client, report, "submit", {land: {"value": "16000", "version": 1, "explanation": reason}}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.explanation) == ("submitted", reason)


def test_cumulative_value_below_an_approved_month_needs_an_explanation(client, report, zrzyj):
    land = indicator(report, "PP-10")
    approve(land, 8, 3000, note="8月完成征地3000亩")
    client.force_login(zrzyj)
    response = post(client, report, "submit", {land: {"value": "2900", "note": ""}})
    assert "累计值2,900亩低于8月已审核的3,000亩" in row_of(response, "PP-10")
    assert ProgressEntry.objects.filter(month=9).count() == 0
    # a row that already carries a note is no explanation: the fall needs its 说明
    noted = {"value": "2900", "note": "8月完成征地3000亩"}
    response = post(client, report, "submit", {land: noted})
    assert "低于8月已审核的3,000亩" in row_of(response, "PP-10")
    assert ProgressEntry.objects.filter(month=9).count() == 0
    response = post(client, report, "submit", {land: {"value": "0", "explanation": "核减"}})
    assert response.status_code == 302
    entry = ProgressEntry.objects.get(month=9)
    assert (entry.value, entry.state, entry.explanation) == (0, "submitted", "核减")
    assert [flag["rule"] for flag in entry.flags] == ["fall"]


def test_submit_needs_every_row_filled(client, report, fgj):
    client.force_login(fgj)
    rows = fgj_rows(report, EC_05={"value": ""})
    response = post(client, report, "submit", rows)
    assert response.status_code == 200
    assert "报送前请填写本月累计值" in response.content.decode()
    assert entries() == []


def test_future_month_is_refused(client, report, fgj):
    client.force_login(fgj)
    with time_machine.travel(
        datetime.datetime(2023, 9, 20, tzinfo=timezone.get_current_timezone())
    ):
        response = client.get("/report/2023/10/")
        assert response.status_code == 400
        assert "还没有到" in response.content.decode()
        assert client.get("/report/2023/9/").status_code == 200


def test_month_outside_the_year_is_refused(client, report, fgj):
    client.force_login(fgj)
    response = client.get("/report/2023/13/")
    assert response.status_code == 400
    assert "月份须在1到12之间" in response.content.decode()
    assert client.get("/report/1999/9/").status_code == 404


def test_locked_month_is_read_only_for_reporters(client, report, fgj, reviewer):
    workflow.lock_month(reviewer, report, 9)
    solar = indicator(report, "EC-05")
    client.force_login(fgj)
    page = client.get(URL).content.decode()
    assert "本月已锁定" in page
    assert f'name="i{solar.pk}-value"' not in page
    response = post(client, report, "save", {solar: {"value": "85"}})
    assert response.status_code == 403
    assert "已锁定" in response.content.decode()
    assert entries() == []


def test_stale_form_is_refused_with_the_stored_value(client, report, fgj):
    solar = indicator(report, "EC-05")
    client.force_login(fgj)
    post(client, report, "save", {solar: {"value": "85"}})  # version 1 now stored
    # a second window opened before that save still carries version 0
    response = post(client, report, "save", {solar: {"value": "70"}})
    assert response.status_code == 409
    page = response.content.decode()
    assert "修改（或表单重复提交）" in page
    assert "当前保存的值为 85" in page
    assert ProgressEntry.objects.get(indicator=solar).value == 85


def test_the_same_form_posted_twice_changes_nothing_the_second_time(client, report, fgj):
    client.force_login(fgj)
    rows = fgj_rows(report)
    assert post(client, report, "submit", rows).status_code == 302
    before = entries()
    response = post(client, report, "submit", rows)
    assert response.status_code == 403  # the rows are submitted now: no longer editable
    assert entries() == before


def test_returned_entry_shows_the_comment_and_can_be_resubmitted(client, report, fgj, reviewer):
    solar = indicator(report, "EC-05")
    entry = submit(fgj, solar, 9, value=Decimal(85))
    workflow.review(reviewer, [entry], workflow.RETURN, "与现场核查不符，请核实")
    entry.refresh_from_db()
    client.force_login(fgj)
    page = client.get(URL).content.decode()
    assert "退回意见：与现场核查不符，请核实" in page
    rows = fgj_rows(report, EC_05={"value": "80", "version": entry.version})
    assert post(client, report, "submit", rows).status_code == 302
    entry.refresh_from_db()
    assert (entry.value, entry.state) == (Decimal(80), "submitted")


def test_a_returned_rows_figure_cannot_be_cleared_by_a_draft(client, report, fgj, reviewer):
    """A returned row stays returned when saved, so it keeps a figure: clearing it is refused
    beside the row with the reason (not a database rule's general message), and nothing moves."""
    solar = indicator(report, "EC-05")
    entry = submit(fgj, solar, 9, value=Decimal(85))
    workflow.review(reviewer, [entry], workflow.RETURN, "与现场核查不符，请核实")
    entry.refresh_from_db()
    before = entries()
    client.force_login(fgj)
    data = {"action": "save", "rows": f"i{solar.pk}", **row_data(solar, version=entry.version)}
    data[f"initial-i{solar.pk}-value"] = "85"  # what the page showed, posted back beside it
    response = client.post(URL, data)
    assert response.status_code == 200  # the form again, with the row's error beside it
    page = response.content.decode()
    row = page.split('data-code="EC-05"')[1].split("</tr>")[0]
    assert "退回的记录不能清空数值" in row and "节点型不能超过100" not in page
    assert entries() == before


def test_reporter_lands_on_the_month_due(client, report, fgj):
    client.force_login(fgj)
    with time_machine.travel(
        datetime.datetime(2023, 10, 3, tzinfo=timezone.get_current_timezone())
    ):
        assert client.get("/start/")["Location"] == "/report/2023/9/"
    with time_machine.travel(
        datetime.datetime(2023, 10, 6, tzinfo=timezone.get_current_timezone())
    ):
        assert client.get("/start/")["Location"] == "/report/2023/10/"
    assert client.get("/start/")["Location"] == "/report/2023/12/"  # the year is over


def test_monthly_form_query_count_does_not_grow(client, report, fgj, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import add_indicators

    client.force_login(fgj)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    add_indicators(report, 200)  # all led by the first department, 发改局
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL)
    assert response.content.decode().count("data-code=") > 200
    assert len(large) == len(small)


def test_a_row_submitted_elsewhere_meanwhile_is_refused_with_who_did_it(client, report, fgj):
    """The page was opened while the row was a draft; another window submitted it since."""
    solar = indicator(report, "EC-05")
    submit(fgj, solar, 9, workflow.SAVE, value=Decimal(80))
    client.force_login(fgj)
    client.get(URL)
    submit(fgj, solar, 9, value=Decimal(81))  # the other window
    response = post(client, report, "save", {solar: {"value": "82", "version": 1}})
    assert response.status_code == 403
    row = response.content.decode().split('data-code="EC-05"')[1].split("</tr>")[0]
    assert "已由t-fgj于" in row and "报送，等待审核，不能再修改" in row
    assert "不属于本单位" not in response.content.decode()
    assert ProgressEntry.objects.get(indicator=solar).value == 81


def test_a_fall_to_zero_needs_an_explanation_even_when_the_row_has_a_note(client, report, fgj):
    solar = indicator(report, "EC-05")  # a milestone, in percent done
    approve(solar, 8, 95, note="并网调试")
    submit(fgj, solar, 9, workflow.SAVE, value=Decimal(95), note="并网调试")
    client.force_login(fgj)
    response = post(
        client, report, "submit", {solar: {"value": "0", "note": "并网调试", "version": 1}}
    )
    assert "低于8月已审核的95%" in response.content.decode()
    entry = ProgressEntry.objects.get(indicator=solar, month=9)
    assert (entry.value, entry.state) == (95, "draft")


def test_a_draft_that_falls_below_a_month_approved_since_is_questioned_again(client, report, fgj):
    solar = indicator(report, "EC-05")  # a milestone: it may not fall
    client.force_login(fgj)
    assert post(client, report, "save", {solar: {"value": "10", "note": "进展"}}).status_code == 302
    entry = ProgressEntry.objects.get(indicator=solar, month=9)
    approve(solar, 8, 95, reviewed_at=timezone.now())  # August approved after the draft
    prefix = f"i{solar.pk}"
    response = client.post(
        URL,
        {
            "action": "submit",
            "rows": prefix,
            f"{prefix}-value": "10",
            f"initial-{prefix}-value": "10",
            f"{prefix}-note": "进展",
            f"initial-{prefix}-note": "进展",
            f"{prefix}-problems": "",
            f"initial-{prefix}-problems": "",
            f"{prefix}-version": str(entry.version),
        },
    )
    assert "低于8月已审核的95" in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == "draft"
