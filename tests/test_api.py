"""The read-only API (/api/v1/): its schema, what each endpoint answers and to whom, ETags, rate
limits, the audit of every call, the public's part, and what each list costs as data grows."""

import datetime
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from audit.models import Action, AuditRecord
from indicators import workflow
from indicators.models import EntryState, Indicator, ProgressEntry, Section
from opendata import publishing
from reporting import demo as demo_cycle
from reporting import standing

from .api_helpers import caller, token_of
from .conftest import approve, make_next_year, submit

LISTS = ("regions", "reports", "sections", "targets", "values", "statuses", "forecasts")


@pytest.fixture(autouse=True)
def _after_the_year():
    moment = datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(moment):
        yield


def of_department(report, code, **filters):
    return (
        Indicator.objects.filter(
            report=report, lead_department__code=code, register_rule="", frequency="monthly"
        )
        .filter(**filters)
        .order_by("section__order", "order", "code")
        .first()
    )


def mine_value(month):
    return Decimal(month * 10) + Decimal("0.25")


def theirs_value(month):
    return Decimal(month * 7) + Decimal("0.5")


def pairs(target, months, value):
    return {(target, month, float(value(month))) for month in months}


@pytest.fixture
def figures(report, fgj, rsj, reviewer):
    """发改局's work item (a milestone, percent done) approved January to August with a ninth
    month still in review (its problems internal), 人社局's cumulative target approved January
    to July; a reporter with a name."""
    fgj.last_name = "张填报"
    fgj.save()
    mine = of_department(report, "fgj", kind="milestone")
    theirs = of_department(report, "rsj", kind="cumulative")
    for month in range(1, 9):
        approve(
            mine, month, mine_value(month), note=f"发改进展{month}", problems=f"发改问题{month}"
        )
    for month in range(1, 8):
        approve(theirs, month, theirs_value(month))
    submit(fgj, mine, 9, value=Decimal("95.75"), note="九月草稿", problems="九月内部问题")
    return {"mine": mine, "theirs": theirs}


def get(client, path, **query):
    response = client.get(path, query)
    return response, (response.json() if response.content else None)


# --- The schema ----------------------------------------------------------------------------------


def schema():
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3(report):
    document = schema()
    validate_openapi(document)
    assert document["openapi"].startswith("3.")
    assert {f"/api/v1/{name}/" for name in LISTS} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["Bearer"]["scheme"] == "bearer"


def answer_schema(document, path, status):
    content = document["paths"][path]["get"]["responses"][str(status)]["content"]
    reference = content["application/json"]["schema"]["$ref"]
    return {"$ref": reference, "components": document["components"]}


def check(document, template, response):
    """``response`` (to a call of ``template``) validated against the schema's own answer."""
    shape = answer_schema(document, template, response.status_code)
    errors = list(Draft202012Validator(shape).iter_errors(response.json()))
    assert not errors, (template, response.status_code, errors[:3])


def filled(template, ids):
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[template.split("/")[3]]), template)


def test_every_endpoints_answer_is_what_its_schema_says(report, figures, office):
    """Each endpoint is called with a token and without one (the public, once months are
    published), and its real answer is checked against the schema it declares."""
    publishing.switch_site(report.region, True, user=office)
    for month in range(1, 7):
        publishing.publish(report, month, user=office)
    document = schema()
    ids = {
        "regions": report.region_id,
        "reports": report.pk,
        "sections": figures["mine"].section_id,
        "targets": figures["mine"].pk,
    }
    token = caller(token_of(office))
    public = caller()
    seen = set()
    for template, item in document["paths"].items():
        if "get" not in item or template.endswith("/schema/"):
            continue
        path = filled(template, ids)
        for client in (token, public):
            response = client.get(path, {} if "{" in template else {"report": report.pk})
            if client is public and template.endswith("/forecasts/"):
                assert response.status_code == 401  # no forecast is public
            else:
                assert response.status_code == 200, (path, response.content)
                data = response.json()
                assert "items" not in data or data["items"], path  # something to check
            check(document, template, response)
        seen.add(template)
    assert len(seen) == 11  # a new endpoint is checked here too


# --- What the lists give -------------------------------------------------------------------------


def test_lists_are_paged_with_their_total(report, leader):
    client = caller(token_of(leader))
    _, whole = get(client, "/api/v1/targets/", report=report.pk, limit=1000)
    total = Indicator.objects.filter(report=report).count()
    assert whole["count"] == total == len(whole["items"])
    _, part = get(client, "/api/v1/targets/", report=report.pk, limit=5, offset=10)
    assert (part["count"], part["limit"], part["offset"]) == (total, 5, 10)
    assert part["items"] == whole["items"][10:15]
    response, data = get(client, "/api/v1/targets/", report=report.pk, limit=1001)
    assert response.status_code == 422 and data["detail"] == "参数有误：limit 不能大于1000。"
    response, data = get(client, "/api/v1/values/", report=report.pk, month=13)
    assert response.status_code == 422 and data["detail"] == "参数有误：month 不能大于12。"


def test_a_target_carries_its_unit_kind_section_lead_and_sentence(report, leader, figures):
    mine = figures["mine"]
    _, data = get(caller(token_of(leader)), f"/api/v1/targets/{mine.pk}/")
    assert data == {
        "id": mine.pk,
        "report_id": report.pk,
        "section_id": mine.section_id,
        "section": mine.section.name,
        "code": mine.code,
        "name": mine.name,
        "unit": mine.unit,
        "kind": "milestone",
        "kind_label": "节点型",
        "target": float(mine.target),
        "lead_department_id": mine.lead_department_id,
        "lead_department": "县发展和改革局",
        "source": mine.source_quote,
    }


def test_values_are_the_approved_figures_only(report, leader, figures):
    client = caller(token_of(leader))
    _, data = get(client, "/api/v1/values/", report=report.pk, limit=1000)
    mine, theirs = figures["mine"].pk, figures["theirs"].pk
    expected = pairs(mine, range(1, 9), mine_value) | pairs(theirs, range(1, 8), theirs_value)
    assert {(v["target_id"], v["month"], v["value"]) for v in data["items"]} == expected
    body = json.dumps(data, ensure_ascii=False)
    for internal in ("九月", "问题", "进展", "张填报", "t-fgj", "95.75"):
        assert internal not in body, internal
    _, june = get(client, "/api/v1/values/", report=report.pk, month=6)
    assert {(v["target_id"], v["value"]) for v in june["items"]} == {(mine, 60.25), (theirs, 42.5)}
    _, one = get(client, "/api/v1/values/", report=report.pk, target=theirs)
    assert [v["month"] for v in one["items"]] == list(range(1, 8))
    section = figures["theirs"].section_id
    _, by_section = get(client, "/api/v1/values/", report=report.pk, section=section)
    assert {v["target_id"] for v in by_section["items"]} <= set(
        Indicator.objects.filter(section_id=section).values_list("pk", flat=True)
    )
    assert theirs in {v["target_id"] for v in by_section["items"]}


def test_an_approval_shows_at_once(report, leader, reviewer, figures):
    client = caller(token_of(leader))
    first, data = get(client, "/api/v1/values/", report=report.pk, month=9)
    assert data["count"] == 0
    again = client.get(
        "/api/v1/values/", {"report": report.pk, "month": 9}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    entry = ProgressEntry.objects.get(indicator=figures["mine"], month=9)
    workflow.review(reviewer, [entry], workflow.APPROVE)
    after = client.get(
        "/api/v1/values/", {"report": report.pk, "month": 9}, HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert after.json()["items"] == [{"target_id": figures["mine"].pk, "month": 9, "value": 95.75}]


def test_the_etag_names_the_query_and_the_reader(report, leader, fgj, figures):
    leaders = caller(token_of(leader))
    one = leaders.get("/api/v1/targets/", {"report": report.pk})["ETag"]
    assert leaders.get("/api/v1/targets/", {"report": report.pk})["ETag"] == one
    assert leaders.get("/api/v1/targets/", {"report": report.pk, "limit": 5})["ETag"] != one
    assert caller(token_of(fgj)).get("/api/v1/targets/", {"report": report.pk})["ETag"] != one
    # A parameter the endpoint does not read changes nothing.
    assert leaders.get("/api/v1/targets/", {"report": report.pk, "junk": 1})["ETag"] == one


def test_statuses_and_forecasts_are_the_judged_lists(report, leader, figures):
    client = caller(token_of(leader))
    judged = {i.pk: i for i in standing.judged(report, 8)}
    _, statuses = get(client, "/api/v1/statuses/", report=report.pk, month=8, limit=1000)
    _, forecasts = get(client, "/api/v1/forecasts/", report=report.pk, month=8, limit=1000)
    assert statuses["count"] == forecasts["count"] == len(judged)
    for row in statuses["items"]:
        indicator = judged[row["target_id"]]
        assert (row["status"], row["month"]) == (indicator.progress.status, 8)
        assert row["label"] == str(indicator.progress.label)
    mine = next(row for row in statuses["items"] if row["target_id"] == figures["mine"].pk)
    assert (mine["actual"], mine["actual_month"]) == (80.25, 8)
    assert mine["phrase"].endswith("个百分点")
    for row in forecasts["items"]:
        assert row["verdict"] == judged[row["target_id"]].forecast.verdict
    projected = next(row for row in forecasts["items"] if row["target_id"] == figures["theirs"].pk)
    assert projected["verdict"] in ("likely", "at_risk") and projected["phrase"].startswith("预计")


def test_a_reporters_token_reads_only_their_departments_targets_and_figures(report, fgj, figures):
    client = caller(token_of(fgj))
    own = set(
        Indicator.objects.filter(report=report, lead_department=fgj.department).values_list(
            "pk", flat=True
        )
    )
    for name in ("targets", "values", "statuses", "forecasts"):
        _, data = get(client, f"/api/v1/{name}/", report=report.pk, limit=1000)
        key = "id" if name == "targets" else "target_id"
        assert data["items"] and {row[key] for row in data["items"]} <= own, name
    _, sections = get(client, "/api/v1/sections/", report=report.pk)
    assert {s["id"] for s in sections["items"]} == set(
        Section.objects.filter(indicators__pk__in=own).values_list("pk", flat=True)
    )
    # A colleague's target is refused as on the site (403), its figures are not listed.
    response, data = get(client, f"/api/v1/targets/{figures['theirs'].pk}/")
    assert response.status_code == 403 and "本单位" in data["detail"]
    response, _ = get(client, "/api/v1/values/", report=report.pk, target=figures["theirs"].pk)
    assert response.status_code == 404


def test_a_report_in_preparation_is_the_offices_alone(report, leader, fgj, office):
    next_year = make_next_year(report)
    for user in (leader, fgj):
        client = caller(token_of(user))
        _, data = get(client, "/api/v1/reports/")
        assert next_year.pk not in {r["id"] for r in data["items"]}
        for path in (f"/api/v1/reports/{next_year.pk}/", "/api/v1/targets/"):
            response, data = get(client, path, report=next_year.pk)
            assert response.status_code == 404 and data == {"detail": "未找到。"}
    _, data = get(caller(token_of(office)), "/api/v1/targets/", report=next_year.pk)
    assert [t["code"] for t in data["items"]] == ["N-01"]


def test_without_a_report_a_token_reads_its_own_regions_latest(report, leader):
    _, data = get(caller(token_of(leader)), "/api/v1/sections/")
    assert {s["report_id"] for s in data["items"]} == {report.pk}


# --- Limits and the audit ------------------------------------------------------------------------


def test_past_the_rate_a_token_is_refused_with_retry_after(report, leader, reviewer, settings):
    settings.API_TOKEN_RATE = 3
    busy, other = caller(token_of(leader)), caller(token_of(reviewer))
    answers = [busy.get("/api/v1/regions/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert answers[-1].json()["detail"].startswith("请求过于频繁")
    assert other.get("/api/v1/regions/").status_code == 200  # counted per token
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        assert busy.get("/api/v1/regions/").status_code == 200


def test_past_the_rate_an_address_without_a_token_is_refused(report, settings):
    settings.API_ANONYMOUS_RATE = 2
    statuses = [caller(address="10.1.1.1").get("/api/v1/regions/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert caller(address="10.1.1.2").get("/api/v1/regions/").status_code == 200
    assert caller(address="10.1.1.1").get("/api/v1/schema/").status_code == 429


def test_every_call_is_one_audit_record(report, leader, settings):
    settings.API_TOKEN_RATE = 5
    secret = token_of(leader)
    client = caller(secret)
    first = client.get("/api/v1/regions/", {"limit": 5})
    calls = [
        first,
        client.get("/api/v1/regions/", {"limit": 5}, HTTP_IF_NONE_MATCH=first["ETag"]),
        client.get("/api/v1/targets/987654/"),
        client.get("/api/v1/values/", {"month": 0}),
        caller("ctk_" + "y" * 43).get("/api/v1/reports/"),
        caller().get("/api/v1/schema/"),
        client.get("/api/v1/regions/"),
        client.get("/api/v1/regions/"),
    ]
    assert [c.status_code for c in calls] == [200, 304, 404, 422, 401, 200, 200, 429]
    records = list(AuditRecord.objects.filter(action=Action.API_CALL).order_by("id"))
    assert [r.detail["status"] for r in records] == [c.status_code for c in calls]
    prefix = secret[:12]
    assert [r.detail["token"] for r in records] == [prefix] * 4 + ["ctk_yyyyyyyy", ""] + [
        prefix
    ] * 2
    assert (
        records[0].detail["path"] == "/api/v1/regions/" and records[0].detail["query"] == "limit=5"
    )
    assert records[0].actor == leader and records[5].actor is None
    assert not AuditRecord.objects.filter(action=Action.REFUSED).exists()  # one record a call
    assert all(secret not in json.dumps(r.detail) for r in records)


# --- The public ---------------------------------------------------------------------------------


@pytest.fixture
def published(report, office, figures):
    """柳城县's page on, January to June published: July and August stay internal."""
    publishing.switch_site(report.region, True, user=office)
    for month in range(1, 7):
        publishing.publish(report, month, user=office)
    return report


def public_bodies(report, target):
    """Every public answer about ``report``: its text."""
    client = caller()
    paths = [f"/api/v1/{name}/" for name in LISTS] + [
        f"/api/v1/regions/{report.region_id}/",
        f"/api/v1/reports/{report.pk}/",
        f"/api/v1/sections/{target.section_id}/",
        f"/api/v1/targets/{target.pk}/",
    ]
    return [
        client.get(path, {"report": report.pk, "limit": 1000}).content.decode() for path in paths
    ]


def test_the_public_reads_only_published_approved_figures(published, figures):
    client = caller()
    _, regions = get(client, "/api/v1/regions/")
    assert [r["name"] for r in regions["items"]] == ["柳城县"]
    _, reports = get(client, "/api/v1/reports/")
    assert [(r["id"], r["published_through"]) for r in reports["items"]] == [(published.pk, 6)]
    _, values = get(client, "/api/v1/values/", report=published.pk, limit=1000)
    mine, theirs = figures["mine"].pk, figures["theirs"].pk
    assert {(v["target_id"], v["month"], v["value"]) for v in values["items"]} == pairs(
        mine, range(1, 7), mine_value
    ) | pairs(theirs, range(1, 7), theirs_value)
    _, july = get(client, "/api/v1/values/", report=published.pk, month=7)
    assert july["count"] == 0
    _, statuses = get(client, "/api/v1/statuses/", report=published.pk, limit=1000)
    row = next(s for s in statuses["items"] if s["target_id"] == mine)
    assert (row["month"], row["actual"], row["actual_month"]) == (6, 60.25, 6)
    response, data = get(client, "/api/v1/statuses/", report=published.pk, month=7)
    assert response.status_code == 404 and "6月" in data["detail"]
    response, data = get(client, "/api/v1/forecasts/", report=published.pk)
    assert response.status_code == 401 and "令牌" in data["detail"]
    response, data = get(client, "/api/v1/targets/")
    assert response.status_code == 400 and "report" in data["detail"]
    for body in public_bodies(published, figures["mine"]):
        for internal in (
            "70.25",
            "80.25",
            "95.75",
            "49.5",
            "问题",
            "进展",
            "草稿",
            "张填报",
            "t-fgj",
        ):
            assert internal not in body, (internal, body[:200])


def test_the_public_sees_only_the_fields_the_office_shows(published, office, figures):
    publishing.set_fields(published, [], user=office)
    _, data = get(caller(), f"/api/v1/targets/{figures['mine'].pk}/")
    assert data["lead_department"] is None and data["lead_department_id"] is None
    _, statuses = get(caller(), "/api/v1/statuses/", report=published.pk, limit=1000)
    assert all(s["completion"] is None and s["expected"] is None for s in statuses["items"])


def test_a_region_whose_page_is_off_shows_the_public_nothing(published, office, figures):
    publishing.switch_site(published.region, False, user=office)
    client = caller()
    for name in ("regions", "reports"):
        assert get(client, f"/api/v1/{name}/")[1]["count"] == 0
    for path in (
        "/api/v1/values/",
        f"/api/v1/reports/{published.pk}/",
        f"/api/v1/targets/{figures['mine'].pk}/",
        f"/api/v1/regions/{published.region_id}/",
    ):
        response, data = get(client, path, report=published.pk)
        assert response.status_code == 404 and data == {"detail": "未找到。"}


def test_a_signed_in_browser_calls_the_api_as_the_public(client, published, leader, figures):
    client.force_login(leader)
    _, values = get(client, "/api/v1/values/", report=published.pk, month=8)
    assert values["count"] == 0  # August is not published; the leader's session is no token


# --- Cost ---------------------------------------------------------------------------------------


def queries(client, path, query):
    """How many queries one call makes (its audit record's included)."""
    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        response = client.get(path, query)
    assert response.status_code == 200, (path, response.content[:200])
    return count


def costs(clients, report):
    """{(who, list): (queries cold, queries warm)} of every list endpoint."""
    found = {}
    for who, client in clients.items():
        for name in LISTS:
            if who == "public" and name == "forecasts":
                continue
            path, query = f"/api/v1/{name}/", {"report": report.pk, "limit": 1000}
            cache.clear()
            found[who, name] = (queries(client, path, query), queries(client, path, query))
    return found


def test_every_list_runs_the_same_queries_from_demo_size_to_a_city(report, leader, fgj, settings):
    """1x, the report grown ten times, then ten more counties under a city: each list's query
    count stays the same, cold (its body made) and warm (its body cached), for a leader, a
    reporter and the public."""
    settings.API_TOKEN_RATE = settings.API_ANONYMOUS_RATE = 10_000
    # The clock stands still: a token's last use is written once a minute.
    clock = time_machine.travel(timezone.now(), tick=False)
    clock.start()
    demo_cycle.load_demo()
    office = report.region.users.filter(username="reviewer").get()
    publishing.switch_site(report.region, True, user=office)
    for month in range(1, 7):
        publishing.publish(report, month, user=office)
    clients = {
        "leader": caller(token_of(leader)),
        "reporter": caller(token_of(fgj)),
        "public": caller(),
    }
    for client in clients.values():
        client.get("/api/v1/regions/")  # the token's last use noted: once a minute at most
    small = costs(clients, report)
    demo_cycle.grow(report, 10)
    assert (
        ProgressEntry.objects.filter(indicator__report=report, state=EntryState.APPROVED).count()
        > 1000
    )
    large = costs(clients, report)
    demo_cycle.add_counties(report, 10)
    city = costs(clients, report)
    assert large == small
    assert city == small
    clock.stop()
    assert all(warm < cold for cold, warm in small.values())
    print("queries per list (cold, warm):", small)
