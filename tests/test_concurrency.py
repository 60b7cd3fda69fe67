"""Two people saving one row at the same instant, from forms showing the same version.

Real threads, each with its own database connection, post the monthly form at once against a
real database (a SQLite file, or PostgreSQL under DATABASE_URL). Every round exactly one save
wins, the others are told someone saved first (409, the stored value shown), nobody gets a 500,
and the history holds exactly one change per round.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from indicators import workflow
from indicators.models import Department, Indicator, ProgressEntry, Report

from .conftest import make_user, submit

ROUNDS = 50
WRITERS = 3
CONFLICT = ("修改（或表单重复提交）", "已被他人同时填写")


def post_at_once(users, solar, version, values):
    """Each user posts ``values[i]`` for the row at ``version``, all released together."""
    barrier = threading.Barrier(len(users))
    results = [None] * len(users)

    def save(index):
        client = Client()
        client.force_login(users[index])
        prefix = f"i{solar.pk}"
        data = {
            "action": "save",
            "rows": f"i{solar.pk}",
            f"{prefix}-value": values[index],
            f"{prefix}-note": f"第{index}人",
            f"{prefix}-problems": "",
            f"{prefix}-version": str(version),
        }
        try:
            barrier.wait()
            response = client.post("/report/2023/9/", data)
            results[index] = (response.status_code, response.content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_saves_of_one_row_exactly_one_wins(report):
    department = Department.objects.get(code="fgj")
    users = [make_user(f"t-fgj-{n}", "reporter", department) for n in range(WRITERS)]
    solar = Indicator.objects.get(report=report, code="EC-05")
    version = 0
    for round_number in range(ROUNDS):
        history_before = ProgressEntry.history.count()
        # EC-05 is a milestone (0–100): three different percentages each round.
        values = [str((round_number % 30) * 3 + n + 1) for n in range(WRITERS)]
        results = post_at_once(users, solar, version, values)
        statuses = [status for status, _page in results]
        assert 500 not in statuses, results
        assert statuses.count(302) == 1, (round_number, statuses)
        assert statuses.count(409) == WRITERS - 1, (round_number, statuses)
        winner = statuses.index(302)
        for status, page in results:
            if status == 409:
                assert any(message in page for message in CONFLICT), page[:2000]
        entry = ProgressEntry.objects.get(indicator=solar, month=9)
        assert entry.value == Decimal(values[winner])
        assert entry.note == f"第{winner}人"
        assert entry.version == version + 1
        assert ProgressEntry.history.count() == history_before + 1
        version = entry.version


@pytest.mark.django_db(transaction=True)
def test_a_month_locked_while_a_save_waits_is_seen_locked(report):
    """The lock and the save are ordered: a save either lands before the lock or is refused."""
    department = Department.objects.get(code="fgj")
    reporter = make_user("t-fgj-lock", "reporter", department)
    reviewer = make_user("t-office", "reviewer")
    solar = Indicator.objects.get(report=report, code="EC-05")
    barrier = threading.Barrier(2)
    outcome = {}

    def save():
        try:
            barrier.wait()
            change = workflow.Change(solar, 9, {"value": Decimal(5)}, version=0)
            workflow.apply(reporter, [change], workflow.SAVE)
            outcome["save"] = "saved"
        except workflow.Refused as refusal:
            outcome["save"] = " ".join(refusal.reasons.values())
        finally:
            connection.close()

    def lock():
        try:
            barrier.wait()
            workflow.lock_month(reviewer, report, 9)
            outcome["lock"] = "locked"
        finally:
            connection.close()

    threads = [threading.Thread(target=save), threading.Thread(target=lock)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcome["lock"] == "locked"
    saved = ProgressEntry.objects.filter(indicator=solar, month=9).exists()
    assert saved == (outcome["save"] == "saved")
    if not saved:
        assert "已被督查室锁定" in outcome["save"]


@pytest.mark.django_db
def test_a_report_archived_while_a_form_was_open_refuses_the_save(report, fgj):
    # The form's target was read while the report was 执行; the office archived it meanwhile.
    # The gate reads the state under its lock, not from the stale instance.
    indicator = Indicator.objects.select_related("report").get(report=report, code="EC-06")
    assert indicator.report.state == Report.State.ACTIVE
    Report.objects.filter(pk=report.pk).update(state=Report.State.ARCHIVED)
    with pytest.raises(workflow.Refused) as refused:
        submit(fgj, indicator, 9, value=Decimal(40))
    assert "已归档" in " ".join(refused.value.reasons.values())
    assert not ProgressEntry.objects.filter(indicator=indicator).exists()
