"""Workbooks in two languages: each is written in the language of the person downloading it and
read in either, so a template downloaded in English imports under a Chinese session and the
other way round. Sheet names, headers and the fixed words in cells (是, 累计型, 填报员) are found
by their Chinese msgid or its translation (``indicators.xlsx.spellings``)."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from indicators import checks, people, setup, xlsx
from indicators.models import EntryState, Frequency, Indicator, Kind, ProgressEntry, Region, User
from projects import excel as register
from projects.models import BuildType, Category, Project, Stage
from reporting import monthly_excel, regions, summary

from .conftest import approve
from .interface_language import Data, workbook_problems

OTHER = {"en": "zh-hans", "zh-hans": "en"}
MONTH = 10


def speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def saved(book):
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- The monthly template: downloaded in one language, uploaded in the other -------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_monthly_template_imports_under_the_other_language(client, fgj, language):
    client.force_login(fgj)
    speaking(client, language)
    data = client.get(reverse("reporting:import-template"), {"year": 2023, "month": MONTH}).content
    book = load_workbook(BytesIO(data))
    with translation.override(language):
        sheet_name = translation.gettext(monthly_excel.MONTHLY_SHEET)
        yes = translation.gettext(xlsx.YES)
    assert book.sheetnames[0] == sheet_name
    sheet = book[sheet_name]
    assert sheet["A3"].value == "EC-05"
    sheet["G3"] = 7
    sheet["H3"] = "进展顺利"
    sheet["J3"] = yes
    upload = SimpleUploadedFile("f.xlsx", saved(book), content_type=xlsx.XLSX_CONTENT_TYPE)
    speaking(client, OTHER[language])
    preview = client.post(
        reverse("reporting:import"), {"year": 2023, "month": MONTH, "file": upload}
    )
    assert preview.status_code == 200, [str(p) for p in preview.context["problems"]]
    assert preview.context["checked"].is_valid
    done = client.post(reverse("reporting:import"), {"token": preview.context["token"]})
    assert done.status_code == 302
    entry = ProgressEntry.objects.get(indicator__code="EC-05", month=MONTH)
    assert entry.value == 7 and entry.state == EntryState.SUBMITTED


def test_a_changed_header_is_refused_in_the_language_of_the_page(client, fgj):
    client.force_login(fgj)
    data = client.get(reverse("reporting:import-template"), {"year": 2023, "month": MONTH}).content
    book = load_workbook(BytesIO(data))
    book[monthly_excel.MONTHLY_SHEET]["G2"] = "本月数"
    upload = SimpleUploadedFile("f.xlsx", saved(book), content_type=xlsx.XLSX_CONTENT_TYPE)
    speaking(client, "en")
    response = client.post(
        reverse("reporting:import"), {"year": 2023, "month": MONTH, "file": upload}
    )
    assert response.status_code == 400
    (problem,) = [str(p) for p in response.context["problems"]]
    assert problem == (
        "Sheet “Monthly report”, row 2, column G: The header should read “To date, end of this "
        "month (enter)” but reads “本月数”. Use the template unchanged."
    )


# --- The report set-up workbook ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_report_workbook_written_in_one_language_loads_unchanged_in_the_other(report, language):
    # Next year's report in 筹备, started from 2023's: a workbook loads only into a report in 筹备.
    report = setup.start_from(report, None)
    with translation.override(language):
        data = setup.report_setup_bytes(report)
    book = load_workbook(BytesIO(data))
    with translation.override(language):
        assert book.sheetnames[:5] == [
            translation.gettext(name)
            for name in (
                setup.HELP_SHEET,
                setup.REPORT_SHEET,
                setup.SECTION_SHEET,
                setup.DEPARTMENT_SHEET,
                setup.INDICATOR_SHEET,
            )
        ]
    with translation.override(OTHER[language]):
        counts = setup.load_report_file(SimpleUploadedFile("setup.xlsx", data))
    assert counts["created"] == 0 and counts["updated"] == 0, counts


def test_an_english_report_workbook_sets_up_a_new_report(report):
    """Words typed in English (kinds, yes, frequencies, levels) are understood."""
    with translation.override("en"):
        data = setup.report_setup_bytes(report)
    book = load_workbook(BytesIO(data))
    info = book["Work report"]
    assert [c.value for c in info[1]] == ["Item", "Content"]
    assert info["A3"].value == "Year"
    info["B3"] = 2024
    targets = book["Target"]
    headers = [c.value for c in targets[1]]
    assert headers[:6] == ["Code", "Section", "Order", "Target", "Unit", "Kind"]
    row = next(r for r in targets.iter_rows(min_row=2) if r[0].value == "LV-01")
    assert row[headers.index("Kind")].value == "Cumulative"
    row[headers.index("Year-end only")].value = "Yes"
    row[headers.index("Reporting frequency")].value = "quarterly"
    with translation.override("zh-hans"):
        setup.load_report_file(SimpleUploadedFile("setup.xlsx", saved(book)))
    copied = Indicator.objects.get(report__year=2024, code="LV-01")
    assert copied.kind == Kind.CUMULATIVE
    assert copied.is_year_end_only and copied.frequency == Frequency.QUARTERLY


# --- The users workbook ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_users_template_filled_in_one_language_loads_in_the_other(report, language):
    with translation.override(language):
        book = load_workbook(BytesIO(people.users_template_bytes()))
        sheet = book[translation.gettext(people.USERS_SHEET)]
        roles = [translation.gettext(label) for label in people.ROLES]
    sheet.append(["张三", "zhang-san", "fgj", roles[0], ""])
    sheet.append(["王五", "wang-wu", "", roles[1], ""])
    with translation.override(OTHER[language]):
        loaded = people.load_users_file(SimpleUploadedFile("users.xlsx", saved(book)))
    assert len(loaded.created) == 2
    assert User.objects.get(username="zhang-san").groups.get().name == "reporter"
    assert User.objects.get(username="wang-wu").groups.get().name == "reviewer"


# --- The register workbook (no template: typed by the office) ---------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_register_workbook_in_either_language_loads(report, reviewer, language):
    book = Workbook()
    book.remove(book.active)
    with translation.override(language):
        sheet = book.create_sheet(translation.gettext(register.SETUP_SHEET))
        sheet.append([translation.gettext(h) for h in register.SETUP_HEADERS])
        sheet.append(
            [
                "T-101",
                "测试道路项目",
                str(Category.IMPLEMENTATION.label),
                str(BuildType.NEW.label),
                str(Stage.STARTED.label),
                "2023-03-01",
                "",
                "12000",
                "3000",
                "zjj",
                "交通提升工程",
                translation.gettext(xlsx.YES),
                "2023-02-01",
                "广东深圳",
            ]
        )
    with translation.override(OTHER[language]):
        counts = register.load_register_file(
            SimpleUploadedFile("register.xlsx", saved(book)), report, reviewer
        )
    assert counts["created"] == 1
    project = Project.objects.get(report=report, code="T-101")
    assert (project.category, project.build_type, project.stage) == (
        Category.IMPLEMENTATION,
        BuildType.NEW,
        Stage.STARTED,
    )
    assert project.is_promoted and project.total_investment == Decimal(12000)


# --- Every name read in both languages is one name only ----------------------------------------


def sheets_read():
    """(what, the names a reader tells apart): every set of headers, sheet names and words."""
    yield (
        "setup sheets",
        [
            setup.REPORT_SHEET,
            setup.SECTION_SHEET,
            setup.DEPARTMENT_SHEET,
            setup.INDICATOR_SHEET,
            setup.HELP_SHEET,
            setup.RULE_SHEET,
        ],
    )
    yield "工作报告 rows", [*setup.REPORT_KEYS, *setup.REGION_KEYS]
    yield "工作报告 headers", setup.REPORT_HEADERS
    yield "板块 headers", setup.SECTION_HEADERS
    yield "责任单位 headers", setup.DEPARTMENT_HEADERS
    yield "目标任务 headers", [*setup.INDICATOR_HEADERS, *setup.INDICATOR_OPTIONAL]
    yield "校验规则 headers", setup.RULE_HEADERS
    yield "plausibility rules", list(checks.RULE_LABELS.values())
    yield "users headers", [*people.HEADERS, *people.OPTIONAL]
    yield "roles", list(people.ROLES)
    yield "register sheets", [register.SETUP_SHEET, register.MONTHLY_SHEET]
    yield "项目库 headers", register.SETUP_HEADERS
    yield "月度投资 headers", register.MONTHLY_HEADERS
    yield (
        "monthly sheets",
        [
            monthly_excel.MONTHLY_SHEET,
            monthly_excel.PROJECT_SHEET,
            monthly_excel.HELP_MONTHLY_SHEET,
        ],
    )
    for layout in monthly_excel.layouts():
        yield f"{layout.sheet} headers", layout.keys
    for choices in (Kind, Frequency, Stage, Category, BuildType, Region.Level):
        yield choices.__name__, list(choices.labels)
    yield "yes and no", [xlsx.YES, setup.NO]


@pytest.mark.parametrize("what, names", list(sheets_read()), ids=lambda v: str(v)[:30])
def test_names_read_in_either_language_never_collide(what, names):
    owners = {}
    for name in names:
        for spelling in xlsx.spellings(name):
            assert owners.setdefault(spelling, name) == name, (
                f"{what}: “{spelling}” would be read as both {owners[spelling]} and {name}"
            )


# --- Every workbook speaks one language --------------------------------------------------------


def exported_workbooks(client, report, language):
    """Every workbook a person downloads, made in ``language``."""
    with translation.override(language):
        yield "summary", summary.summary_sheets(report, MONTH)
        yield "set-up", setup.report_setup_sheets(report)
        yield "blank set-up", setup.report_setup_sheets(None)
        yield "users", people.users_template_sheets()
    fgj = User.objects.get(username="t-fgj")
    client.force_login(fgj)
    speaking(client, language)
    url = reverse("reporting:import-template")
    yield "monthly template", client.get(url, {"year": 2023, "month": MONTH}).content


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_workbook_speaks_the_language_it_was_made_in(client, fgj, report, language):
    approve(Indicator.objects.get(code="EC-05"), 3, 2, note="按计划推进")
    Project.objects.create(
        report=report,
        code="T-900",
        name="测试项目",
        category=Category.IMPLEMENTATION,
        build_type=BuildType.NEW,
        stage=Stage.PLANNED,
        registered_stage=Stage.PLANNED,
        total_investment=100,
        planned_investment=10,
        lead_department=fgj.department,
    )
    failures = []
    for name, made in exported_workbooks(client, report, language):
        data = made if isinstance(made, bytes) else xlsx.workbook_bytes(made)
        problems = workbook_problems(load_workbook(BytesIO(data)), language, Data())
        if problems:
            failures.append((name, problems[:10]))
    with translation.override(language):
        city = Region.objects.create(name="柳州市", level=Region.Level.CITY)
        report.region.parent = city
        report.region.save()
        rows, _standings = regions.county_rows(city, 2023, MONTH)
        data = xlsx.workbook_bytes(regions.region_sheets(city, 2023, MONTH, rows))
    problems = workbook_problems(load_workbook(BytesIO(data)), language, Data())
    if problems:
        failures.append(("regions", problems[:10]))
    assert not failures, failures
