"""The Content Security Policy in a real Chromium: every page the personas use loads with the
policy on, records no violation, and still draws its charts.

A violation shows twice: as a console error (collected by ``visit``) and as a
``securitypolicyviolation`` event, which the page reports here with its directive and source.
"""

import pytest
from django.urls import reverse

from indicators.demo import PASSWORD
from indicators.models import Department, Indicator, Section, User
from projects.models import Project
from reporting import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "?year=2023&month=9"

RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolation(
    [event.effectiveDirective, event.blockedURI, event.sourceFile, event.lineNumber,
     event.columnNumber, event.sample]
      .join(" | ")
  );
});
"""


@pytest.fixture
def csp_visit(visit):
    visit.violations = []
    visit.page.context.expose_function("cspViolation", lambda text: visit.violations.append(text))
    visit.page.context.add_init_script(RECORD_VIOLATIONS)
    return visit


@pytest.fixture
def demo_year(report):
    demo.load_demo()
    return report


def walk(visit, pages):
    """Open each page; return what went wrong (a status, charts not drawn)."""
    problems = []
    for path in pages:
        response = visit.goto(path)
        visit.page.wait_for_load_state("networkidle")
        if response.status != 200:
            problems.append(f"{path}: status {response.status}")
        if "content-security-policy" not in response.headers:
            problems.append(f"{path}: no Content-Security-Policy header")
        embedded = visit.page.locator("script[data-chart]").count()
        drawn = visit.page.locator(".js-plotly-plot .main-svg").count()
        if embedded and drawn < embedded:
            problems.append(f"{path}: {drawn} charts drawn of {embedded}")
    return problems


def test_leader_pages_draw_their_charts_with_no_csp_violation(csp_visit, demo_year):
    section = Section.objects.filter(report=demo_year).order_by("order").first()
    indicator = Indicator.objects.get(report=demo_year, code="UC-07")
    project = Project.objects.filter(report=demo_year).first()
    csp_visit.goto("/accounts/login/")
    csp_visit.login("leader", PASSWORD)
    problems = walk(
        csp_visit,
        [
            "/" + PERIOD,
            reverse("reporting:section", args=[section.pk]) + PERIOD,
            reverse("reporting:indicator", args=[indicator.pk]) + PERIOD,
            reverse("reporting:departments") + PERIOD,
            reverse("reporting:department", args=[Department.objects.get(code="fgj").pk]) + PERIOD,
            reverse("reporting:screen") + PERIOD,
            reverse("projects:list") + PERIOD,
            reverse("projects:detail", args=[project.pk]),
            reverse("projects:investment") + PERIOD,
            reverse("password_change"),
        ],
    )
    assert problems == []
    assert csp_visit.page.locator("style").count() == 0  # plotly inserted none of its own
    assert csp_visit.violations == []
    assert csp_visit.console_errors == []


def test_reporter_and_reviewer_pages_have_no_csp_violation(csp_visit, demo_year):
    # (The monthly form's counter, now static/js/monthly_form.js, is typed into in
    # test_browser_reporting.py with this policy on.)
    csp_visit.login("fgj", PASSWORD)
    fgj = Department.objects.get(code="fgj")
    problems = walk(
        csp_visit,
        [
            reverse("reporting:monthly-form", args=[2023, 9]),
            reverse("reporting:import") + PERIOD,
            reverse("reporting:department", args=[fgj.pk]) + PERIOD,
        ],
    )
    csp_visit.page.context.clear_cookies()
    csp_visit.login("reviewer", PASSWORD)
    problems += walk(
        csp_visit, [reverse("reporting:review") + "?year=2023", reverse("opendata:publishing")]
    )
    assert problems == []
    assert csp_visit.violations == []
    assert csp_visit.console_errors == []


def test_admin_pages_have_no_csp_violation(csp_visit, demo_year):
    csp_visit.login("admin", PASSWORD)
    user = User.objects.get(username="fgj")
    problems = walk(
        csp_visit,
        [
            reverse("admin:index"),
            reverse("admin:indicators_user_changelist"),
            reverse("admin:indicators_user_change", args=[user.pk]),
            reverse("admin:indicators_user_add"),
            reverse("admin:indicators_user_load"),
            reverse("admin:indicators_report_load"),
            reverse("admin:axes_accessattempt_changelist"),
        ],
    )
    assert problems == []
    assert csp_visit.violations == []
    assert csp_visit.console_errors == []
