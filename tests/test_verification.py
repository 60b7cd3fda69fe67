"""核实 (verification): the office marks approved figures by hand or draws a weighted sample,
records the verified value with a note and evidence; a difference over the tolerance re-opens
the figure through the gate with the verified value proposed on the reporter's form. Who may
do what, another county's 404, an archived report's refusal, and 已核实 on the target's page."""

from collections import Counter
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from audit.models import Action, AuditRecord
from indicators import checks, workflow
from indicators.models import EntryState, Indicator, MonthLock, ProgressEntry, Region, Report
from supervision import verification
from supervision.models import VerificationEvidence, VerificationSample, VerificationTask

from .conftest import approve, make_user, stored_files, submit

MONTH = 9
State = VerificationTask.State


@pytest.fixture
def jobs(report):
    return Indicator.objects.get(report=report, code="LV-01")  # cumulative, 人, led by 人社局


@pytest.fixture
def entry(jobs):
    return approve(jobs, MONTH, 1200, note="新增就业1200人")


@pytest.fixture
def task(office, report, entry):
    (task,) = verification.mark(office, report, [entry])
    return task


@pytest.fixture
def neighbour():
    """鹿寨县, a county beside 柳城县, with its own office."""
    region = Region.objects.create(name="鹿寨县", code="450223")
    Report.objects.create(
        region=region, year=2023, title="2023年鹿寨县政府工作报告", state=Report.State.ACTIVE
    )
    return make_user("lz-office", "reviewer", region=region)


def flag(entries):
    ProgressEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        flags=[checks.Flag(checks.STEP).as_data()]
    )


def month_entries(report, codes, month=MONTH):
    return [
        approve(Indicator.objects.get(report=report, code=code), month, 10 + n)
        for n, code in enumerate(codes)
    ]


CODES = ["LV-01", "LV-02", "LV-03", "EC-05", "EC-06"]


def png():
    out = BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 60)).save(out, "PNG")
    return SimpleUploadedFile("台账.png", out.getvalue(), content_type="image/png")


def record_url(task):
    return reverse("supervision:verification-record", args=[task.pk])


def record_post(client, task, value, note="到人社局核对台账"):
    task.refresh_from_db()
    return client.post(
        record_url(task),
        {
            "verified_value": value,
            "note": note,
            "version": task.version,
            "entry_version": task.entry.version,
        },
    )


def audited(label, action):
    return AuditRecord.objects.filter(object_label=label, action=action)


# --- Marking by hand ---


def test_the_office_marks_a_figure_from_the_targets_page(client, office, report, jobs, entry):
    client.force_login(office)
    page = client.get(f"/indicators/{jobs.pk}/?month={MONTH}").content.decode()
    assert 'id="verification-mark"' in page and "尚无核实记录" in page

    response = client.post(
        reverse("supervision:verification-mark"),
        {"report": report.pk, "entries": [entry.pk], "next": f"/indicators/{jobs.pk}/"},
    )
    task = VerificationTask.objects.get()
    assert response.status_code == 302 and response.url == f"/verification/{task.pk}/"
    assert (task.state, task.origin, task.month) == (State.PENDING, "hand", MONTH)
    assert task.reported_value == Decimal(1200) and task.created_by == office
    assert audited("supervision.VerificationTask", Action.CREATED).count() == 1
    # Marked twice: refused, by the gate and by the database's one-open-task rule.
    with pytest.raises(verification.VerificationError, match="已在核实中"):
        verification.mark(office, report, [entry])
    page = client.get(f"/indicators/{jobs.pk}/?month={MONTH}").content.decode()
    assert "待核实" in page and f"/verification/{task.pk}/" in page


def test_the_office_marks_several_figures_from_the_list(client, office, fgj, report):
    entries = month_entries(report, CODES[:3])
    solar = Indicator.objects.get(report=report, code="EC-05")  # led by 发改局
    unapproved = submit(fgj, solar, MONTH, value=Decimal(30))
    client.force_login(office)
    page = client.get(f"/verification/?report={report.pk}&month={MONTH}").content.decode()
    for item in entries:
        assert f'name="entries" value="{item.pk}"' in page
    assert (
        f'name="entries" value="{unapproved.pk}"' not in page
    )  # only approved figures are offered
    client.post(
        reverse("supervision:verification-mark"),
        {"report": report.pk, "entries": [e.pk for e in entries[:2]]},
    )
    assert {t.entry_id for t in VerificationTask.objects.all()} == {e.pk for e in entries[:2]}
    with pytest.raises(verification.VerificationError, match="尚未审核通过"):
        verification.mark(office, report, [unapproved])


# --- Sampling ---


def test_a_draw_is_the_same_for_the_same_seed_and_favours_flagged_figures(report):
    entries = month_entries(report, CODES)
    entries += month_entries(report, CODES, month=MONTH - 1)
    flagged = entries[:2]
    flag(flagged)
    candidates = list(ProgressEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("pk"))
    assert verification.draw(candidates, 3, 42) == verification.draw(candidates, 3, 42)
    drawn = Counter()
    seeds = 2000
    for seed in range(seeds):
        picked = verification.draw(candidates, 3, seed)
        assert len(set(picked)) == 3  # without replacement
        drawn.update(e.pk for e in picked)
    flagged_rate = sum(drawn[e.pk] for e in flagged) / (len(flagged) * seeds)
    others = [e for e in candidates if e.pk not in {f.pk for f in flagged}]
    other_rate = sum(drawn[e.pk] for e in others) / (len(others) * seeds)
    # Weight 4 against 1: a flagged figure is drawn well over twice as often (about 3 times
    # with 3 of 10 drawn), and every figure can be drawn.
    assert flagged_rate > 2.5 * other_rate
    assert all(drawn[e.pk] > 0 for e in candidates)


def test_a_sample_is_recorded_and_never_draws_a_figure_twice(office, report):
    entries = month_entries(report, CODES)
    flag(entries[3:])
    candidates = list(ProgressEntry.objects.filter(month=MONTH).order_by("pk"))
    expected = {e.pk for e in verification.draw(candidates, 3, 7)}

    first = verification.sample(office, report, MONTH, 3, seed=7)
    assert (first.month, first.count, first.seed, first.drawn_by) == (MONTH, 3, 7, office)
    assert {t.entry_id for t in first.tasks.all()} == expected
    assert set(first.tasks.values_list("origin", flat=True)) == {"sample"}
    second = verification.sample(office, report, MONTH, 5, seed=7)
    assert second.tasks.count() == 2  # only what the first left
    drawn = list(VerificationTask.objects.values_list("entry_id", flat=True))
    assert sorted(drawn) == sorted(e.pk for e in entries)
    with pytest.raises(verification.VerificationError, match="没有尚未核实过"):
        verification.sample(office, report, MONTH, 1)
    assert audited("supervision.VerificationSample", Action.CREATED).count() == 2


def test_the_office_draws_a_sample_on_the_page_and_by_command(client, office, report):
    month_entries(report, CODES)
    client.force_login(office)
    response = client.post(
        reverse("supervision:verification-sample"),
        {"report": report.pk, "month": MONTH, "count": 2, "seed": 99},
        follow=True,
    )
    page = response.content.decode()
    assert "已随机抽取2项待核实（随机种子99）" in page
    assert VerificationSample.objects.get().tasks.count() == 2
    out = StringIO()
    call_command(
        "sample_verification",
        f"--report={report.pk}",
        f"--month={MONTH}",
        "--count=2",
        "--seed=5",
        f"--user={office.username}",
        stdout=out,
    )
    assert "2 of 2 drawn, seed 5" in out.getvalue()
    assert VerificationTask.objects.count() == 4


# --- Recording the result ---


def test_a_result_within_tolerance_closes_the_task_and_reopens_nothing(
    client, office, task, entry, jobs, rsj
):
    client.force_login(office)
    record_post(client, task, "1205")  # 0.4 % of 1200: within 1 %
    task.refresh_from_db()
    entry.refresh_from_db()
    assert task.state == State.VERIFIED and task.verified_by == office
    assert (task.verified_value, task.tolerance_percent) == (Decimal(1205), Decimal(1))
    assert entry.state == EntryState.APPROVED and entry.version == 1
    changed = audited("supervision.VerificationTask", Action.CHANGED).get()
    assert changed.detail["changes"]["state"]["new"] == "verified"
    # The target's page says 已核实 with the date, to the office and to the department alike.
    day = task.verified_at.astimezone().strftime("%Y-%m-%d")
    for user in (office, rsj):
        client.force_login(user)
        page = client.get(f"/indicators/{jobs.pk}/?month={MONTH}").content.decode()
        card = page.split('id="verification"')[1].split("</section>")[0]
        assert f'data-month="{MONTH}"' in card and "已核实" in card and day in card


def test_a_result_over_tolerance_reopens_the_figure_with_the_verified_value_proposed(
    client, office, task, entry, jobs, rsj
):
    client.force_login(office)
    record_post(client, task, "1000", note="台账只有1000人")
    task.refresh_from_db()
    entry.refresh_from_db()
    assert task.state == State.REOPENED
    # Through the gate: the approved figure went back to its department, its history says so.
    assert entry.state == EntryState.RETURNED and entry.reviewed_by == office
    assert "1,000人" in entry.review_comment and "台账只有1000人" in entry.review_comment
    latest = entry.history.latest("history_date")
    assert latest.state == EntryState.RETURNED and latest.history_user == office
    page = client.get(f"/indicators/{jobs.pk}/?month={MONTH}").content.decode()
    assert "与报送值不符，已退回更正" in page

    # The reporter's form shows the returned figure with the verified value proposed.
    client.force_login(rsj)
    form = client.get(f"/report/2023/{MONTH}/").content.decode()
    row = form.split(f'id="row-i{jobs.pk}"')[1].split("</tr>")[0]
    assert "核实值：1,000人" in row and 'data-value="1000"' in row and "采用核实值" in row
    assert f'data-input="id_i{jobs.pk}-value"' in row
    assert form.count("js/verification.js") == 1

    # The reporter resubmits through the gate; the office approves; the proposal is gone.
    submit(rsj, jobs, MONTH, value=Decimal(1000), note="按核实值更正")
    (approved,) = workflow.review(office, [ProgressEntry.objects.get(pk=entry.pk)], "approve")
    assert approved.state == EntryState.APPROVED and approved.value == Decimal(1000)
    form = client.get(f"/report/2023/{MONTH}/").content.decode()
    assert "采用核实值" not in form


def test_a_reopen_the_gate_refuses_leaves_the_task_open(office, report, task, entry):
    MonthLock.objects.create(report=report, month=MONTH, locked_by=office)
    with pytest.raises(verification.VerificationError, match="已被督查室锁定"):
        verification.record(office, task, Decimal(900), version=task.version)
    task.refresh_from_db()
    entry.refresh_from_db()
    assert task.state == State.PENDING and entry.state == EntryState.APPROVED
    # Within tolerance, a locked month is no obstacle: nothing is reopened.
    verification.record(office, task, Decimal(1200), version=task.version)


def test_a_stale_page_and_a_closed_task_are_refused(office, task, entry, rsj, jobs):
    with pytest.raises(verification.VerificationError, match="已被他人处理"):
        verification.record(office, task, Decimal(1200), version=task.version + 1)
    with pytest.raises(verification.VerificationError, match="已有变动"):
        verification.record(office, task, Decimal(1200), entry_version=entry.version + 1)
    verification.record(office, task, Decimal(1200))
    with pytest.raises(verification.VerificationError, match="不能再修改"):
        verification.record(office, task, Decimal(1000))


def test_a_figure_no_longer_approved_waits(office, task, entry):
    workflow.review(office, [entry], workflow.REOPEN, "请更正")
    with pytest.raises(verification.VerificationError, match="待审核通过后再核实"):
        verification.record(office, task, Decimal(1200))


def test_the_office_withdraws_a_task_and_the_figure_may_be_marked_again(
    client, office, leader, report, task, entry
):
    client.force_login(leader)
    url = reverse("supervision:verification-cancel", args=[task.pk])
    assert client.post(url, {"note": "x", "version": task.version}).status_code == 403
    client.force_login(office)
    page = client.get(f"/verification/{task.pk}/").content.decode()
    assert 'id="verification-cancel"' in page
    client.post(url, {"note": "", "version": task.version})  # a reason is required
    task.refresh_from_db()
    assert task.state == State.PENDING
    client.post(url, {"note": "误标，该月数值正在更正", "version": task.version})
    task.refresh_from_db()
    entry.refresh_from_db()
    assert (task.state, task.note) == (State.CANCELLED, "误标，该月数值正在更正")
    assert entry.state == EntryState.APPROVED and entry.version == 1
    reasons = list(task.history.order_by("history_date").values_list("history_change_reason"))
    assert reasons == [("mark",), ("cancel",)]
    (again,) = verification.mark(office, report, [entry])
    assert again.state == State.PENDING


def test_an_open_task_holds_the_archive_until_it_is_recorded(office, report, task):
    from indicators import lifecycle

    Report.objects.filter(pk=report.pk).update(state=Report.State.CLOSING)
    report.refresh_from_db()
    with pytest.raises(lifecycle.Refused, match="核实任务未完成"):
        lifecycle.move(office, report, "archive")
    verification.record(office, task, Decimal(1200))
    assert lifecycle.move(office, report, "archive").is_archived


# --- Evidence ---


def test_the_office_keeps_evidence_with_a_task(client, office, leader, rsj, task, evidence_root):
    client.force_login(office)
    url = reverse("supervision:verification-evidence-add", args=[task.pk])
    client.post(url, {"files": [png()], "version": task.version})
    item = VerificationEvidence.objects.get()
    assert (item.task, item.content_type, item.uploaded_by) == (task, "image/png", office)
    assert set(stored_files(evidence_root)) == {item.file_name, item.thumbnail_name}
    file_url = reverse("supervision:verification-evidence", args=[item.pk])
    response = client.get(file_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(BytesIO(b"".join(response.streaming_content))).size == (80, 60)
    page = client.get(f"/verification/{task.pk}/").content.decode()
    assert file_url in page
    # A file is the office's working paper: leaders and reporters are refused.
    for user in (leader, rsj):
        client.force_login(user)
        assert client.get(file_url).status_code == 403
    # A closed task's files are frozen with it.
    client.force_login(office)
    verification.record(office, task, Decimal(1200))
    task.refresh_from_db()
    client.post(url, {"files": [png()], "version": task.version})
    remove = reverse("supervision:verification-evidence-remove", args=[item.pk])
    client.post(remove, {"version": task.version})
    assert VerificationEvidence.objects.count() == 1


def test_the_office_removes_a_file_from_an_open_task(
    client, office, task, evidence_root, django_capture_on_commit_callbacks
):
    verification.attach(office, task, [verification_file()], version=task.version)
    item = VerificationEvidence.objects.get()
    task.refresh_from_db()
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("supervision:verification-evidence-remove", args=[item.pk]),
            {"version": task.version},
        )
    assert not VerificationEvidence.objects.exists() and stored_files(evidence_root) == []


def verification_file():
    from indicators import evidence

    return evidence.prepare(png())


# --- Who may ---


def test_who_reads_and_who_changes_a_task(client, office, leader, rsj, report, task, entry):
    admin = make_user("t-admin")
    admin.is_superuser = True
    admin.save()
    pages = [f"/verification/?report={report.pk}", f"/verification/{task.pk}/"]
    for user, status in ((office, 200), (admin, 200), (leader, 200), (rsj, 403)):
        client.force_login(user)
        assert [client.get(p).status_code for p in pages] == [status, status], user
    # Leaders read the status; only the office (and an administrator) record.
    client.force_login(leader)
    page = client.get(f"/verification/{task.pk}/").content.decode()
    assert "待核实" in page and 'id="verification-record"' not in page
    assert record_post(client, task, "1200").status_code == 403
    posts = {
        reverse("supervision:verification-mark"): {"report": report.pk, "entries": [entry.pk]},
        reverse("supervision:verification-sample"): {"report": report.pk, "month": 9, "count": 1},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403
    client.force_login(admin)
    record_post(client, task, "1200")
    task.refresh_from_db()
    assert task.state == State.VERIFIED and task.verified_by == admin
    client.logout()
    assert client.get(pages[1]).status_code == 302  # to the login page


def test_reporters_see_nothing_of_a_pending_task(client, rsj, task, jobs):
    client.force_login(rsj)
    page = client.get(f"/indicators/{jobs.pk}/?month={MONTH}").content.decode()
    card = page.split('id="verification"')[1].split("</section>")[0]
    assert "待核实" not in card and "/verification/" not in card and "尚无核实记录" in card
    assert "核实" not in client.get(f"/report/2023/{MONTH}/").content.decode().split("<main>")[0]


def test_another_countys_office_gets_404_for_every_task_url(client, office, neighbour, task):
    item = verification.attach(office, task, [verification_file()], version=task.version)
    item = VerificationEvidence.objects.get()
    client.force_login(neighbour)
    gets = [
        reverse("supervision:verification", args=[task.pk]),
        reverse("supervision:verification-evidence", args=[item.pk]),
        reverse("supervision:verification-evidence-thumbnail", args=[item.pk]),
    ]
    posts = [
        reverse("supervision:verification-record", args=[task.pk]),
        reverse("supervision:verification-evidence-add", args=[task.pk]),
        reverse("supervision:verification-evidence-remove", args=[item.pk]),
    ]
    assert [client.get(url).status_code for url in gets] == [404] * 3
    assert [client.post(url, {"version": 2}).status_code for url in posts] == [404] * 3
    mark = {"report": task.report_id, "entries": [task.entry_id]}
    assert client.post(reverse("supervision:verification-mark"), mark).status_code == 404
    # Its own list shows nothing of 柳城县.
    assert "LV-01" not in client.get("/verification/").content.decode()


def test_the_header_links_the_office_to_verification(client, office, leader, rsj):
    for user, shown in ((office, True), (leader, False), (rsj, False)):
        client.force_login(user)
        assert ('href="/verification/' in client.get("/notices/").content.decode()) == shown


# --- An archived report ---


def test_an_archived_report_takes_no_task_and_no_result(client, office, report, entry, task):
    Report.objects.filter(pk=report.pk).update(state=Report.State.ARCHIVED)
    report.refresh_from_db()
    other = approve(Indicator.objects.get(report=report, code="LV-02"), MONTH, 4)
    for attempt in (
        lambda: verification.mark(office, report, [other]),
        lambda: verification.sample(office, report, MONTH, 1),
        lambda: verification.record(office, task, Decimal(1200)),
    ):
        with pytest.raises(verification.VerificationError, match="已归档"):
            attempt()
    client.force_login(office)
    response = client.post(
        reverse("supervision:verification-mark"),
        {"report": report.pk, "entries": [other.pk]},
        follow=True,
    )
    assert "已归档" in response.content.decode()
    assert VerificationTask.objects.count() == 1
    page = client.get(f"/verification/{task.pk}/").content.decode()
    assert 'id="verification-record"' not in page and "已归档" in page


# --- Pages stay the same size ---


def test_the_list_runs_the_same_queries_for_one_task_or_many(client, office, report):
    entries = month_entries(report, CODES)
    flag(entries[:2])
    verification.mark(office, report, entries[:1])
    client.force_login(office)
    url = f"/verification/?report={report.pk}&month={MONTH}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    verification.mark(office, report, entries[1:4])
    verification.record(office, VerificationTask.objects.get(entry=entries[1]), Decimal(11))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
