"""The supervision office's queue: approve, approve a selection, return with a comment; locks;
and the audit trail each step leaves."""

from decimal import Decimal

import pytest

from indicators import workflow
from indicators.models import Indicator, MonthLock, ProgressEntry

from .conftest import approve, submit


def submitted(report, code, month=9, value=85, user=None):
    """A submitted entry: through the gate as ``user``, or as the office would load it."""
    indicator = Indicator.objects.get(report=report, code=code)
    if user is not None:
        return submit(user, indicator, month, value=Decimal(value), note="n")
    return ProgressEntry.objects.create(
        indicator=indicator, month=month, value=value, note="n", state="submitted"
    )


def token(entry):
    """How the review page names a row it shows: kind, id and the version shown."""
    return f"i{entry.pk}:{entry.version}"


def states():
    return dict(ProgressEntry.objects.values_list("indicator__code", "state"))


def test_queue_lists_submitted_entries_with_filters(client, report, reviewer, fgj):
    submitted(report, "EC-05", user=fgj)
    submitted(report, "LV-01", value=1200)
    submitted(report, "LV-05", month=8, value=60)
    ProgressEntry.objects.create(
        indicator=Indicator.objects.get(report=report, code="UC-01"), month=9, value=10
    )  # a draft: not for review
    client.force_login(reviewer)
    page = client.get("/review/?year=2023").content.decode()
    assert page.count("data-entry=") == 3
    assert 'data-code="UC-01"' not in page
    rsj = Indicator.objects.get(report=report, code="LV-01").lead_department
    page = client.get(f"/review/?year=2023&department={rsj.pk}").content.decode()
    assert page.count("data-entry=") == 1
    page = client.get("/review/?year=2023&month=8").content.decode()
    assert page.count("data-entry=") == 1
    section = Indicator.objects.get(report=report, code="LV-05").section
    page = client.get(f"/review/?year=2023&section={section.pk}").content.decode()
    assert page.count("data-entry=") == 2


def test_approve_one_counts_on_the_overview(client, report, reviewer, leader):
    entry = submitted(report, "LV-01", value=1263)
    client.force_login(leader)
    assert "1,263" not in client.get("/?year=2023&month=9").content.decode()
    client.force_login(reviewer)
    response = client.post("/review/approve/", {"rows": [token(entry)]})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.reviewed_by) == ("approved", reviewer)
    client.force_login(leader)
    row = client.get("/?year=2023&month=9").content.decode().split('data-code="LV-01"')[1]
    assert "1,263" in row.split("</tr>")[0]


def test_approve_a_selection(client, report, reviewer):
    entries = [submitted(report, code) for code in ("EC-05", "EC-06", "UC-01")]
    client.force_login(reviewer)
    client.post("/review/approve/", {"rows": [token(e) for e in entries[:2]]})
    assert states() == {"EC-05": "approved", "EC-06": "approved", "UC-01": "submitted"}


def test_return_needs_a_comment(client, report, reviewer):
    entry = submitted(report, "EC-05")
    client.force_login(reviewer)
    response = client.post("/review/return/", {"rows": [token(entry)], "comment": " "}, follow=True)
    assert "请填写退回意见" in response.content.decode()
    assert states() == {"EC-05": "submitted"}
    client.post("/review/return/", {"rows": [token(entry)], "comment": "数据与台账不符"})
    entry.refresh_from_db()
    assert (entry.state, entry.review_comment) == ("returned", "数据与台账不符")


def test_a_selection_with_one_stale_entry_changes_nothing(client, report, reviewer):
    first = submitted(report, "EC-05")
    second = submitted(report, "EC-06")
    shown = [token(first), token(second)]
    workflow.review(reviewer, [second], workflow.APPROVE)
    client.force_login(reviewer)
    response = client.post("/review/approve/", {"rows": shown}, follow=True)
    assert "不在待审核状态" in response.content.decode()
    assert states() == {"EC-05": "submitted", "EC-06": "approved"}


def test_draft_cannot_be_approved(report, reviewer):
    entry = ProgressEntry.objects.create(
        indicator=Indicator.objects.get(report=report, code="EC-05"), month=9, value=1
    )
    with pytest.raises(workflow.WorkflowError):
        workflow.review(reviewer, [entry], workflow.APPROVE)
    entry.refresh_from_db()
    assert entry.state == "draft"


def test_transitions_map_allows_only_the_pipeline():
    moves = workflow.TRANSITIONS
    assert moves[(None, workflow.SUBMIT)] == "submitted"
    assert moves[("returned", workflow.SUBMIT)] == "submitted"
    assert moves[("approved", workflow.REOPEN)] == "returned"
    for state, action in [
        ("approved", workflow.SAVE),
        ("approved", workflow.RETURN),
        ("submitted", workflow.SAVE),
        ("submitted", workflow.REOPEN),
        ("draft", workflow.APPROVE),
        ("returned", workflow.APPROVE),
        ("approved", workflow.APPROVE),
    ]:
        assert (state, action) not in moves
        entry = ProgressEntry(state=state)
        assert workflow.state_refusal(entry, action)


def test_lock_and_unlock_are_recorded_with_who(client, report, reviewer):
    client.force_login(reviewer)
    response = client.post("/locks/2023/9/", {"action": "lock"})
    assert response.status_code == 302
    lock = MonthLock.objects.get(report=report, month=9)
    assert lock.locked_by == reviewer
    page = client.get("/review/?year=2023").content.decode()
    assert "已锁定" in page
    client.post("/locks/2023/9/", {"action": "unlock"})
    assert not MonthLock.objects.exists()
    history = list(MonthLock.history.order_by("history_date"))
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", reviewer),
        ("-", reviewer),
    ]
    page = client.get("/review/?year=2023").content.decode()
    assert "锁定记录" in page


def test_a_locked_months_waiting_rows_are_listed_without_buttons(client, report, reviewer, fgj):
    """Locking a month with rows still waiting warns how many; the queue keeps listing them,
    marked locked, with nothing to tick, approve or return until the month is unlocked."""
    waiting = submitted(report, "EC-05", user=fgj)
    other = submitted(report, "LV-05", month=8, value=60)
    client.force_login(reviewer)
    response = client.post("/locks/2023/9/", {"action": "lock"}, follow=True)
    assert "9月还有1条待审核的记录" in response.content.decode()
    page = client.get("/review/?year=2023").content.decode()
    row = page.split(f'data-entry="{waiting.pk}"')[1].split("</tr>")[0]
    assert "9月已锁定，解锁后才能审核" in row
    assert 'type="checkbox"' not in row and "approve" not in row
    open_row = page.split(f'data-entry="{other.pk}"')[1].split("</tr>")[0]
    assert 'type="checkbox"' in open_row and "approve" in open_row
    client.post("/locks/2023/9/", {"action": "unlock"})
    page = client.get("/review/?year=2023").content.decode()
    row = page.split(f'data-entry="{waiting.pk}"')[1].split("</tr>")[0]
    assert 'type="checkbox"' in row


def test_locking_twice_says_so(client, report, reviewer):
    client.force_login(reviewer)
    client.post("/locks/2023/9/", {"action": "lock"})
    response = client.post("/locks/2023/9/", {"action": "lock"}, follow=True)
    assert "9月已经锁定" in response.content.decode()
    assert MonthLock.objects.count() == 1


def test_history_keeps_every_step_with_its_user(client, report, fgj, reviewer):
    client.force_login(fgj)
    solar = Indicator.objects.get(report=report, code="EC-05")
    prefix = f"i{solar.pk}"
    client.post(
        "/report/2023/9/",
        {
            "action": "save",
            "rows": f"i{solar.pk}",
            f"{prefix}-value": "80",
            f"{prefix}-note": "",
            f"{prefix}-problems": "",
            f"{prefix}-version": "0",
        },
    )
    entry = ProgressEntry.objects.get(indicator=solar)
    entry = submit(fgj, solar, 9, value=Decimal(85))
    workflow.review(reviewer, [entry], workflow.APPROVE)
    rows = list(entry.history.order_by("history_date"))
    assert [(r.state, r.value, r.history_user) for r in rows] == [
        ("draft", Decimal(80), fgj),
        ("submitted", Decimal(85), fgj),
        ("approved", Decimal(85), reviewer),
    ]


def test_review_queue_query_count_does_not_grow(client, report, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    codes = ["EC-05", "EC-06", "UC-01"]
    for code in codes:
        approve(Indicator.objects.get(report=report, code=code), 8, 10)
        submitted(report, code)
    client.force_login(reviewer)
    client.get("/review/?year=2023")
    with CaptureQueriesContext(connection) as small:
        client.get("/review/?year=2023")
    for ind in Indicator.objects.filter(report=report, register_rule="").exclude(code__in=codes):
        submitted(report, ind.code, value=1)
    with CaptureQueriesContext(connection) as large:
        page = client.get("/review/?year=2023").content.decode()
    assert page.count("data-entry=") > 20
    assert len(large) == len(small)


def test_ids_in_the_queue_print_without_a_thousands_comma(client, report, reviewer):
    entry = ProgressEntry.objects.create(
        pk=12345,
        indicator=Indicator.objects.get(report=report, code="EC-05"),
        month=9,
        value=85,
        state="submitted",
    )
    client.force_login(reviewer)
    page = client.get("/review/?year=2023").content.decode()
    assert 'value="i12345:1"' in page
    assert "12,345" not in page
    assert entry.pk == 12345


def test_the_office_reopens_an_approved_figure_from_the_target_page(client, report, reviewer, fgj):
    entry = submitted(report, "EC-05", user=fgj)
    workflow.review(reviewer, [entry], workflow.APPROVE)
    entry.refresh_from_db()
    client.force_login(reviewer)
    page = client.get(f"/indicators/{entry.indicator_id}/?month=9").content.decode()
    assert f'value="i{entry.pk}:{entry.version}"' in page and "退回更正" in page
    back = f"/indicators/{entry.indicator_id}/?month=9"
    response = client.post(
        "/review/reopen/",
        {"rows": [token(entry)], "comment": "与统计局数据不符", "next": back},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == back
    assert "已退回更正1条" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.state, entry.review_comment) == ("returned", "与统计局数据不符")
    assert [r.state for r in entry.history.order_by("history_date")][-2:] == [
        "approved",
        "returned",
    ]
    # the department sees why, and can correct it
    client.force_login(fgj)
    assert "与统计局数据不符" in client.get("/report/2023/9/").content.decode()


def test_reopening_needs_a_comment_and_an_unlocked_month(client, report, reviewer, fgj):
    entry = submitted(report, "EC-05", user=fgj)
    workflow.review(reviewer, [entry], workflow.APPROVE)
    entry.refresh_from_db()
    client.force_login(reviewer)
    response = client.post("/review/reopen/", {"rows": [token(entry)], "comment": ""}, follow=True)
    assert "请填写退回意见" in response.content.decode()
    workflow.lock_month(reviewer, report, 9)
    response = client.post("/review/reopen/", {"rows": [token(entry)], "comment": "x"}, follow=True)
    assert "9月已被督查室锁定" in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == "approved"


def test_an_approval_from_a_stale_queue_is_refused(client, report, reviewer, fgj):
    """The queue showed version 1; the entry was returned and resubmitted with another figure
    since: approving what the reviewer never saw is refused."""
    entry = submitted(report, "EC-05", user=fgj)
    shown = token(entry)
    workflow.review(reviewer, [entry], workflow.RETURN, "请核实")
    submit(fgj, entry.indicator, 9, value=Decimal(12))
    client.force_login(reviewer)
    response = client.post("/review/approve/", {"rows": [shown]}, follow=True)
    assert "请刷新后再改" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.state, entry.value) == ("submitted", Decimal(12))


def test_approving_more_entries_reads_no_target_per_entry(report, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    codes = list(
        Indicator.objects.filter(report=report, register_rule="", kind="cumulative").values_list(
            "code", flat=True
        )[:4]
    )

    def targets_read(count):
        ProgressEntry.objects.all().delete()
        entries = [submitted(report, code) for code in codes[:count]]
        entries = list(
            ProgressEntry.objects.filter(pk__in=[e.pk for e in entries]).select_related(
                "indicator__report"
            )
        )
        with CaptureQueriesContext(connection) as queries:
            workflow.review(reviewer, entries, workflow.APPROVE)
        return [q for q in queries.captured_queries if 'FROM "indicators_indicator"' in q["sql"]]

    assert targets_read(2) == targets_read(4) == []


def test_a_rule_the_database_keeps_is_not_blamed_on_someone_else(report, fgj, reviewer):
    indicator = Indicator.objects.filter(report=report, register_rule="", kind="cumulative").first()
    entry = submit(reviewer, indicator, 9, value=Decimal(150))  # the office, on its behalf
    Indicator.objects.filter(pk=indicator.pk).update(kind="milestone")  # reclassified meanwhile
    entry = ProgressEntry.objects.select_related("indicator__report").get(pk=entry.pk)
    with pytest.raises(workflow.Refused) as refused:
        workflow.review(reviewer, [entry], workflow.APPROVE, versions={entry: entry.version})
    assert not refused.value.is_conflict
    assert "他人" not in " ".join(refused.value.reasons.values())
