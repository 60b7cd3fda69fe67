"""The API's scopes follow the cross-region matrix of "Trust" (tests/test_sealed_regions.py):
every API URL pattern, filled with county A's ids and asked with ``?report=`` (and section,
target, month) of A, as each of county B's personas with their own token, answers 404 for A's
ids and carries none of A's names, codes or ids; lists give B's own rows only. A report in 筹备
is likewise its office's alone. A new API pattern joins the sweep by itself."""

import re

import pytest
from django.urls import get_resolver

from api.endpoints import api
from indicators.models import Indicator, ProgressEntry, Region, Report, Section

from .api_helpers import caller, token_of
from .test_sealed_regions import (  # noqa: F401  (the matrix's counties and clock, as fixtures)
    MONTH,
    NEXT_CODES,
    NEXT_WORDS,
    _after_the_year,
    a_markers,
    city_office,
    county_a,
    county_a_next,
    county_b,
    leaks,
    walk,
)


@pytest.fixture
def sealed(request, db):
    """The matrix's fixtures by name (asked here, not as parameters named like the imports)."""
    return lambda *names: [request.getfixturevalue(name) for name in names]


NAMESPACE = "api-v1:"
# The model each detail pattern's <pk> names.
DETAIL_MODELS = {
    "api-v1:region": Region,
    "api-v1:report": Report,
    "api-v1:section": Section,
    "api-v1:target": Indicator,
}
# Which field of a row names which model's id.
ID_FIELDS = {
    "region_id": Region,
    "report_id": Report,
    "section_id": Section,
    "target_id": Indicator,
    "lead_department_id": None,
}
LIST_FIELD = {"regions": Region, "reports": Report, "sections": Section, "targets": Indicator}


def api_patterns():
    found = [
        (route, name)
        for route, name, _pattern in walk(get_resolver().url_patterns)
        if name and name.startswith(NAMESPACE) and name not in ("api-v1:api-root",)
    ]
    assert len(found) == 12, found  # eleven endpoints and the schema
    return found


def parameters():
    """{path: the query parameters its endpoint reads}, from the API's own schema."""
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        path: {p["name"] for p in item["get"]["parameters"] if p["in"] == "query"}
        for path, item in document["paths"].items()
    }


def calls(rows, own_report):
    """Every (path, query, whether it names ``rows``' own objects) the sweep asks: each detail
    pattern filled with ``rows``' ids; each list plainly, and with each parameter it reads that
    names an object set to ``rows``' (its report with a month; the caller's own report with
    ``rows``' section or target)."""
    reads = parameters()
    theirs = rows[Report].pk
    for route, name in api_patterns():
        path = "/" + route
        if "<" in route:
            yield "/" + re.sub(r"<[^>]+>", str(rows[DETAIL_MODELS[name]].pk), route), {}, True
            continue
        taken = reads.get(path, set())
        yield path, {}, False
        if "report" in taken:
            yield path, {"report": theirs, "month": MONTH, "limit": 1000}, True
        for parameter, model in (("section", Section), ("target", Indicator)):
            if parameter in taken:
                yield path, {"report": own_report, parameter: rows[model].pk}, True


def ids_of(data):
    """{model: ids} named anywhere in an answer's rows."""
    rows = data.get("items", [data]) if isinstance(data, dict) else []
    found = {}
    for row in rows:
        for field, model in ID_FIELDS.items():
            if model is not None and row.get(field) is not None:
                found.setdefault(model, set()).add(row[field])
    return found


def sweep(personas, rows, own_report, markers, only=None):
    """Ask every call of `calls` as each persona with a token; return (cases, the answers that
    carry ``markers`` or ``rows``' ids (of the models ``only`` names, else all), the answers to
    ``rows``' own ids that were not 404)."""
    a_ids = {
        Region: {rows[Region].pk},
        Report: {rows[Report].pk},
        Section: set(Section.objects.filter(report=rows[Report]).values_list("pk", flat=True)),
        Indicator: set(Indicator.objects.filter(report=rows[Report]).values_list("pk", flat=True)),
    }
    cases, leaked, answered = 0, [], []
    for persona, user in personas.items():
        client = caller(token_of(user))
        for path, query, names_theirs in calls(rows, own_report):
            response = client.get(path, query)
            cases += 1
            where = f"{path} {query} as {persona}: {response.status_code}"
            found = leaks(response.content.decode(), *markers)
            data = response.json() if response.content else {}
            for model, ids in ids_of(data).items():
                if only is not None and model not in only:
                    continue
                found += [f"{model.__name__} {pk}" for pk in sorted(ids & a_ids[model])]
            endpoint = path.rstrip("/").split("/")[-1]
            if (
                endpoint in LIST_FIELD
                and "items" in data
                and (only is None or LIST_FIELD[endpoint] in only)
            ):
                listed = {row["id"] for row in data["items"]} & a_ids[LIST_FIELD[endpoint]]
                found += [f"{LIST_FIELD[endpoint].__name__} {pk} listed" for pk in listed]
            if found:
                leaked.append(f"{where} {found}")
            if names_theirs and response.status_code != 404:
                answered.append(where)
    return cases, leaked, answered


def test_county_bs_tokens_read_nothing_of_county_a(sealed, capsys):
    a, b = sealed("county_a", "county_b")
    cases, leaked, answered = sweep(b["personas"], a["rows"], b["report"].pk, a_markers(a, b))
    with capsys.disabled():
        print(f"\nAPI sealed regions: {cases} call x persona cases")
    assert not leaked, "\n".join(leaked)
    assert not answered, "\n".join(answered)


def test_county_bs_tokens_read_their_own_county(sealed):
    """The sweep's lists are not empty for the wrong reason: B's people read B's rows."""
    _a, b = sealed("county_a", "county_b")
    for persona, user in b["personas"].items():
        client = caller(token_of(user))
        targets = client.get("/api/v1/targets/").json()["items"]
        codes = {t["code"] for t in targets}
        assert codes == ({"LV-01"} if persona == "reporter" else {"LV-01", "LZ-02"}), persona
        values = client.get("/api/v1/values/").json()["items"]
        assert [(v["month"], v["value"]) for v in values] == [(MONTH, 60.0)], persona
        assert {t["report_id"] for t in targets} == {b["report"].pk}


def test_county_as_tokens_read_county_a(sealed):
    """The markers are real: A's own office reads A's target by the id B was refused."""
    a, _b = sealed("county_a", "county_b")
    indicator = a["rows"][Indicator]
    office = a["users"][0]
    response = caller(token_of(office)).get(f"/api/v1/targets/{indicator.pk}/")
    assert response.status_code == 200 and response.json()["code"] == indicator.code
    approved = ProgressEntry.objects.filter(indicator__report=a["report"], state="approved")
    values = caller(token_of(office)).get("/api/v1/values/").json()
    assert values["count"] == approved.count() > 0


def test_a_report_in_preparation_shows_its_own_regions_tokens_nothing(sealed):
    """A's leader, A's 发改局 reporter (who leads the 2024 target) and the city's office read
    nothing of A's 2024 report in 筹备 through the API; A's office does."""
    a, a_next, city = sealed("county_a", "county_a_next", "city_office")
    rows = a_next["rows"]
    office, reporter, leader = a["users"]
    personas = {"leader": leader, "reporter": reporter, "city office": city}
    _cases, leaked, answered = sweep(
        personas, rows, a["report"].pk, (NEXT_WORDS, NEXT_CODES), only=(Report, Section)
    )
    assert not leaked, "\n".join(leaked)
    # The 2024 rows' ids answer 404; A's own region (and its 2023 rows) stays readable to them.
    assert not [line for line in answered if "/regions/" not in line], "\n".join(answered)
    data = caller(token_of(office)).get("/api/v1/targets/", {"report": rows[Report].pk}).json()
    assert [t["code"] for t in data["items"]] == ["NY-01"]
