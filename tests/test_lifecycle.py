"""A report's life (筹备 → 执行 → 收尾 → 归档) and its one gate, ``indicators.lifecycle``.

Every move is allowed from its own state only, by the office of the report's region (or the
administrator), under the rules the gate documents; each is written to the audit log; two at
once make one move. A report in 筹备 or 归档 takes no figure (the workflow gate), and an archived
one's 通报 and 督办单 are frozen (the supervision gates). The admin's change list makes the moves
through the same gate, and its change form never moves the state.
"""

import datetime
import re
import threading
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from audit.models import Action, AuditRecord
from indicators import lifecycle, workflow
from indicators.models import Department, EntryState, Indicator, Region, Report, User
from supervision import bulletins, slips
from supervision.models import Slip

from .conftest import approve, make_next_year, make_project, make_user, submit

State = Report.State
DECEMBER = datetime.date(2023, 12, 1)
ALL_STATES = list(State)


@pytest.fixture
def next_year(report):
    """柳城县's 2024 report in 筹备, with one section and one target."""
    return make_next_year(report)


def in_state(report, state):
    """``report`` put in ``state`` directly (the state the test starts from, not a move)."""
    Report.objects.filter(pk=report.pk).update(state=state)
    report.refresh_from_db()
    return report


def state_records(report):
    """The audit log's records of ``report``'s state changes, as (actor id, old, new)."""
    found = AuditRecord.objects.filter(
        action=Action.CHANGED, object_label="indicators.Report", object_id=str(report.pk)
    ).order_by("id")
    return [
        (r.actor_id, r.detail["changes"]["state"]["old"], r.detail["changes"]["state"]["new"])
        for r in found
        if "state" in r.detail.get("changes", {})
    ]


def refused(user, report, name, today=DECEMBER):
    """The gate's refusal of ``name`` (the report's state left as it was, nothing recorded)."""
    report.refresh_from_db()
    before, records = report.state, state_records(report)
    with pytest.raises(lifecycle.Refused) as raised:
        lifecycle.move(user, report, name, today)
    report.refresh_from_db()
    assert report.state == before and state_records(report) == records
    return str(raised.value)


# --- Each move, allowed and recorded --------------------------------------------------------------


@pytest.mark.parametrize("name", list(lifecycle.MOVES))
def test_each_move_goes_from_its_state_to_the_next_and_is_recorded(name, office, next_year):
    move = lifecycle.MOVES[name]
    report = in_state(next_year, move.source)
    moved = lifecycle.move(office, report, name, today=datetime.date(2024, 12, 1))
    assert moved.state == move.target
    assert Report.objects.get(pk=report.pk).state == move.target
    # Made outside a request (a shell, a command): the record still names who moved it.
    assert state_records(report) == [(office.pk, str(move.source), str(move.target))]


def test_the_year_goes_round_through_the_gate(office, next_year):
    """Publish, close the year in December, resume, close again, archive: five records."""
    today = datetime.date(2024, 12, 15)
    for name in ("publish", "close_year", "resume", "close_year", "archive"):
        lifecycle.move(office, next_year, name, today)
    next_year.refresh_from_db()
    assert next_year.is_archived
    assert [new for _who, _old, new in state_records(next_year)] == [
        "active", "closing", "active", "closing", "archived",
    ]  # fmt: skip


def test_the_administrator_moves_any_regions_report(admin_user, next_year):
    lifecycle.move(admin_user, next_year, "publish")
    assert Report.objects.get(pk=next_year.pk).state == State.ACTIVE


@pytest.mark.parametrize(
    ("name", "state"),
    [
        (name, state)
        for name, move in lifecycle.MOVES.items()
        for state in ALL_STATES
        if state != move.source
    ],
)
def test_a_move_from_another_state_is_refused(office, next_year, name, state):
    report = in_state(next_year, state)
    message = refused(office, report, name)
    assert f"现为“{report.get_state_display()}”" in message
    assert str(lifecycle.MOVES[name].label) in message


def test_the_unknown_move_is_refused(office, next_year):
    assert refused(office, next_year, "delete") == "没有这个操作。"


# --- The rules of each move -----------------------------------------------------------------------


def test_a_report_without_targets_is_not_published(office, next_year):
    next_year.indicators.all().delete()
    assert "还没有目标任务，不能发布" in refused(office, next_year, "publish")


def test_a_report_goes_back_to_preparation_only_while_it_has_no_figure(office, report, fgj):
    """One draft figure, a target's or a project's, is enough to keep the report live."""
    assert lifecycle.moves_for(office, report)[0][1] is None  # unpublish: allowed, no figure yet
    entry = submit(fgj, Indicator.objects.get(report=report, code="EC-05"), 9, workflow.SAVE,
                   value=Decimal(5))  # fmt: skip
    assert "已有填报数据，不能退回筹备" in refused(office, report, "unpublish")
    entry.delete()
    submit(fgj, make_project(report), 9, workflow.SAVE, investment_completed=Decimal(1))
    assert "已有填报数据，不能退回筹备" in refused(office, report, "unpublish")


def test_the_year_closes_from_december_on(office, report):
    message = refused(office, report, "close_year", today=datetime.date(2023, 11, 30))
    assert message == "2023年12月起才能转入收尾。"
    lifecycle.move(office, report, "close_year", today=DECEMBER)
    assert Report.objects.get(pk=report.pk).state == State.CLOSING


def test_the_clock_decides_without_a_date(office, report):
    """``today`` defaults to the local date: in November the year does not close."""
    tz = timezone.get_current_timezone()
    with time_machine.travel(datetime.datetime(2023, 11, 30, 23, tzinfo=tz)):
        assert "12月起" in refused(office, report, "close_year", today=None)
    with time_machine.travel(datetime.datetime(2024, 1, 10, 9, tzinfo=tz)):
        lifecycle.move(office, report, "close_year")
    assert Report.objects.get(pk=report.pk).state == State.CLOSING


def test_a_report_with_rows_waiting_for_review_is_not_archived(office, report, fgj):
    submit(fgj, Indicator.objects.get(report=report, code="EC-05"), 11, value=Decimal(5))
    submit(fgj, make_project(report), 11, investment_completed=Decimal(1))
    lifecycle.move(office, report, "close_year", DECEMBER)
    assert "还有2条数据待审核，审核后才能归档" in refused(office, report, "archive")


def test_a_target_awaiting_annual_statistics_holds_the_archive_until_december_is_approved(
    office, report
):
    awaited = Indicator.objects.filter(report=report, code__in=["EC-01", "EC-02"])
    awaited.update(awaits_annual_statistics=True)
    in_state(report, State.CLOSING)
    message = refused(office, report, "archive")
    assert message == "还有2项目标任务待统计年报（EC-01、EC-02），录入审核后才能归档。"
    approve(Indicator.objects.get(report=report, code="EC-01"), 12, 100)
    approve(Indicator.objects.get(report=report, code="EC-02"), 11, 100)  # not December
    assert "（EC-02）" in refused(office, report, "archive")
    approve(Indicator.objects.get(report=report, code="EC-02"), 12, 100)
    lifecycle.move(office, report, "archive")
    assert Report.objects.get(pk=report.pk).is_archived


def sysadmin_of(region):
    user = User.objects.create_user("t-sysadmin", password="pw-for-tests-1", region=region)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=roles.SYSADMIN))
    return user


@pytest.mark.parametrize(
    "who", ["reporter", "leader", "other office", "city office", "sysadmin", "region sysadmin"]
)
def test_only_the_regions_office_moves_a_report(who, report, next_year, fgj, leader):
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    Region.objects.filter(pk=report.region_id).update(parent=city)
    other = Region.objects.create(name="鹿寨县", code="450223")
    user = {
        "reporter": lambda: fgj,
        "leader": lambda: leader,
        "other office": lambda: make_user("lz-office", "reviewer", region=other),
        "city office": lambda: make_user("lzs-office", "reviewer", region=city),
        "sysadmin": lambda: sysadmin_of(None),
        "region sysadmin": lambda: sysadmin_of(report.region),
    }[who]()
    for subject, name in ((next_year, "publish"), (report, "close_year")):
        message = refused(user, subject, name)
        assert message == "只有本地区的督查室可以发布、收尾或归档工作报告。"
        assert all(reason for _move, reason in lifecycle.moves_for(user, subject, DECEMBER))


# --- Two at once ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_publishes_at_once_make_one_move(report, next_year):
    """Two offices' clicks released together: one publishes, the other is told it is published."""
    offices = [make_user(f"t-office-{n}", "reviewer") for n in range(2)]
    barrier = threading.Barrier(len(offices))
    outcomes = [None] * len(offices)

    def publish(index):
        try:
            barrier.wait()
            lifecycle.move(offices[index], next_year, "publish")
            outcomes[index] = "moved"
        except lifecycle.Refused as refusal:
            outcomes[index] = str(refusal)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(len(offices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("moved") == 1, outcomes
    assert "现为“执行”，不能发布" in next(o for o in outcomes if o != "moved")
    assert [(old, new) for _who, old, new in state_records(next_year)] == [("preparing", "active")]


# --- The workflow gate in 筹备 and 归档 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "said"),
    [
        (State.ARCHIVED, "已归档，数据不能再修改"),
        (State.PREPARING, "尚在筹备，发布后才能填报和审核"),
    ],
)
def test_no_figure_changes_in_preparation_or_archive(state, said, report, fgj, reviewer):
    """Save, submit, approve and reopen are all refused, with the report's state as the reason;
    the subjects were read before the report moved (a page opened before the archive), and the
    gate reads the state under its lock, not from them."""
    target = Indicator.objects.get(report=report, code="EC-05")
    project = make_project(report)
    approve(target, 8, 10)  # approved: to reopen
    submit(fgj, target, 9, value=Decimal(20))  # waiting: to approve
    submit(fgj, project, 9, investment_completed=Decimal(5))
    in_state(report, state)
    attempts = [
        (fgj, target, 10, workflow.SAVE, {"value": Decimal(30)}),
        (fgj, target, 10, workflow.SUBMIT, {"value": Decimal(30)}),
        (fgj, project, 10, workflow.SUBMIT, {"investment_completed": Decimal(1)}),
        (reviewer, target, 9, workflow.APPROVE, {}),
        (reviewer, project, 9, workflow.APPROVE, {}),
        (reviewer, target, 8, workflow.REOPEN, {}),
    ]
    for user, subject, month, action, fields in attempts:
        model = subject.entry_model
        stored = model.objects.filter(**{model.subject_field: subject, "month": month}).first()
        change = workflow.Change(subject, month, fields, stored.version if stored else 0)
        with pytest.raises(workflow.Refused) as raised:
            workflow.apply(user, [change], action, comment="请更正")
        assert said in str(raised.value), (action, str(raised.value))
    states = sorted(target.entries.values_list("month", "state"))
    assert states == [(8, EntryState.APPROVED), (9, EntryState.SUBMITTED)]


# --- The admin ------------------------------------------------------------------------------------

CHANGELIST = "admin:indicators_report_changelist"


def run_action(client, name, *reports):
    return client.post(
        reverse(CHANGELIST),
        {"action": f"lifecycle_{name}", "_selected_action": [r.pk for r in reports]},
        follow=True,
    )


def said(response):
    return [str(m) for m in response.context["messages"]]


def test_the_admins_actions_move_the_offices_reports(client, office, report, next_year):
    client.force_login(office)
    with time_machine.travel(
        datetime.datetime(2023, 11, 15, 9, tzinfo=timezone.get_current_timezone())
    ):
        response = run_action(client, "publish", next_year)
        assert said(response) == ["已发布1份工作报告。"]
        assert Report.objects.get(pk=next_year.pk).state == State.ACTIVE
        # One refused (not December yet), one refused (not in 执行): each says why.
        response = run_action(client, "close_year", report)
        assert said(response) == ["2023年12月起才能转入收尾。"]
        response = run_action(client, "resume", report)
        assert said(response) == ["“2023年柳城县政府工作报告”现为“执行”，不能恢复执行。"]
    report.refresh_from_db()
    assert report.state == State.ACTIVE
    assert state_records(next_year)[0][0] == office.pk


def move_buttons(page):
    """The report page's move buttons: {move name: disabled?}."""
    html = page.content.decode()
    found = re.findall(
        r'<button type="submit" class="lifecycle-move" data-move="(\w+)"( disabled)?', html
    )
    return {name: bool(disabled) for name, disabled in found}


def test_the_reports_page_offers_its_moves_and_says_why_one_is_refused(client, office, next_year):
    client.force_login(office)
    url = reverse("admin:indicators_report_change", args=[next_year.pk])
    page = client.get(url)
    assert move_buttons(page) == {"publish": False}
    assert "筹备" in page.content.decode()
    # Its button posts the change list's action for this report, and comes back to the page.
    response = client.post(
        reverse(CHANGELIST),
        {"action": "lifecycle_publish", "_selected_action": [next_year.pk], "_back_to_report": 1},
    )
    assert response.status_code == 302 and response.url == url
    with time_machine.travel(
        datetime.datetime(2024, 1, 10, 9, tzinfo=timezone.get_current_timezone())
    ):
        page = client.get(url)
        # 2024's December is far: 转入收尾 is greyed, its reason written on the page.
        assert move_buttons(page) == {"unpublish": False, "close_year": True}
        assert "2024年12月起才能转入收尾。" in page.content.decode()
        approve(Indicator.objects.get(report=next_year), 1, 5)
        page = client.get(url)
        assert move_buttons(page) == {"unpublish": True, "close_year": True}
        assert "已有填报数据，不能退回筹备。" in page.content.decode()


def test_the_system_administrator_sees_the_moves_greyed(client, report, next_year):
    client.force_login(sysadmin_of(report.region))
    page = client.get(reverse("admin:indicators_report_change", args=[next_year.pk]))
    assert move_buttons(page) == {"publish": True}
    assert "只有本地区的督查室可以发布、收尾或归档工作报告。" in page.content.decode()


def test_the_admin_offers_a_move_on_no_other_regions_report(client, report, next_year):
    other = Region.objects.create(name="鹿寨县", code="450223")
    office = make_user("lz-office", "reviewer", region=other)
    office.is_staff = True
    office.save()
    client.force_login(office)
    response = run_action(client, "publish", next_year)
    assert response.status_code == 200
    assert Report.objects.get(pk=next_year.pk).state == State.PREPARING
    assert state_records(next_year) == []


def test_the_state_is_not_a_field_of_the_change_form(client, office, next_year):
    client.force_login(office)
    url = reverse("admin:indicators_report_change", args=[next_year.pk])
    page = client.get(url)
    assert 'name="state"' not in page.content.decode()
    data = form_data(page)
    data.update(state=State.ARCHIVED, title="2024年柳城县政府工作报告（修订）")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    next_year.refresh_from_db()
    assert next_year.title == "2024年柳城县政府工作报告（修订）"
    assert next_year.state == State.PREPARING


def form_data(page):
    """What the admin's change form would post back unchanged: its fields and inline forms."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline_form in formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[inline_form.add_prefix(name)] = "" if value is None else value
    return data


# --- The archive freezes the 通报 and the 督办单 --------------------------------------------------


@pytest.fixture
def slip(report, reviewer):
    fgj = Department.objects.get(code="fgj")
    return slips.issue(
        reviewer,
        Slip(
            report=report, month=9, department=fgj, reason=Slip.Reason.FAR_BEHIND,
            matter="事项", requirement="请反馈", reply_by=datetime.date(2023, 10, 20),
        ),
    )  # fmt: skip


def new_slip(report):
    return Slip(
        report=report, month=9, department=Department.objects.get(code="fgj"),
        reason=Slip.Reason.FAR_BEHIND, matter="事项", requirement="请反馈",
        reply_by=datetime.date(2024, 1, 20),
    )  # fmt: skip


def test_an_archived_reports_slips_are_frozen(report, reviewer, fgj, slip):
    in_state(report, State.ARCHIVED)
    slip.report.refresh_from_db()
    frozen = "“2023年柳城县政府工作报告”已归档，督办单不能再下发或办理。"
    with pytest.raises(slips.SlipError, match=frozen):
        slips.issue(reviewer, new_slip(report))
    fields = {"causes": "原因", "measures": "措施"}
    with pytest.raises(slips.SlipError, match=frozen):
        slips.move(fgj, slip, slips.ANSWER, slip.version, fields=fields)
    for action in (slips.ACCEPT, slips.CLOSE):
        assert slips.refusal(reviewer, slip, action) == frozen
    assert Slip.objects.count() == 1 and Slip.objects.get().state == slip.state


def test_an_open_slip_holds_the_archive_until_it_is_closed(office, report, slip):
    in_state(report, State.CLOSING)
    assert refused(office, report, "archive") == (
        "“2023年柳城县政府工作报告”还有1份督办单未销号，销号后才能归档。"
    )
    Slip.objects.filter(pk=slip.pk).update(state=Slip.State.CLOSED)
    lifecycle.move(office, report, "archive")
    assert Report.objects.get(pk=report.pk).is_archived


def test_no_slip_is_issued_on_a_report_in_preparation(next_year, reviewer):
    with pytest.raises(slips.SlipError, match="尚在筹备，发布后才能下发督办单"):
        slips.issue(reviewer, new_slip(next_year))
    assert not Slip.objects.exists()


def test_a_closing_reports_slips_still_move(report, reviewer, fgj, slip):
    in_state(report, State.CLOSING)
    slip.report.refresh_from_db()
    slips.move(fgj, slip, slips.ANSWER, slip.version, fields={"causes": "原", "measures": "措"})
    assert Slip.objects.get().state == "answered"


def test_an_archived_reports_bulletins_are_frozen(client, report, reviewer):
    draft = bulletins.save_draft(reviewer, report, 9, "九月通报", "正文", 0)
    in_state(report, State.ARCHIVED)
    frozen = "“2023年柳城县政府工作报告”已归档，通报不能再修改。"
    for attempt in (
        lambda: bulletins.save_draft(reviewer, report, 9, "改", "改", draft.version),
        lambda: bulletins.regenerate(reviewer, report, 9),
        lambda: bulletins.publish(reviewer, report, 9, draft.version),
        lambda: bulletins.save_draft(reviewer, report, 10, "十月", "新", 0),
    ):
        with pytest.raises(bulletins.BulletinError, match=frozen):
            attempt()
    stored = report.bulletins.get()
    assert (stored.title, stored.version, stored.state) == ("九月通报", draft.version, "draft")
    # The page offers no form, and a post is told why.
    client.force_login(reviewer)
    url = reverse("supervision:bulletin", args=[2023, 9]) + f"?report={report.pk}"
    assert 'name="body"' not in client.get(url).content.decode()
    action = reverse("supervision:bulletin-action", args=[2023, 9, "regenerate"])
    response = client.post(f"{action}?report={report.pk}", {"version": draft.version}, follow=True)
    assert said(response) == [frozen]


def test_no_bulletin_is_edited_in_preparation(next_year, reviewer):
    with pytest.raises(bulletins.BulletinError, match="尚在筹备，发布后才能编辑通报"):
        bulletins.regenerate(reviewer, next_year, 1)
    assert not next_year.bulletins.exists()
