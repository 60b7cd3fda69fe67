"""Supervision slips (督办单): the workflow (issue → answer → accept/return → close), its
permission matrix, colours at their boundaries, history, and the pages."""

import datetime

import pytest
from django.urls import reverse

from indicators.models import Department, Indicator, Region
from supervision import slips
from supervision.models import Notice, Slip

from .conftest import approve, make_user

TODAY = datetime.date(2023, 10, 10)


@pytest.fixture
def target(report):
    return Indicator.objects.get(report=report, code="EC-06")  # a milestone led by 发改局


def new_slip(report, target, **fields):
    values = {
        "report": report,
        "month": 9,
        "department": target.lead_department,
        "indicator": target,
        "reason": Slip.Reason.FAR_BEHIND,
        "matter": "EC-06 严重滞后",
        "gap": "低于序时进度20个百分点",
        "requirement": "请反馈整改措施",
        "reply_by": TODAY + datetime.timedelta(days=7),
        **fields,
    }
    return Slip(**values)


@pytest.fixture
def issued(report, target, reviewer, fgj):
    return slips.issue(reviewer, new_slip(report, target))


def answer(user, slip):
    return slips.move(
        user,
        slip,
        slips.ANSWER,
        slip.version,
        fields={"causes": "征地未完成", "measures": "倒排工期", "recover_by": TODAY},
    )


# --- Colours ---


@pytest.mark.parametrize(
    ("state", "days_left", "expected"),
    [
        ("issued", 4, slips.YELLOW),
        ("issued", 3, slips.BLUE),
        ("issued", 0, slips.BLUE),
        ("issued", -1, slips.RED),
        ("returned", -1, slips.RED),
        ("answered", -5, slips.YELLOW),  # answered in time: still behind, no longer overdue
        ("accepted", -5, slips.YELLOW),
        ("closed", -5, None),
    ],
)
def test_a_slips_colour_follows_its_reply_deadline_and_state(state, days_left, expected):
    reply_by = TODAY + datetime.timedelta(days=days_left)
    assert slips.colour(state, reply_by, TODAY, near_days=3) == expected


# --- Workflow ---


def test_the_office_issues_the_department_answers_and_the_office_closes(
    report, target, issued, fgj, reviewer
):
    assert issued.state == Slip.State.ISSUED and issued.issued_by == reviewer
    assert Notice.objects.filter(user=fgj, title__contains="督办单").exists()
    answered = answer(fgj, issued)
    assert answered.state == Slip.State.ANSWERED and answered.answered_by == fgj
    assert Notice.objects.filter(user=reviewer, title__contains="已反馈").exists()
    returned = slips.move(
        reviewer, answered, slips.RETURN, answered.version, fields={"office_comment": "措施不具体"}
    )
    assert returned.state == Slip.State.RETURNED
    again = answer(fgj, returned)
    accepted = slips.move(reviewer, again, slips.ACCEPT, again.version)
    assert accepted.state == Slip.State.ACCEPTED
    approve(target, 10, 90)  # back on track (83 % expected by October)
    closed = slips.move(
        reviewer,
        accepted,
        slips.CLOSE,
        accepted.version,
        fields={"closing": Slip.Closing.RECOVERED},
        today=TODAY,
    )
    assert closed.state == Slip.State.CLOSED and not closed.is_open
    states = list(closed.history.order_by("history_date").values_list("state", flat=True))
    assert states == ["issued", "answered", "returned", "answered", "accepted", "closed"]
    users = list(closed.history.order_by("history_date").values_list("history_user", flat=True))
    assert users == [reviewer.pk, fgj.pk, reviewer.pk, fgj.pk, reviewer.pk, reviewer.pk]


def test_closing_as_recovered_needs_the_target_back_on_track(issued, fgj, reviewer):
    accepted = slips.move(reviewer, answer(fgj, issued), slips.ACCEPT, issued.version + 1)
    with pytest.raises(slips.SlipError, match="仍未达到序时进度"):
        slips.move(
            reviewer,
            accepted,
            slips.CLOSE,
            accepted.version,
            fields={"closing": Slip.Closing.RECOVERED},
            today=TODAY,
        )


def test_the_office_may_close_by_decision_at_any_stage_with_its_reasons(issued, reviewer):
    with pytest.raises(slips.SlipError, match="销号理由"):
        slips.move(reviewer, issued, slips.CLOSE, issued.version, fields={"closing": "decision"})
    closed = slips.move(
        reviewer,
        issued,
        slips.CLOSE,
        issued.version,
        fields={"closing": "decision", "office_comment": "目标调整，经研究销号"},
    )
    assert closed.state == Slip.State.CLOSED


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("issued", slips.ACCEPT),
        ("issued", slips.RETURN),
        ("answered", slips.ANSWER),
        ("accepted", slips.ANSWER),
        ("accepted", slips.RETURN),
        ("closed", slips.ANSWER),
        ("closed", slips.CLOSE),
    ],
)
def test_moves_outside_the_workflow_are_refused(issued, fgj, reviewer, state, action):
    Slip.objects.filter(pk=issued.pk).update(state=state)
    user = fgj if action == slips.ANSWER else reviewer
    with pytest.raises(slips.SlipError, match="督办单状态"):
        slips.move(user, issued, action, None, fields={"causes": "a", "measures": "b"})


def test_a_stale_version_is_refused(issued, fgj):
    with pytest.raises(slips.SlipError, match="已被他人处理"):
        slips.move(
            fgj, issued, slips.ANSWER, issued.version + 5, fields={"causes": "a", "measures": "b"}
        )


def test_an_answer_needs_causes_and_measures(issued, fgj):
    with pytest.raises(slips.SlipError, match="滞后原因和整改措施"):
        slips.move(fgj, issued, slips.ANSWER, issued.version, fields={"causes": "a"})


def test_a_slip_goes_to_the_targets_lead_department(report, target, reviewer):
    other = Department.objects.get(code="rsj")
    with pytest.raises(slips.SlipError, match="牵头单位"):
        slips.issue(reviewer, new_slip(report, target, department=other))


# --- Permission matrix ---


@pytest.fixture
def personas(report, fgj, rsj, reviewer, leader):
    city = Region.objects.create(name="柳州市", level="city")
    elsewhere = Region.objects.create(name="鹿寨县", parent=city)
    foreign_office = make_user("t-foreign-reviewer", "reviewer", region=elsewhere)
    return {
        "fgj": fgj,
        "rsj": rsj,
        "reviewer": reviewer,
        "leader": leader,
        "foreign_office": foreign_office,
    }


ALLOWED = {
    slips.ISSUE: {"reviewer"},
    slips.ANSWER: {"fgj"},
    slips.ACCEPT: {"reviewer"},
    slips.RETURN: {"reviewer"},
    slips.CLOSE: {"reviewer"},
}
READY = {
    slips.ISSUE: None,
    slips.ANSWER: "issued",
    slips.ACCEPT: "answered",
    slips.RETURN: "answered",
    slips.CLOSE: "issued",
}


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("who", ["fgj", "rsj", "reviewer", "leader", "foreign_office"])
def test_permission_matrix(report, target, reviewer, personas, who, action):
    user = personas[who]
    if action == slips.ISSUE:
        slip = new_slip(report, target)
    else:
        slip = slips.issue(reviewer, new_slip(report, target))
        Slip.objects.filter(pk=slip.pk).update(state=READY[action])
        slip.refresh_from_db()
    assert (slips.refusal(user, slip, action) is None) == (who in ALLOWED[action])


# --- Pages ---


def slip_url(slip, action=None):
    if action:
        return reverse("supervision:slip-action", args=[slip.pk, action])
    return reverse("supervision:slip", args=[slip.pk])


def test_the_office_issues_a_slip_from_the_target_page(client, report, target, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("reporting:indicator", args=[target.pk]) + "?month=9")
    assert "下发督办单" in page.content.decode()
    new = reverse("supervision:slip-new") + f"?indicator={target.pk}&month=9"
    form = client.get(new)
    assert form.status_code == 200 and "EC-06" in form.content.decode()
    response = client.post(
        new,
        {
            "indicator": target.pk,
            "month": 9,
            "matter": "EC-06 备案严重滞后",
            "gap": "低于序时进度30个百分点",
            "requirement": "10日内反馈",
            "reply_by": "2023-10-20",
        },
    )
    slip = Slip.objects.get()
    assert response.status_code == 302 and response["Location"] == slip_url(slip)
    assert slip.department == target.lead_department and slip.issued_by == reviewer
    page = client.get(reverse("reporting:indicator", args=[target.pk]) + "?month=9")
    assert slip.number in page.content.decode()
    page = client.get(
        reverse("reporting:department", args=[slip.department_id]) + f"?report={report.pk}"
    )
    assert slip.number in page.content.decode()


def test_the_slip_form_refuses_outsiders_and_readers(client, target, fgj, leader):
    new = reverse("supervision:slip-new") + f"?indicator={target.pk}&month=9"
    for user in (fgj, leader):
        client.force_login(user)
        assert client.get(new).status_code == 403
        assert client.post(new, {"matter": "x"}).status_code == 403
    assert not Slip.objects.exists()


def test_the_department_answers_on_the_slip_page(client, issued, fgj):
    client.force_login(fgj)
    assert "提交反馈" in client.get(slip_url(issued)).content.decode()
    response = client.post(
        slip_url(issued, "answer"),
        {
            "version": issued.version,
            "causes": "青苗补偿未谈妥",
            "measures": "分片包干",
            "recover_by": "2023-11-30",
        },
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.state == Slip.State.ANSWERED and issued.measures == "分片包干"


def test_another_department_cannot_read_or_answer_the_slip(client, issued, rsj):
    client.force_login(rsj)
    assert client.get(slip_url(issued)).status_code == 403
    data = {"version": issued.version, "causes": "x", "measures": "y", "recover_by": "2023-11-30"}
    assert client.post(slip_url(issued, "answer"), data).status_code == 403
    issued.refresh_from_db()
    assert issued.state == Slip.State.ISSUED


def test_a_leader_reads_slips_but_changes_nothing(client, issued, leader):
    client.force_login(leader)
    page = client.get(slip_url(issued)).content.decode()
    assert issued.matter in page
    assert not any(f'id="slip-{form}"' in page for form in ("answer", "accept", "close"))
    for action in ("answer", "accept", "return", "close"):
        data = {"version": issued.version, "closing": "decision", "office_comment": "x"}
        assert client.post(slip_url(issued, action), data).status_code == 403
    assert client.get(reverse("supervision:slips") + "?year=2023").status_code == 200


def test_the_department_sees_only_its_own_slips_in_the_list(client, issued, fgj, rsj):
    url = reverse("supervision:slips") + "?year=2023&month=9"
    client.force_login(fgj)
    assert issued.number in client.get(url).content.decode()
    client.force_login(rsj)
    assert issued.number not in client.get(url).content.decode()


def test_anonymous_is_sent_to_log_in(client, issued):
    response = client.get(slip_url(issued))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
