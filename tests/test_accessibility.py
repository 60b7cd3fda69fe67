"""Accessibility in a real Chromium: axe-core checks every page as every persona who can open it,
in Chinese and in English, and finds nothing serious or critical.

axe-core is an npm package pinned in package.json (`npm ci` installs it into node_modules/;
`.ci/run` does so). It is evaluated into each page through the DevTools protocol, which the
site's strict Content Security Policy does not govern, so the pages are checked with their own
policy on. The run proves that axe ran: its version is the pinned one and it passed some rules.

One browser context per persona and language, logged in once. To check a new page, add a line
to `pages`; the test also fails when a page linked from a persona's header is missing there.
"""

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.urls import reverse

from indicators.demo import PASSWORD
from indicators.models import Department, Indicator, ProgressEntry, Section, User
from opendata.demo import open_to_the_public
from projects.models import Project
from reporting import demo as demo_cycle
from supervision import bulletins, verification
from supervision.demo import tell_the_story
from supervision.models import Slip, VerificationTask

from .conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
LANGUAGES = ["zh-hans", "en"]
ANONYMOUS = None
PERSONAS = ["fgj", "reviewer", "leader", "sysadmin", "secadmin", "auditor", ANONYMOUS]
READERS = ("leader", "reviewer")
SIGNED_IN = ("fgj", "reviewer", "leader", "secadmin", "auditor")  # the site's own header
PERIOD = "?year=2023&month=9"
# What a <details> holds (a chart's table) is checked too: axe skips what is not rendered.
RUN_AXE = """tags => {
  document.querySelectorAll("details").forEach((details) => { details.open = true; });
  return axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
}"""


@dataclass(frozen=True)
class Page:
    path: str
    personas: tuple
    status: int = 200


@dataclass(frozen=True)
class Axe:
    source: str
    version: str  # the version package-lock.json pins, which the run must report


@pytest.fixture(scope="session")
def axe():
    """axe-core's script, or a skip with the reason (a failure under CI=true)."""
    script = AXE / "axe.min.js"
    if not script.exists():
        message = f"axe-core not found at {script} (run `npm ci` in the project folder)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    lock = json.loads((Path(settings.BASE_DIR) / "package-lock.json").read_text())
    return Axe(
        script.read_text(encoding="utf-8"),
        lock["packages"]["node_modules/axe-core"]["version"],
    )


@pytest.fixture
def demo_year(report):
    """The whole demo (as `make run` loads it), a bulletin draft and a 核实 task beside it."""
    demo_cycle.load_demo()
    tell_the_story(report)
    open_to_the_public(report)
    reviewer = User.objects.get(username="reviewer")
    bulletins.regenerate(reviewer, report, 9)
    entry = ProgressEntry.objects.filter(indicator__report=report, month=9, state="approved")
    verification.mark(reviewer, report, [entry.order_by("pk").first()])
    return report


def pages(report):
    """Every page, each with the personas who may open it. Add new pages here."""
    fgj = Department.objects.get(region=report.region, code="fgj")
    indicator = Indicator.objects.get(report=report, code="UC-07")
    own_indicator = Indicator.objects.filter(report=report, lead_department=fgj).first()
    project = Project.objects.filter(report=report).exclude(lead_department=fgj).first()
    own_project = Project.objects.filter(report=report, lead_department=fgj).first()
    section = Section.objects.filter(report=report).order_by("order").first()
    slip = Slip.objects.get(report=report)
    task = VerificationTask.objects.get(report=report)
    reporter = User.objects.get(username="fgj")
    return [
        Page("/" + PERIOD, READERS),
        Page(reverse("reporting:section", args=[section.pk]) + PERIOD, READERS),
        Page(reverse("reporting:indicator", args=[indicator.pk]) + PERIOD, READERS),
        Page(reverse("reporting:indicator", args=[own_indicator.pk]) + PERIOD, ("fgj",)),
        Page(reverse("reporting:departments") + PERIOD, READERS),
        Page(reverse("reporting:department", args=[fgj.pk]) + PERIOD, (*READERS, "fgj")),
        Page(reverse("projects:list") + PERIOD, (*READERS, "fgj")),
        Page(reverse("projects:detail", args=[project.pk]), READERS),
        Page(reverse("projects:detail", args=[own_project.pk]), ("fgj",)),
        Page(reverse("projects:investment") + PERIOD, READERS),
        Page(reverse("reporting:landing"), ("fgj",)),
        Page(reverse("reporting:monthly-form", args=[2023, 9]), ("fgj",)),
        Page(reverse("reporting:monthly-form", args=[2023, 12]), ("fgj",)),
        Page(reverse("reporting:import"), ("fgj",)),
        Page(reverse("reporting:review") + "?year=2023", ("reviewer",)),
        Page(reverse("reporting:screen") + PERIOD, READERS),
        Page(reverse("reporting:regions"), READERS),
        Page(reverse("supervision:bulletins"), READERS),
        Page(reverse("supervision:bulletin", args=[2023, 9]), READERS),
        Page(reverse("supervision:slips"), (*READERS, "fgj")),
        Page(reverse("supervision:slip", args=[slip.pk]), READERS),
        Page(reverse("supervision:slip-new") + f"?indicator={indicator.pk}&month=9", ("reviewer",)),
        Page(reverse("supervision:verifications"), READERS),
        Page(reverse("supervision:verification", args=[task.pk]), ("reviewer",)),
        Page(reverse("supervision:notices"), SIGNED_IN),
        Page(reverse("audit:records"), ("auditor",)),
        Page(reverse("accounts:security"), ("secadmin", "reviewer")),
        Page(reverse("password_change"), SIGNED_IN),
        Page(reverse("admin:index"), ("sysadmin", "reviewer")),
        Page(reverse("admin:password_change"), ("sysadmin", "reviewer")),
        Page(reverse("admin:indicators_user_changelist"), ("sysadmin", "reviewer")),
        Page(reverse("admin:indicators_user_change", args=[reporter.pk]), ("sysadmin", "reviewer")),
        Page(reverse("admin:indicators_indicator_changelist"), ("reviewer",)),
        Page(reverse("admin:auth_group_changelist"), ("sysadmin",)),
        Page(reverse("login"), (ANONYMOUS,)),
        Page("/public/450222/2023/", (ANONYMOUS,)),
        Page("/public/450222/2023/?size=large", (ANONYMOUS,)),
        Page(reverse("opendata:publishing"), ("reviewer",)),
        Page(reverse("opendata:comparison-latest"), ("reviewer",)),  # the header's link
        Page(reverse("api:tokens"), ("fgj", "leader", "reviewer")),
        Page("/no-such-page/", (ANONYMOUS, "leader"), status=404),
        Page(reverse("reporting:review"), ("fgj",), status=403),
    ]


def sign_in(page, base_url, username):
    page.goto(f"{base_url}{reverse('login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")


def run_axe(page, axe_source):
    page.evaluate(axe_source)  # DevTools evaluation: not subject to the page's CSP
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def header_paths(page):
    """The paths the page's header links to (the site's header and the admin's)."""
    hrefs = page.eval_on_selector_all("header a[href]", "links => links.map(a => a.href)")
    return {urlparse(href).path for href in hrefs}


def check_persona(browser, base_url, axe, persona, language, page_list):
    """axe's blocking findings on every page ``persona`` may open, in ``language``, and the
    header links that no page of the list covers; returns (problems, pages checked)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    if persona is not ANONYMOUS:
        sign_in(page, base_url, persona)
    problems, linked, visited = [], set(), set()
    who = f"{language} {persona or 'anonymous'}"
    mine = [p for p in page_list if persona in p.personas]
    for listed in mine:
        response = page.goto(base_url + listed.path, wait_until="load")
        visited.add(urlparse(listed.path).path)
        if response.status != listed.status:
            problems.append(f"{who} {listed.path}: status {response.status}")
            continue
        if page.get_attribute("html", "lang") != language:
            problems.append(f"{who} {listed.path}: <html lang> is not {language}")
        result = run_axe(page, axe.source)
        if result["testEngine"]["version"] != axe.version or not result["passes"]:
            problems.append(f"{who} {listed.path}: axe did not run")
        problems += [
            f"{who} {listed.path}: {v['id']} ({v['impact']}) at {node['target']}"
            for v in result["violations"]
            if v["impact"] in BLOCKING
            for node in v["nodes"]
        ]
        if persona is not ANONYMOUS:  # whose every header link leads to the login page
            linked |= header_paths(page)
    problems += [
        f"{who}: the header links to {path}, which `pages` lacks" for path in linked - visited
    ]
    context.close()
    return problems, len(mine)


def sweep(executable, base_url, axe, jobs, page_list, workers=2):
    """``check_persona`` for every (persona, language) of ``jobs``, on ``workers`` browsers at
    once (the server, the browsers and axe then share the machine's cores; one browser leaves
    one idle). Each thread drives its own Playwright, as the sync API requires."""
    from playwright.sync_api import sync_playwright

    pending = list(jobs)
    lock = threading.Lock()

    def work():
        results = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            while True:
                with lock:
                    if not pending:
                        break
                    persona, language = pending.pop(0)
                results.append(check_persona(browser, base_url, axe, persona, language, page_list))
            browser.close()
        return results

    with ThreadPoolExecutor(workers) as pool:
        running = [pool.submit(work) for _ in range(workers)]
        return [result for future in running for result in future.result()]


def test_axe_finds_nothing_serious_on_any_page_for_any_persona_in_either_language(
    browser_executable, live_server, axe, demo_year
):
    page_list = pages(demo_year)
    # The longest lists first, so that the two browsers finish together.
    jobs = sorted(
        ((persona, language) for language in LANGUAGES for persona in PERSONAS),
        key=lambda job: -sum(job[0] in p.personas for p in page_list),
    )
    started = time.monotonic()
    results = sweep(browser_executable, live_server.url, axe, jobs, page_list)
    problems = [problem for found, _count in results for problem in found]
    checked = sum(count for _found, count in results)
    print(f"axe-core: {checked} pages checked in {time.monotonic() - started:.1f}s")
    assert checked > 100
    assert problems == [], "\n".join(problems)


def test_axe_runs_under_the_sites_policy_and_reports_a_badge_too_pale_to_read(chromium, axe):
    # The behind badge's former colour: white on #c27c0e is 3.4:1, short of 4.5:1.
    page = chromium.new_page()
    page.route("http://county.test/", lambda route: route.fulfill(
        body='<!DOCTYPE html><html lang="zh-hans"><title>t</title><main>'
             '<span style="color:#fff;background:#c27c0e">滞后</span></main></html>',
        headers={"Content-Type": "text/html", "Content-Security-Policy": "script-src 'self'"},
    ))  # fmt: skip
    page.goto("http://county.test/")
    result = run_axe(page, axe.source)
    page.close()
    assert result["testEngine"]["version"] == axe.version
    assert [(v["id"], v["impact"]) for v in result["violations"]] == [("color-contrast", "serious")]
