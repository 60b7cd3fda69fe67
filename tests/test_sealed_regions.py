"""Sealed regions: county B's people never read county A's names or codes, on any page.

The matrix walks every URL pattern of the site and the admin (``get_resolver()``, recursively),
fills each path parameter with one of county A's object ids (the right model for the parameter),
and fetches it as each of B's personas: GET, GET with ``?report=<A's report>``, and a POST (the
test client sends no CSRF token). No answer may carry A's names or codes, whatever its status,
and downloads are opened (workbooks and Word files are zip archives of XML). A new URL pattern
joins the matrix by itself; a parameter the test does not know how to fill fails it loudly.
"""

import datetime
import html
import io
import re
import zipfile
from decimal import Decimal

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from openpyxl import load_workbook

from indicators import checks, people, setup
from indicators.models import (
    CheckRule,
    Department,
    Indicator,
    MonthLock,
    ProgressEntry,
    ProgressEntryEvidence,
    Region,
    RegisterRule,
    Report,
    Section,
    User,
)
from projects.models import ProjectProgress, ProjectProgressEvidence
from reporting.forms import KINDS
from reporting.views.review import ACTIONS as REVIEW_ACTIONS
from supervision import bulletins, slips, verification
from supervision.models import (
    Dispatch,
    Notice,
    Slip,
    VerificationEvidence,
    VerificationTask,
)
from supervision.views import SLIP_FORMS

from .conftest import approve, make_project, make_user, submit

YEAR, MONTH = 2023, 9
BULLETIN_ACTIONS = ("save", "regenerate", "publish")


@pytest.fixture(autouse=True)
def _after_the_year():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


# --- Two counties -------------------------------------------------------------------------------


@pytest.fixture
def county_a(report):
    """The demo's 柳城县 (from the fixture) with a row of every kind the site shows."""
    region = report.region
    fgj = Department.objects.get(region=region, code="fgj")
    reviewer = make_user("lc-office", "reviewer", region=region)
    reviewer.is_staff = True
    reviewer.last_name = "柳城督查员"
    reviewer.save()
    reporter = make_user("lc-fgj", "reporter", fgj)
    leader = make_user("lc-leader", "leader", region=region)
    indicator = Indicator.objects.get(report=report, code="EC-06")  # led by 发改局
    approved = approve(Indicator.objects.get(report=report, code="LV-01"), MONTH, 1263)
    entry = submit(reporter, indicator, MONTH, value=Decimal(40), note="柳城进展说明")
    project = make_project(report, code="LC-P-001", name="柳城测试项目甲", lead_department=fgj)
    progress = submit(reporter, project, MONTH, investment_completed=Decimal(100))
    entry_file = ProgressEntryEvidence.objects.create(
        entry=entry, file_name="x.jpg", content_type="image/jpeg", size=1, original_name="柳城.jpg"
    )
    project_file = ProjectProgressEvidence.objects.create(
        entry=progress, file_name="y.pdf", content_type="application/pdf", size=1,
        original_name="柳城.pdf",
    )  # fmt: skip
    slip = slips.issue(
        reviewer,
        Slip(
            report=report,
            month=MONTH,
            department=fgj,
            indicator=indicator,
            reason=Slip.Reason.FAR_BEHIND,
            matter="EC-06 柳城督办事项",
            requirement="请反馈整改措施",
            reply_by=datetime.date(2024, 2, 10),
        ),
    )
    bulletins.generate(report, MONTH).save()
    (task,) = verification.mark(reviewer, report, [approved])
    task_file = VerificationEvidence.objects.create(
        task=task, file_name="z.pdf", content_type="application/pdf", size=1,
        original_name="柳城核实.pdf",
    )  # fmt: skip
    lock = MonthLock.objects.create(report=report, month=3, locked_by=reviewer)
    rule = CheckRule.objects.create(
        report=report,
        rule=checks.STARTED_OVER_PLAN,
        indicator=Indicator.objects.get(report=report, code="PP-08"),
        note="柳城县开工计划",
    )
    dispatch = Dispatch.objects.create(
        report=report, channel="email", recipient="lc@example.gov.cn", title="柳城提醒", key="a-1"
    )
    notice = Notice.objects.create(user=reporter, report=report, title="柳城通知")
    attempt = AccessAttempt.objects.create(
        username="lc-office", ip_address="10.0.0.1", failures_since_start=1
    )
    # The sign-in records of A's office (django-axes): its login names are A's too.
    axes_rows = {
        model: model.objects.create(username="lc-office", ip_address="10.0.0.1")
        for model in (AccessLog, AccessFailureLog)
    }
    rows = {
        **axes_rows,
        Region: region,
        Report: report,
        Section: Section.objects.filter(report=report).first(),
        Department: fgj,
        Indicator: indicator,
        ProgressEntry: entry,
        MonthLock: lock,
        CheckRule: rule,
        User: reviewer,
        ProjectProgress: progress,
        type(project): project,
        Dispatch: dispatch,
        Notice: notice,
        Slip: slip,
        VerificationTask: task,
        VerificationEvidence: task_file,
        ProgressEntryEvidence: entry_file,
        ProjectProgressEvidence: project_file,
        AccessAttempt: attempt,
    }
    return {"report": report, "rows": rows, "users": [reviewer, reporter, leader]}


# B shares two department codes and one target code with A (real counties do); A's markers are
# what B does not share.
B_DEPARTMENTS = [("fgj", "鹿寨发展改革处"), ("czj", "鹿寨财政处"), ("lztj", "鹿寨统计处")]
B_TARGETS = [("LV-01", "鹿寨新增就业", "fgj"), ("LZ-02", "鹿寨财政收入", "czj")]


@pytest.fixture
def county_b(report):
    """鹿寨县: its own report, sections, departments, targets, entries, project, slip, bulletin
    and people: the office (staff, allowed the user admin), a leader and a reporter."""
    region = Region.objects.create(name="鹿寨县", code="450223")
    b_report = Report.objects.create(
        region=region, year=YEAR, title="2023年鹿寨县政府工作报告", state=Report.State.ACTIVE
    )
    section = Section.objects.create(report=b_report, name="民生事业", order=1)
    departments = {
        code: Department.objects.create(region=region, code=code, name=name, short_name=name)
        for code, name in B_DEPARTMENTS
    }
    indicators = [
        Indicator.objects.create(
            report=b_report,
            section=section,
            code=code,
            name=name,
            kind="cumulative",
            target=Decimal(100),
            unit="个",
            lead_department=departments[department],
        )
        for code, name, department in B_TARGETS
    ]
    approve(indicators[0], MONTH, 60)
    office = make_user("lz-office", "reviewer", region=region)
    office.is_staff = True
    office.save()
    reporter = make_user("lz-fgj", "reporter", departments["fgj"])
    leader = make_user("lz-leader", "leader", region=region)
    submit(reporter, indicators[0], 10, value=Decimal(70))
    project = make_project(
        b_report, code="LZ-P-001", name="鹿寨项目乙", lead_department=departments["fgj"]
    )
    submit(reporter, project, MONTH, investment_completed=Decimal(50))
    bulletins.generate(b_report, MONTH).save()
    return {
        "report": b_report,
        "personas": {"office": office, "leader": leader, "reporter": reporter},
        "departments": departments,
    }


def a_markers(county_a, county_b):
    """A's names and codes that B does not share: (plain words, codes matched as whole words)."""
    report = county_a["report"]
    b_codes = {code for code, _name in B_DEPARTMENTS} | {code for code, *_ in B_TARGETS}
    words = {report.region.name, report.title, "柳城测试项目甲", "LC-P-001", "柳城督查员"}
    codes = {"lc-office", "lc-fgj", "lc-leader"}
    for department in Department.objects.filter(region=report.region):
        words.add(department.name)
        codes.add(department.code)
    for indicator in Indicator.objects.filter(report=report):
        words.add(indicator.name)
        codes.add(indicator.code)
    codes -= b_codes
    # Words the interface itself uses (an example in the blank template's notes, a register
    # rule's label that is also a target's name) are nobody's secret.
    interface = " ".join(
        [zipped_text(setup.report_setup_bytes(None)), *map(str, RegisterRule.labels)]
    )
    return {w for w in words if w not in interface}, {c for c in codes if c not in interface}


# --- Filling the URL patterns -------------------------------------------------------------------

# Site URL name -> the model its <pk> names.
SITE_PK_MODELS = {
    "reporting:section": Section,
    "reporting:indicator": Indicator,
    "reporting:department": Department,
    "projects:detail": "project",
    "supervision:notice-open": Notice,
    "supervision:slip": Slip,
    "supervision:slip-action": Slip,
    "supervision:verification": VerificationTask,
    "supervision:verification-record": VerificationTask,
    "supervision:verification-cancel": VerificationTask,
    "supervision:verification-evidence-add": VerificationTask,
    "supervision:verification-evidence": VerificationEvidence,
    "supervision:verification-evidence-thumbnail": VerificationEvidence,
    "supervision:verification-evidence-remove": VerificationEvidence,
    # The read-only API (a signed-in browser calls it as the public: tests/test_api_access.py
    # sweeps it with each persona's token).
    "api-v1:region": Region,
    "api-v1:report": Report,
    "api-v1:section": Section,
    "api-v1:target": Indicator,
}
# Values of a <str:action> by URL name, read from the views' own tables.
ACTIONS = {
    "reporting:review-action": list(REVIEW_ACTIONS),
    "supervision:slip-action": list(SLIP_FORMS),
    "supervision:bulletin-action": list(BULLETIN_ACTIONS),
}
# Evidence URLs take <str:kind>: each kind with its own model's id (the row's subject for an
# upload, the file for reading and removing).
EVIDENCE_MODELS = {
    "reporting:evidence-add": {"i": Indicator, "p": "project"},
    "reporting:evidence-file": {"i": ProgressEntryEvidence, "p": ProjectProgressEvidence},
    "reporting:evidence-thumbnail": {"i": ProgressEntryEvidence, "p": ProjectProgressEvidence},
    "reporting:evidence-remove": {"i": ProgressEntryEvidence, "p": ProjectProgressEvidence},
}
# Admin models whose rows belong to no region: any row stands in for "A's".
NOT_REGIONAL = {Group}
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def walk(patterns, prefix="", namespace=None):
    """Every URL pattern as (route text from the root, namespaced name, pattern)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if namespace and pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}"
            yield from walk(pattern.url_patterns, route, inner)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name, pattern


def admin_model(route):
    """The model of an admin model's URL (admin/indicators/report/... -> Report), or None."""
    for model in admin.site._registry:
        meta = model._meta
        if route.startswith(f"admin/{meta.app_label}/{meta.model_name}/"):
            return model
    return None


def fillings(route, name, rows, year=YEAR, month=MONTH):
    """Every way to fill ``route``'s parameters with ``rows`` (A's ids) and the period
    (``year``, ``month``): a list of {parameter: value}."""
    params = [m.group(2) or m.group(3) for m in CONVERTER.finditer(route)]
    model = admin_model(route)

    def row(key):
        if key == "project":
            key = next(m for m in rows if m.__name__ == "Project")
        if key in NOT_REGIONAL:
            return key.objects.first()
        if key not in rows:
            pytest.fail(f"{name}: county A has no row of {key.__name__}; add one to county_a")
        return rows[key]

    values = {}
    for param in params:
        if param in ("year",):
            values[param] = [year]
        elif param == "month":
            values[param] = [month]
        elif param == "code":  # a region's public pages: /public/<region code>/<year>/
            values[param] = [row(Region).code]
        elif param in ("object_id", "id") and model is not None:  # id: a password reset
            values[param] = [row(model).pk]
        elif param == "version_id" and model is not None:
            obj = row(model)
            values[param] = [model.history.filter(id=obj.pk).latest("history_date").history_id]
        elif param == "pk" and name in SITE_PK_MODELS:
            values[param] = [row(SITE_PK_MODELS[name]).pk]
        elif param == "action" and name in ACTIONS:
            values[param] = ACTIONS[name]
        elif param == "kind" and name in EVIDENCE_MODELS:
            assert set(EVIDENCE_MODELS[name]) == set(KINDS), f"a new kind of row for {name}"
            values[param] = list(EVIDENCE_MODELS[name])
        elif param == "pk" and name in EVIDENCE_MODELS:
            values[param] = None  # follows the kind
        elif name == "admin:view_on_site" and param in ("content_type_id", "object_id"):
            content_type = ContentType.objects.get_for_model(Indicator)
            values[param] = [content_type.pk if param == "content_type_id" else row(Indicator).pk]
        elif name == "admin:app_list" and param == "app_label":
            values[param] = sorted({m._meta.app_label for m in admin.site._registry})
        elif param == "code":  # a region's division code: the public pages
            values[param] = [row(Region).code]
        elif param == "report_id":
            values[param] = [row(Report).pk]
        elif param == "section_id":
            values[param] = [row(Section).pk]
        elif param == "url":  # the admin's catch-all: A's indicator page without its slash
            values[param] = [f"indicators/indicator/{row(Indicator).pk}/change"]
        else:
            pytest.fail(f"cannot fill <{param}> of {name or route!r}: teach fillings() its model")
    combos = [{}]
    for param, choices in values.items():
        if choices is None:
            continue
        combos = [{**combo, param: choice} for combo in combos for choice in choices]
    if "kind" in values and "pk" in values:
        for combo in combos:
            combo["pk"] = row(EVIDENCE_MODELS[name][combo["kind"]]).pk
    return combos


def build(route, values):
    def replace(match):
        return str(values[match.group(2) or match.group(3)])

    return "/" + CONVERTER.sub(replace, route)


def body_text(response):
    """What the answer says: its text, or the text inside a workbook or a Word file."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        return zipped_text(content)
    return content.decode("utf-8", "replace")


def zipped_text(content):
    """The text of a workbook or Word file: its XML parts, character references read."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return html.unescape(
            " ".join(
                archive.read(member).decode("utf-8", "replace")
                for member in archive.namelist()
                if member.endswith((".xml", ".rels"))
            )
        )


def leaks(text, words, codes):
    found = sorted(word for word in words if word in text)
    found += sorted(
        code for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)
    )
    return found


def post_data(rows):
    """A form naming ``rows`` (A's) in the fields the site's forms read."""
    entry, progress = rows[ProgressEntry], rows[ProjectProgress]
    return {
        "rows": [f"i{entry.pk}:{entry.version}", f"p{progress.pk}:{progress.version}"],
        "report": rows[Report].pk,
        "indicator": rows[Indicator].pk,
        "department": rows[Department].pk,
        "action": "lock",
        "version": 1,
        "comment": "x",
        "keys": f"i{rows[Indicator].pk}",
    }


def requests(route, path, query):
    """GET, GET with A's report chosen, and POST; an admin object's pages read no ?report."""
    yield "GET", path
    if not (route.startswith("admin/") and "object_id" in route):
        yield "GET", path + query
    yield "POST", path


def sweep(personas, rows, period, markers):
    """Fetch every URL pattern, filled with ``rows``' ids and ``period`` (year, month), as each
    of ``personas`` ({name: user}): GET, GET with ``?report=&year=&month=`` of ``rows``' report
    and POST naming ``rows``. Returns (URL patterns, cases, leaks: the answers carrying any of
    ``markers`` (words, codes))."""
    year, month = period
    patterns = list(walk(get_resolver().url_patterns))
    query = f"?report={rows[Report].pk}&year={year}&month={month}"
    data = post_data(rows)
    clients = {}
    for persona, user in personas.items():
        clients[persona] = Client()
        clients[persona].force_login(user)
    cases, found = 0, []
    for route, name, _pattern in patterns:
        for values in fillings(route, name, rows, year, month):
            path = build(route, values)
            resolve(path)  # the path reaches the pattern it was built from
            for persona, user in personas.items():
                client = clients[persona]
                for method, url in requests(route, path, query):
                    if method == "GET":
                        response = client.get(url, follow=True)
                    else:
                        response = client.post(url, data, follow=True)
                    cases += 1
                    seen = leaks(body_text(response), *markers)
                    if seen:
                        leak = f"{method} {url} as {persona}: {response.status_code} {seen}"
                        found.append(leak)
                    # (The public pages are answered before authentication: no user.)
                    signed_in = getattr(response.wsgi_request, "user", user)
                    if not signed_in.is_authenticated:
                        client.force_login(user)  # a logout page did its job
    return len(patterns), cases, found


def test_no_page_shows_county_b_anything_of_county_a(county_a, county_b, capsys):
    words, codes = a_markers(county_a, county_b)
    # The markers really are A's alone: B's own names and codes carry none of them.
    b_texts = [n for _c, n in B_DEPARTMENTS] + [n for _c, n, _d in B_TARGETS] + ["鹿寨县"]
    assert not any(leaks(text, words, codes) for text in b_texts)
    assert {"柳城县", "柳城测试项目甲", "rsj", "PP-10"} <= words | codes
    patterns, cases, found = sweep(
        county_b["personas"], county_a["rows"], (YEAR, MONTH), (words, codes)
    )
    with capsys.disabled():
        print(f"\nsealed regions: {patterns} URL patterns, {cases} URL x persona cases")
    assert not found, "\n".join(found)
    assert cases > 3 * patterns


# --- A report in 筹备 (issue 24's "unpublished" case) ------------------------------------------

NEXT_YEAR, NEXT_MONTH = YEAR + 1, 1
# The 2024 rows' names and codes: nothing else in the database carries them.
NEXT_WORDS = {
    "筹备测试报告",
    "筹备测试篇章",
    "筹备测试目标甲",
    "筹备测试项目乙",
    "筹备测试督办事项",
    "筹备测试通报",
    "筹备测试提醒",
    "筹备测试规则",
}
NEXT_CODES = {"NY-01", "NY-P-001"}


@pytest.fixture
def county_a_next(county_a):
    """柳城县's 2024 report in 筹备 beside its published 2023 one: a section, a target led by
    发改局, a project, a month lock, a plausibility rule, a slip, a bulletin and a reminder, each
    named with a word of ``NEXT_WORDS``. No figure: the gate refuses every figure in 筹备, so
    the rows that need one (entries, project progress, their evidence) and the notices of A's
    reporter (their own inbox, whichever report) stay A's 2023 rows. The slip and the bulletin
    are written directly: they are what a report unpublished after its first slip and bulletin
    keeps."""
    a_report, office = county_a["report"], county_a["users"][0]
    fgj = county_a["rows"][Department]
    report = Report.objects.create(
        region=a_report.region, year=NEXT_YEAR, title="2024年柳城县筹备测试报告"
    )
    assert report.state == Report.State.PREPARING
    section = Section.objects.create(report=report, name="筹备测试篇章", order=1)
    indicator = Indicator.objects.create(
        report=report, section=section, code="NY-01", name="筹备测试目标甲", kind="cumulative",
        target=Decimal(100), unit="个", lead_department=fgj,
    )  # fmt: skip
    project = make_project(report, code="NY-P-001", name="筹备测试项目乙", lead_department=fgj)
    slip = Slip.objects.create(
        report=report, month=NEXT_MONTH, department=fgj, indicator=indicator,
        reason=Slip.Reason.FAR_BEHIND, matter="筹备测试督办事项", requirement="请反馈",
        reply_by=datetime.date(2024, 2, 10), issued_by=office,
    )  # fmt: skip
    bulletin = bulletins.generate(report, NEXT_MONTH)
    bulletin.title = "筹备测试通报"
    bulletin.save()
    dispatch = Dispatch.objects.create(
        report=report, channel="email", recipient="lc@example.gov.cn", title="筹备测试提醒",
        key="a-2024",
    )  # fmt: skip
    rows = {
        **county_a["rows"],
        Report: report,
        Section: section,
        Indicator: indicator,
        type(project): project,
        MonthLock: MonthLock.objects.create(report=report, month=NEXT_MONTH, locked_by=office),
        CheckRule: CheckRule.objects.create(
            report=report, rule=checks.STEP, indicator=indicator, note="筹备测试规则"
        ),
        Slip: slip,
        Dispatch: dispatch,
    }
    # Those the sweep fills with 2024's rows (the others: see above).
    assert sum(row is not county_a["rows"].get(model) for model, row in rows.items()) == 8
    return {"report": report, "rows": rows}


@pytest.fixture
def city_office(county_a):
    """The office of 柳州市, above 柳城县: it reads the county's published reports, and sets up
    only its own region's."""
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    county = county_a["report"].region
    county.parent = city
    county.save()
    office = make_user("lzs-office", "reviewer", region=city)
    office.is_staff = True
    office.save()
    return office


def test_a_report_in_preparation_shows_its_own_regions_readers_nothing(
    client, county_a, county_a_next, city_office, capsys
):
    """Every URL pattern filled with the 2024 rows' ids (and ``?report=`` of 2024) answers A's
    own leader, A's 发改局 reporter (who leads the 2024 target) and the city's office nothing of
    them; A's office, who sets the report up, does see them (the markers are real)."""
    rows = county_a_next["rows"]
    client.force_login(county_a["users"][0])
    for url in (
        reverse("reporting:indicator", args=[rows[Indicator].pk]),
        reverse("admin:indicators_report_change", args=[rows[Report].pk]),
        reverse("admin:indicators_checkrule_change", args=[rows[CheckRule].pk]),
        reverse("supervision:slip", args=[rows[Slip].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert leaks(body_text(response), NEXT_WORDS, NEXT_CODES), url
    _office, reporter, leader = county_a["users"]
    personas = {"leader": leader, "reporter": reporter, "city office": city_office}
    patterns, cases, found = sweep(
        personas, rows, (NEXT_YEAR, NEXT_MONTH), (NEXT_WORDS, NEXT_CODES)
    )
    with capsys.disabled():
        print(f"\nunpublished report: {patterns} URL patterns, {cases} URL x persona cases")
    assert not found, "\n".join(found)
    assert cases > 3 * patterns


# --- Each leak the issue names -----------------------------------------------------------------


def office_of_b(client, county_b):
    office = county_b["personas"]["office"]
    client.force_login(office)
    return office


def test_another_regions_catalogue_is_not_downloaded_from_the_admin(client, county_a, county_b):
    office_of_b(client, county_b)
    url = reverse("admin:indicators_report_template")
    assert client.get(f"{url}?report={county_a['report'].pk}").status_code == 404
    own = client.get(f"{url}?report={county_b['report'].pk}")
    assert own.status_code == 200 and "鹿寨项目乙" not in zipped_text(own.content)
    assert "鹿寨新增就业" in zipped_text(own.content)


@pytest.mark.parametrize(
    "changelist",
    [
        "indicators_indicator",
        "indicators_section",
        "indicators_monthlock",
        "indicators_progressentry",
        "indicators_report",
        "projects_project",
        "projects_projectprogress",
    ],
)
def test_the_admins_sidebar_filters_list_only_the_users_regions(
    client, county_a, county_b, changelist
):
    office_of_b(client, county_b)
    page = client.get(reverse(f"admin:{changelist}_changelist")).content.decode()
    for name in (
        "2023年柳城县政府工作报告",
        "柳城县",
        "县发展和改革局",
        "发改局",
        "项目谋划与建设",
    ):
        assert name not in page, name


def test_the_office_sees_its_own_rows_in_the_sidebar_filters(client, county_a, county_b):
    office_of_b(client, county_b)
    page = client.get(reverse("admin:indicators_indicator_changelist")).content.decode()
    assert "鹿寨财政处" in page and "鹿寨统计处" in page


@pytest.fixture
def city(county_b):
    """柳州市 above 鹿寨县."""
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    region = county_b["report"].region
    region.parent = city
    region.save()
    return city


def test_the_office_cannot_move_its_region_by_the_form(client, county_b, city):
    office_of_b(client, county_b)
    region = county_b["report"].region
    url = reverse("admin:indicators_region_change", args=[region.pk])
    form = client.get(url).content.decode()
    assert 'name="parent"' not in form and 'name="level"' not in form and 'name="code"' not in form
    response = client.post(url, {"name": "鹿寨县", "parent": "", "level": "city", "code": "999999"})
    assert response.status_code == 302
    region.refresh_from_db()
    assert (region.parent, region.level, region.code) == (city, "county", "450223")


def test_the_office_cannot_add_a_region(client, county_b, city):
    office_of_b(client, county_b)
    assert client.get(reverse("admin:indicators_region_add")).status_code == 403
    response = client.post(reverse("admin:indicators_region_add"), {"name": "新县", "parent": ""})
    assert response.status_code == 403 and not Region.objects.filter(name="新县").exists()


def test_an_administrator_still_moves_a_region(client, admin_user, county_b, city):
    client.force_login(admin_user)
    region = county_b["report"].region
    url = reverse("admin:indicators_region_change", args=[region.pk])
    response = client.post(
        url, {"name": "鹿寨县", "parent": "", "level": "county", "code": "450223"}
    )
    assert response.status_code == 302
    region.refresh_from_db()
    assert region.parent is None


def setup_workbook(report, rows):
    """``report``'s own set-up workbook with the 工作报告 sheet's ``rows`` ({项目: 内容}) set."""
    book = load_workbook(io.BytesIO(setup.report_setup_bytes(report)))
    sheet = book[setup.REPORT_SHEET]
    for key, value in rows.items():
        found = [row for row in sheet.iter_rows(min_row=2) if row[0].value == key]
        if found:
            found[0][1].value = value
        else:
            sheet.append([key, value])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("报告.xlsx", out.getvalue())


@pytest.mark.parametrize(
    "rows",
    [{"上级地区": "柳城县"}, {"级别": "市"}, {"行政区划代码": "450299"}],
    ids=["parent", "level", "code"],
)
def test_the_office_cannot_move_its_region_by_the_workbook(client, county_b, city, rows):
    office_of_b(client, county_b)
    region = county_b["report"].region
    file = setup_workbook(county_b["report"], rows)
    response = client.post(reverse("admin:indicators_report_load"), {"file": file})
    assert response.status_code == 400
    assert "只能由系统管理员修改" in response.content.decode()
    region.refresh_from_db()
    assert (region.parent, region.level, region.code) == (city, "county", "450223")


def test_the_office_reloads_its_own_workbook_unchanged(client, county_b, city):
    # A workbook loads into a report being set up (筹备); B's is put back there for the test.
    Report.objects.filter(pk=county_b["report"].pk).update(state=Report.State.PREPARING)
    office_of_b(client, county_b)
    file = setup_workbook(county_b["report"], {})
    response = client.post(reverse("admin:indicators_report_load"), {"file": file})
    assert response.status_code == 302


def test_a_crafted_workbook_names_nothing_of_another_region(client, county_a, county_b):
    """A workbook that claims 柳城县 and a department whose name 柳城县 uses under another code
    is refused for its region alone: no problem names 柳城县's department codes."""
    office_of_b(client, county_b)
    book = load_workbook(io.BytesIO(setup.report_setup_bytes(county_b["report"])))
    info = book[setup.REPORT_SHEET]
    for row in info.iter_rows(min_row=2):
        if row[0].value == "地区":
            row[1].value = "柳城县"
        if row[0].value in ("行政区划代码", "上级地区"):
            row[1].value = None
    book[setup.DEPARTMENT_SHEET].append(["zzz", "县发展和改革局", "发改", 9])
    out = io.BytesIO()
    book.save(out)
    file = SimpleUploadedFile("报告.xlsx", out.getvalue())
    response = client.post(reverse("admin:indicators_report_load"), {"file": file})
    page = response.content.decode()
    assert response.status_code == 400 and "只能导入本地区的工作报告" in page
    assert not re.search(r"(?<![\w-])fgj(?![\w-])", page.replace("鹿寨", ""))
    assert "已被代码为" not in page


def users_workbook(rows):
    book = load_workbook(io.BytesIO(people.users_template_bytes()))
    sheet = book[people.USERS_SHEET]
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("用户.xlsx", out.getvalue())


def test_a_users_workbook_load_grants_no_permission_again(client, county_b):
    """The administrator took 修改行政区划 away from the office; loading people gives it back to
    no one."""
    office = office_of_b(client, county_b)
    group = Group.objects.get(name="reviewer")
    group.permissions.remove(Permission.objects.get(codename="change_region"))
    before = set(group.permissions.values_list("pk", flat=True))
    file = users_workbook([("钱七", "lz-qianqi", "czj", "填报员", "")])
    response = client.post(reverse("admin:indicators_user_load"), {"file": file})
    assert response.status_code == 200  # the initial passwords' workbook
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert not User.objects.get(pk=office.pk).has_perm("indicators.change_region")
    created = User.objects.get(username="lz-qianqi")
    assert created.department == county_b["departments"]["czj"] and not created.is_staff


def test_the_office_loads_only_its_own_regions_reporters_and_leaders(client, county_a, county_b):
    office_of_b(client, county_b)
    file = users_workbook(
        [
            ("甲", "lz-new-office", "", "督查室", ""),
            ("乙", "lz-new-leader", "", "县领导", "", "柳城县"),
            ("丙", "lz-new-fgj", "rsj", "填报员", ""),  # 柳城县's department, not B's
            ("丁", "lc-fgj", "fgj", "填报员", ""),  # 柳城县's reporter
        ]
    )
    response = client.post(reverse("admin:indicators_user_load"), {"file": file})
    page = response.content.decode()
    assert response.status_code == 400
    assert "只能建立本地区的填报员和县领导账号" in page
    assert "只能导入本地区（鹿寨县）的用户" in page
    assert "登录名已被占用" in page
    assert "县人力资源和社会保障局" not in page and "柳城督查员" not in page
    assert not User.objects.filter(username__startswith="lz-new").exists()
    assert User.objects.get(username="lc-fgj").department.region == county_a["report"].region


def test_the_user_admin_lists_only_the_offices_reporters_and_leaders(
    client, county_a, county_b, admin_user
):
    office_of_b(client, county_b)
    page = client.get(reverse("admin:indicators_user_changelist")).content.decode()
    assert "lz-fgj" in page and "lz-leader" in page
    hidden = [*county_a["users"], county_b["personas"]["office"], admin_user]
    for user in hidden:
        assert reverse("admin:indicators_user_change", args=[user.pk]) not in page, user
    for user in [*county_a["users"], admin_user]:
        url = reverse("admin:indicators_user_change", args=[user.pk])
        assert client.get(url).status_code == 404
        password = reverse("admin:auth_user_password_change", args=[user.pk])
        assert client.get(password).status_code == 404


def test_the_office_grants_no_power_through_the_user_admin(client, county_b):
    office_of_b(client, county_b)
    reporter = county_b["personas"]["reporter"]
    url = reverse("admin:indicators_user_change", args=[reporter.pk])
    form = client.get(url).content.decode()
    for field in ("is_superuser", "is_staff", "user_permissions"):
        assert f'name="{field}"' not in form, field
    reviewers = Group.objects.get(name="reviewer")
    leaders = Group.objects.get(name="leader")
    assert f'value="{reviewers.pk}"' not in form.split('name="groups"')[1].split("</select>")[0]
    response = client.post(
        url,
        {
            "username": reporter.username,
            "last_name": "改名",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [leaders.pk],
            "user_permissions": list(Permission.objects.values_list("pk", flat=True)[:5]),
            "region": county_b["report"].region.pk,
            "department": "",
        },
    )
    assert response.status_code == 302
    reporter = User.objects.get(pk=reporter.pk)
    assert reporter.last_name == "改名" and reporter.is_leader
    assert not reporter.is_superuser and not reporter.is_staff
    assert not reporter.user_permissions.exists()
    response = client.post(url, {"username": reporter.username, "groups": [reviewers.pk]})
    assert response.status_code == 200 and not User.objects.get(pk=reporter.pk).is_reviewer


def test_the_office_resets_a_reporters_password_and_deactivates_them(client, county_b):
    office_of_b(client, county_b)
    reporter = county_b["personas"]["reporter"]
    url = reverse("admin:auth_user_password_change", args=[reporter.pk])
    new = "Another-pw-2024"
    response = client.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert response.status_code == 302
    reporter.refresh_from_db()
    assert reporter.check_password(new)
    change = reverse("admin:indicators_user_change", args=[reporter.pk])
    data = {
        "username": reporter.username,
        "groups": [Group.objects.get(name="reporter").pk],
        "department": county_b["departments"]["fgj"].pk,
    }  # is_active left out: unticked
    assert client.post(change, data).status_code == 302
    assert not User.objects.get(pk=reporter.pk).is_active


def test_the_office_creates_a_reporter_in_its_own_region(client, county_b):
    office_of_b(client, county_b)
    response = client.post(
        reverse("admin:indicators_user_add"),
        {"username": "lz-new", "password1": "Another-pw-2024", "password2": "Another-pw-2024",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302
    created = User.objects.get(username="lz-new")
    assert created.region == county_b["report"].region and created.must_change_password
    assert not created.is_staff and not created.is_superuser


def test_an_administrator_manages_every_account(client, county_a, county_b, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:indicators_user_changelist")).content.decode()
    assert "lc-office" in page and "lz-office" in page
    form = client.get(reverse("admin:indicators_user_change", args=[county_a["users"][0].pk]))
    assert 'name="is_superuser"' in form.content.decode()


def test_a_review_action_on_another_regions_row_names_nothing(client, county_a, county_b):
    office_of_b(client, county_b)
    entry = county_a["rows"][ProgressEntry]
    url = reverse("reporting:review-action", args=["approve"])
    response = client.post(url, {"rows": [f"i{entry.pk}:{entry.version}"]}, follow=True)
    # Refused exactly as a row that does not exist: the answer tells nothing of A's ids.
    missing = client.post(url, {"rows": ["i987654:1"]}, follow=True)
    assert response.status_code == missing.status_code == 200
    said = [str(m) for m in response.context["messages"]]
    assert (
        said == [str(m) for m in missing.context["messages"]] == ["所选记录不存在，请刷新后重试。"]
    )
    assert "EC-06" not in response.content.decode()
    assert "EC-06" not in client.get(reverse("reporting:review")).content.decode()
    entry.refresh_from_db()
    assert entry.state == "submitted"


def test_another_regions_target_is_not_found_but_a_colleagues_is_forbidden(
    client, county_a, county_b
):
    """A reader of B opening A's target by id finds nothing (404, not the page that explains a
    reporter's limits); a reporter of A opening another department of A keeps that 403."""
    indicator = county_a["rows"][Indicator]
    url = reverse("reporting:indicator", args=[indicator.pk])
    for persona in county_b["personas"].values():
        client.force_login(persona)
        assert client.get(url).status_code == 404
    client.force_login(make_user("lc-rsj", "reporter", Department.objects.get(code="rsj")))
    assert client.get(url).status_code == 403


def test_the_admins_autocomplete_offers_only_the_users_regions(client, county_a, county_b):
    office_of_b(client, county_b)
    query = {
        "app_label": "indicators",
        "model_name": "indicator",
        "field_name": "cooperating_departments",
        "term": "",
    }
    found = client.get(reverse("admin:autocomplete"), query).json()["results"]
    assert {row["text"] for row in found} == {name for _code, name in B_DEPARTMENTS}


def test_another_regions_row_in_the_admin_is_not_found(client, county_a, county_b):
    office_of_b(client, county_b)
    for model, row in county_a["rows"].items():
        if model not in admin.site._registry or model._meta.app_label == "axes":
            continue
        meta = model._meta
        for view in ("change", "history"):
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[row.pk])
            assert client.get(url).status_code == 404, url


def test_a_departments_leader_in_charge_is_chosen_among_the_regions_own_leaders(
    client, county_a, county_b
):
    office = office_of_b(client, county_b)
    office.user_permissions.add(Permission.objects.get(codename="change_department"))
    department = county_b["departments"]["czj"]
    form = client.get(reverse("admin:indicators_department_change", args=[department.pk]))
    choices = form.content.decode().split('name="leader"')[1].split("</select>")[0]
    assert "lz-leader" in choices and "lc-leader" not in choices
