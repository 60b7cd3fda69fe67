"""Shared personas and small factories.

Personas (as in STYLE.md): a reporter of 发改局 (``fgj``), a reporter of 人社局 (``rsj``, the
outsider for 发改局's rows), a ``reviewer``, a ``leader`` and anonymous. They live in the demo
report, loaded from the shipped fixture, so every test sees the real catalogue.
"""

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation

from indicators import demo, versions, workflow
from indicators.models import (
    Department,
    EntryState,
    Indicator,
    ProgressEntry,
    Region,
    Report,
    Section,
    User,
)
from projects.models import BuildType, Category, Project, Stage

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is slow on purpose (about a second a user here); tests need no such cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    # A request leaves its language active in the thread, as Django's own middleware does; a
    # test that asked for English must not hand it to the next one.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, as a fresh server does. Dashboards are cached by
    data version, and a rolled-back test leaves no version behind: without this a later test
    whose rows were written in bulk (no signals) could read an earlier test's page."""
    cache.clear()


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    """Evidence files of each test in a folder of its own, never in the project's media/."""
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root},
        },
    }
    return root


def stored_files(root):
    """Every file under the evidence folder, as names relative to it."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def report(db):
    """The 2023 report of 柳城县 from the shipped fixture, with groups but no demo progress."""
    report = demo.ensure_report()
    demo.ensure_groups()
    return report


def make_user(username, group=None, department=None, region=None):
    """A user of ``region`` (default: their department's, else the demo's 柳城县)."""
    if region is None:
        region = department.region if department else Region.objects.filter(name="柳城县").first()
    user = User.objects.create_user(
        username, password="pw-for-tests-1", department=department, region=region
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def fgj(report):
    return make_user("t-fgj", "reporter", Department.objects.get(code="fgj"))


@pytest.fixture
def rsj(report):
    return make_user("t-rsj", "reporter", Department.objects.get(code="rsj"))


@pytest.fixture
def reviewer(report):
    return make_user("t-reviewer", "reviewer")


@pytest.fixture
def office(report):
    """柳城县's supervision office, which also uses the admin (staff)."""
    user = make_user("t-office", "reviewer")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def leader(report):
    return make_user("t-leader", "leader")


def make_next_year(report, state=Report.State.PREPARING):
    """``report``'s region's report of the next year in ``state`` (筹备 unless said), with one
    section and one monthly target led by 发改局: the turn of the year, two reports side by side."""
    year, region = report.year + 1, report.region
    title = f"{year}年{region.name}政府工作报告"
    new = Report.objects.create(region=region, year=year, title=title, state=state)
    section = Section.objects.create(report=new, name="经济发展", order=1)
    Indicator.objects.create(
        report=new, section=section, code="N-01", name="新增就业", kind="cumulative",
        target=Decimal(100), unit="个", lead_department=Department.objects.get(
            region=report.region, code="fgj"
        ),
    )  # fmt: skip
    return new


def approve(indicator, month, value, **fields):
    """An approved entry, as review would leave it."""
    return ProgressEntry.objects.create(
        indicator=indicator,
        month=month,
        value=Decimal(str(value)),
        state=EntryState.APPROVED,
        **fields,
    )


def submit(user, subject, month, action=workflow.SUBMIT, **fields):
    """Save or submit ``subject``'s row for ``month`` through the workflow gate, as a form would
    (the version is taken as the one stored)."""
    model = subject.entry_model
    stored = model.objects.filter(**{model.subject_field: subject, "month": month}).first()
    version = stored.version if stored else 0
    (entry,) = workflow.apply(user, [workflow.Change(subject, month, fields, version)], action)
    return entry


def make_project(report, **fields):
    """A project registered at ``stage`` (with its dates), which is also where it stands."""
    values = {
        "report": report,
        "code": "T-001",
        "name": "测试项目",
        "category": Category.IMPLEMENTATION,
        "build_type": BuildType.NEW,
        "stage": Stage.READY,
        "total_investment": Decimal(50000),
        "planned_investment": Decimal(10000),
        **fields,
    }
    if "lead_department" not in values:
        values["lead_department"] = Department.objects.get(region=report.region, code="fgj")
    values["registered_stage"] = values["stage"]
    values["registered_start_date"] = values.get("start_date")
    values["registered_completion_date"] = values.get("completion_date")
    return Project.objects.create(**values)


def add_indicators(report, count, prefix="X"):
    """``count`` extra cumulative targets with a year of approved entries, for growth tests."""
    section = Section.objects.filter(report=report).first()
    department = Department.objects.first()
    indicators = Indicator.objects.bulk_create(
        Indicator(
            report=report,
            section=section,
            code=f"{prefix}-{n:04d}",
            name=f"测试目标{n}",
            unit="个",
            kind="cumulative",
            target=100,
            lead_department=department,
        )
        for n in range(count)
    )
    ProgressEntry.objects.bulk_create(
        ProgressEntry(indicator=i, kind=i.kind, month=m, value=m * 8, state=EntryState.APPROVED)
        for i in indicators
        for m in range(1, 13)
    )
    versions.advance([report.pk])  # written in bulk: no signals advance the data version
    return indicators


@pytest.fixture(scope="session")
def browser_executable():
    """Debian's Chromium, or a skip with the reason (a failure under CI=true)."""
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return CHROMIUM
    message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


# --- Browser tests -------------------------------------------------------------------------------
# Playwright drives Debian's Chromium against pytest-django's live_server. Playwright's sync API
# runs an event loop in this thread, so Django must be told that sync ORM calls here are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium(browser_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """A browser page that records console errors and every request to a host not our own."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.console_errors = []
        self.foreign_requests = []
        self.failed_responses = []
        page.on("console", self._console)
        page.on(
            "response",
            lambda r: r.status >= 400 and self.failed_responses.append(f"{r.status} {r.url}"),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.route("**/*", self._route)

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base_url) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.foreign_requests.append(url)
            route.abort()

    def login(self, username, password="pw-for-tests-1"):
        self.page.goto(f"{self.base_url}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("main button[type=submit]")  # not the header's language switch
        self.page.wait_for_load_state("networkidle")

    def goto(self, path):
        return self.page.goto(f"{self.base_url}{path}")

    def has_horizontal_scroll(self):
        return self.page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )


@pytest.fixture
def visit(chromium, live_server):
    """A fresh browser context at 1366x768; ``visit.page.set_viewport_size`` to change it."""
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    yield Visit(page, live_server.url)
    context.close()


SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def screenshot(page, name):
    """Save a full-page screenshot in the git-ignored screenshots/ folder for a person to look."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
