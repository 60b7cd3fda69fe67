"""Open data: /public/<region code>/<year>/data.csv, data.json and data-dictionary.csv.

Anyone may read them, without a login, once the region's public page is on; they hold the
published figures only (approved, of published months, the fields the office shows), the same
numbers as ``published.state``, and a dictionary that names every column.
"""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from indicators import numbers, versions
from indicators.models import EntryState, Indicator, ProgressEntry, Report, Section, User
from opendata import export, published, publishing
from opendata.models import PublicField
from reporting import demo as demo_cycle
from reporting.standing import judged

from .conftest import approve, make_next_year

PUBLISHED_THROUGH = 6
BOM = b"\xef\xbb\xbf"


def url(report, name):
    return f"/public/{report.region.code}/{report.year}/{name}"


def read_csv(response):
    assert response.content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_json(response):
    return json.loads(response.content, parse_float=Decimal)


def number(text):
    return None if text in ("", None) else Decimal(str(text))


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def public_year(db):
    """The demo's year with 柳城县's page on, January to June published and every optional field
    shown (the strictest case: the most the public can see)."""
    report = demo_cycle.load_demo()["report"]
    office = User.objects.get(username="reviewer")
    publishing.switch_site(report.region, True, user=office)
    for month in range(1, PUBLISHED_THROUGH + 1):
        publishing.publish(report, month, user=office)
    publishing.set_fields(report, PublicField.values, user=office)
    return report


def mark_what_is_not_public(report):
    """Give everything the public must never read a unique marker: every value, note, problem,
    review comment and 说明 of months after June and of entries not approved (a quarter of June's
    entries are sent back for it), the problems, comments and 说明 of approved ones, and every
    person's name. Returns the markers as the files would write them."""
    entries = ProgressEntry.objects.filter(indicator__report=report)
    june = entries.filter(month=PUBLISHED_THROUGH, state=EntryState.APPROVED).order_by("pk")
    returned = [entry.pk for entry in june][::4]
    entries.filter(pk__in=returned).update(state=EntryState.RETURNED)
    markers = []
    # Tags by position, not by id: PostgreSQL's ids keep growing across the suite's tests.
    assert entries.count() < 10000, "tags of four digits"
    for position, entry in enumerate(entries.order_by("pk"), 1):
        tag = f"{position:05d}"
        fields = {
            "problems": f"PROBLEM-MARK-{tag}",
            "review_comment": f"COMMENT-MARK-{tag}",
            "explanation": f"EXPLAIN-MARK-{tag}",
        }
        if entry.month > PUBLISHED_THROUGH or entry.state != EntryState.APPROVED:
            # Unique, and a value the row may hold (a milestone's is at most 100).
            milestone = entry.kind == "milestone"
            fields["value"] = Decimal(f"97.{tag[1:]}" if milestone else f"987{tag}.4321")
            fields["note"] = f"NOTE-MARK-{tag}"
            markers.append(numbers.plain(fields["value"]))
        ProgressEntry.objects.filter(pk=entry.pk).update(**fields)
        markers += [fields["problems"], fields["review_comment"], fields["explanation"]]
        markers += [fields["note"]] if "note" in fields else []
    for user in User.objects.all():
        name = f"NAME-MARK-{user.pk:04d}"
        User.objects.filter(pk=user.pk).update(first_name=name, username=f"user-mark-{user.pk}")
        markers += [name, f"user-mark-{user.pk}"]
    versions.advance([report.pk], everything=True)  # written with update(): no signals
    return markers


def test_a_generated_test_finds_nothing_unpublished_in_the_open_data(public_year, anonymous):
    markers = mark_what_is_not_public(public_year)
    # The markers are real: the standing as of December (what the office sees) carries them.
    december = judged(public_year, 12)
    assert any(numbers.plain(i.actual) in markers for i in december if i.actual is not None)
    assert any(i.latest_note and i.latest_note.startswith("NOTE-MARK-") for i in december)
    assert ProgressEntry.objects.filter(indicator__report=public_year, state="returned").exists()

    files = {
        name: anonymous.get(url(public_year, name))
        for name in ("data.csv", "data.json", "data-dictionary.csv")
    }
    for name, response in files.items():
        assert response.status_code == 200, name
        text = response.content.decode("utf-8-sig")
        found = [marker for marker in markers if marker in text]
        assert found == [], f"{name} shows {found[:5]}"
    data = read_json(files["data.json"])
    assert data["as_of_month"] == PUBLISHED_THROUGH
    assert data["published_months"] == list(range(1, PUBLISHED_THROUGH + 1))
    assert all(m["month"] <= PUBLISHED_THROUGH for t in data["targets"] for m in t["monthly"])
    rows = read_csv(files["data.csv"])
    later = [f"m{month:02d}" for month in range(PUBLISHED_THROUGH + 1, 13)]
    assert all(row[column] == "" for row in rows for column in later)
    # The notes shown are those of approved entries of published months (the field is public).
    assert any(target["note"] for target in data["targets"])


def test_the_files_carry_the_numbers_of_the_published_state(public_year, anonymous):
    state = published.state(public_year)
    series = {}
    for indicator_id, month, value in published.monthly_values(public_year):
        series.setdefault(indicator_id, {})[month] = value
    rows = {row["code"]: row for row in read_csv(anonymous.get(url(public_year, "data.csv")))}
    data = read_json(anonymous.get(url(public_year, "data.json")))
    records = {record["code"]: record for record in data["targets"]}
    assert list(rows) == list(records) == [target.code for target in state.targets]
    assert len(state.targets) == Indicator.objects.filter(report=public_year).count()
    for target in state.targets:
        row, record = rows[target.code], records[target.code]
        months = series.get(target.id, {})
        for read in (row, record):
            assert number(read["value"]) == target.value, target.code
            assert number(read["target"]) == target.target
            assert read["status"] == target.status
            assert read["status_label"] == target.status_label
            assert read["lead"] == target.lead
            assert read["promise"] == target.promise
            assert number(read["completion"]) == export._fraction(target.completion)
        assert number(row["value_month"]) == record["value_month"] == target.value_month
        assert row["as_of_month"] == str(PUBLISHED_THROUGH)
        assert row["approved_only"] == "true" and record["approved_only"] is True
        assert {m: number(row[f"m{m:02d}"]) for m in months} == months
        assert {m["month"]: number(m["value"]) for m in record["monthly"]} == months
    assert any(series.values()), "the demo has monthly figures to compare"


def test_a_field_the_office_keeps_private_is_empty(public_year, anonymous):
    publishing.set_fields(
        public_year, [PublicField.COMPLETION], user=User.objects.get(username="reviewer")
    )
    rows = read_csv(anonymous.get(url(public_year, "data.csv")))
    assert {row["lead"] for row in rows} == {""}
    assert {row["note"] for row in rows} == {""}
    assert any(row["completion"] for row in rows)
    data = read_json(anonymous.get(url(public_year, "data.json")))
    assert {t["lead"] for t in data["targets"]} == {None}
    assert data["public_fields"] == [PublicField.COMPLETION]


# --- Smaller cases on the catalogue alone ---------------------------------------------------------


@pytest.fixture
def opened(report, office):
    publishing.switch_site(report.region, True, user=office)
    return report


@pytest.fixture
def published_january(opened, office):
    """The catalogue with January's figures of three targets approved and published."""
    for code, value in (("LV-01", 120), ("PP-10", 300), ("LV-02", "4.1")):
        approve(Indicator.objects.get(report=opened, code=code), 1, value)
    publishing.publish(opened, 1, user=office)
    return opened


def test_the_dictionary_names_every_column_of_both_files(published_january, anonymous):
    public_year = published_january
    dictionary = read_csv(anonymous.get(url(public_year, "data-dictionary.csv")))
    by_name = {entry["name"]: entry for entry in dictionary}
    for entry in dictionary:
        for column in ("label_zh", "label_en", "type", "meaning_zh", "meaning_en"):
            assert entry[column].strip(), (entry["name"], column)
    header = next(
        csv.reader(
            io.StringIO(anonymous.get(url(public_year, "data.csv")).content.decode("utf-8-sig"))
        )
    )
    assert header == [name for name, e in by_name.items() if "csv" in e["formats"].split()]
    data = read_json(anonymous.get(url(public_year, "data.json")))
    for record in data["targets"]:
        assert list(record) == [n for n, e in by_name.items() if "json" in e["formats"].split()]
    assert [entry["name"] for entry in data["dictionary"]] == list(by_name)
    assert by_name["promise"]["label_zh"] == "报告原文"
    assert by_name["lead"]["label_en"] == "Lead department"
    assert "cumulative=累计型" in by_name["kind"]["meaning_zh"]


def test_the_csv_opens_in_excel_under_a_stable_name(published_january, anonymous):
    public_year = published_january
    response = anonymous.get(url(public_year, "data.csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="450222-2023-targets.csv"'
    assert response.content.startswith(BOM + b"region_code,")
    assert response["Access-Control-Allow-Origin"] == "*"
    dictionary = anonymous.get(url(public_year, "data-dictionary.csv"))
    assert dictionary["Content-Disposition"] == (
        'attachment; filename="450222-2023-data-dictionary.csv"'
    )
    assert anonymous.get(url(public_year, "data.json"))["Content-Type"] == (
        "application/json; charset=utf-8"
    )


def test_text_a_spreadsheet_would_run_is_written_as_text(opened, office, anonymous):
    indicator = Indicator.objects.get(report=opened, code="LV-01")
    Indicator.objects.filter(pk=indicator.pk).update(
        name="=HYPERLINK(\"http://x\",\"y\")", source_quote="@SUM(A1)", unit="+1", kind="floor",
        target=Decimal("-2"),
    )  # fmt: skip
    Section.objects.filter(pk=indicator.section_id).update(name="-民生")
    indicator.refresh_from_db()
    approve(indicator, 1, "-1.5")
    publishing.publish(opened, 1, user=office)
    rows = {row["code"]: row for row in read_csv(anonymous.get(url(opened, "data.csv")))}
    row = rows["LV-01"]
    assert row["name"] == '\'=HYPERLINK("http://x","y")'
    assert row["promise"] == "'@SUM(A1)"
    assert row["unit"] == "'+1"
    assert row["section"] == "'-民生"
    # Numbers are numbers: a negative target or figure keeps its sign.
    assert (row["target"], row["value"], row["m01"]) == ("-2", "-1.5", "-1.5")
    record = next(
        t
        for t in read_json(anonymous.get(url(opened, "data.json")))["targets"]
        if t["code"] == "LV-01"
    )
    assert record["name"] == '=HYPERLINK("http://x","y")'  # JSON is data, not a sheet


def test_nothing_is_there_unless_the_page_is_on_and_the_year_public(report, office, anonymous):
    make_next_year(report)  # 2024, in 筹备
    names = ("data.csv", "data.json", "data-dictionary.csv")
    for name in names:  # the page is off
        response = anonymous.get(url(report, name))
        assert response.status_code == 404
        assert "柳城" not in response.content.decode()
    publishing.switch_site(report.region, True, user=office)
    for name in names:
        assert anonymous.get(url(report, name)).status_code == 200
        assert anonymous.get(f"/public/450299/2023/{name}").status_code == 404
        assert anonymous.get(f"/public/450222/2024/{name}").status_code == 404  # 筹备
        assert anonymous.get(f"/public/450222/2022/{name}").status_code == 404
    assert Report.objects.filter(region=report.region, year=2024).exists()


def test_a_report_with_nothing_published_has_empty_files(opened, anonymous):
    data = read_json(anonymous.get(url(opened, "data.json")))
    assert (data["as_of_month"], data["published_months"], data["targets"]) == (None, [], [])
    assert len(read_csv(anonymous.get(url(opened, "data.csv")))) == 0


def test_an_unchanged_file_answers_304_and_a_publication_changes_it(opened, office, anonymous):
    approve(Indicator.objects.get(report=opened, code="LV-01"), 1, 120)
    publishing.publish(opened, 1, user=office)
    for name in ("data.csv", "data.json"):
        first = anonymous.get(url(opened, name))
        etag = first["ETag"]
        assert first.status_code == 200 and etag.startswith('"')
        again = anonymous.get(url(opened, name), HTTP_IF_NONE_MATCH=etag)
        assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
        weak = anonymous.get(url(opened, name), HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
        assert weak.status_code == 304
        assert anonymous.get(url(opened, name), HTTP_IF_NONE_MATCH='"other"').status_code == 200
    before = anonymous.get(url(opened, "data.csv"))
    approve(Indicator.objects.get(report=opened, code="LV-01"), 2, 250)
    publishing.publish(opened, 2, user=office)
    after = anonymous.get(url(opened, "data.csv"), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    row = next(r for r in read_csv(after) if r["code"] == "LV-01")
    assert (row["m01"], row["m02"], row["value"]) == ("120", "250", "250")


def test_a_file_is_made_once_per_data_version(opened, office, anonymous):
    approve(Indicator.objects.get(report=opened, code="LV-01"), 1, 120)
    publishing.publish(opened, 1, user=office)
    cache.clear()
    cold, warm = (count_queries(anonymous, url(opened, "data.json")) for _ in range(2))
    assert warm < cold
    cached = anonymous.get(url(opened, "data.json"))
    assert cached.content == export.data_json(opened)


def count_queries(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code in (200, 304), path
    return len(queries)


def test_the_files_cost_the_same_queries_at_ten_times_the_size(public_year, anonymous):
    def counts():
        result = {}
        for name in ("data.csv", "data.json"):
            cache.clear()
            etag = anonymous.get(url(public_year, name))["ETag"]
            cache.clear()
            result[name] = (
                count_queries(anonymous, url(public_year, name)),
                count_queries(anonymous, url(public_year, name)),
                count_queries(anonymous, url(public_year, name), HTTP_IF_NONE_MATCH=etag),
            )
        return result

    small = counts()
    demo_cycle.grow(public_year, 10)
    assert counts() == small
    assert all(not_modified <= 4 for _cold, _warm, not_modified in small.values())


def test_what_the_public_reads_leaves_the_audit_log_alone(opened, office, anonymous):
    """Public files are public: an anonymous download or a miss under /public/ writes no audit
    record (anyone could grow the log and queue its writers). The office's download does."""
    from audit.models import AuditRecord

    publishing.switch_site(opened.region, True, user=office)
    before = AuditRecord.objects.count()
    assert anonymous.get(url(opened, "data.csv")).status_code == 200
    assert anonymous.get("/public/450222/1999/data.csv").status_code == 404
    assert AuditRecord.objects.count() == before
    signed_in = Client()
    signed_in.force_login(office)  # its login is recorded
    before = AuditRecord.objects.count()
    assert signed_in.get(url(opened, "data.csv")).status_code == 200
    assert AuditRecord.objects.latest("id").action == "download"
    assert AuditRecord.objects.count() == before + 1
