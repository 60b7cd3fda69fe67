"""Every page as every persona, in English and in Chinese: no word of the other language in the
interface chrome (data such as target names, notes and codes excepted).

The persona chooses the language as a person does, with the ``django_language`` cookie that the
header's switch sets. Data is whatever the database holds (``interface_language.Data``): it is
taken out by value, so a literal left untranslated in a template, a view or a chart shows up
whatever markup surrounds it, and so does a date or a number in the wrong language's format.
"""

from html.parser import HTMLParser
from io import BytesIO

import docx
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error
from PIL import Image

from indicators import evidence, workflow
from indicators.models import Department, EntryState, Indicator, ProgressEntry, Region, User
from projects.models import Project, ProjectProgress
from reporting.demo import load_demo
from supervision.demo import tell_the_story
from supervision.models import Dispatch, Slip

from .conftest import submit
from .interface_language import Data, describe, foreign_words, page_problems

LANGUAGES = ["en", "zh-hans"]
YEAR = 2023


@pytest.fixture
def demo(db, settings):
    """The demo with something in every state: entries waiting for review, one returned, a locked
    month, a city above the county, failed logins for the admin's login throttling pages."""
    settings.AXES_FAILURE_LIMIT = 3
    report = load_demo()["report"]
    fgj = User.objects.get(username="fgj")
    reviewer = User.objects.get(username="reviewer")
    target = next(
        i
        for i in Indicator.objects.filter(report=report, lead_department=fgj.department)
        if i.is_reportable and i.frequency == "monthly"
    )
    # Its last two months reopened: one waits for review, one comes back with a comment.
    ProgressEntry.objects.filter(indicator=target, month__gte=11).delete()
    pending_target, pending_month, returned_target, returned_month = target, 11, target, 12
    workflow.attach(fgj, pending_target, pending_month, [evidence.prepare(a_photo("现场.jpg"))])
    # Plausible figures (no plausibility flag): October's approved one, not less.
    october = ProgressEntry.objects.get(indicator=target, month=10).value
    submit(fgj, pending_target, pending_month, value=october, note="按计划推进")
    returned = submit(fgj, returned_target, returned_month, value=october, note="已完成部分")
    workflow.review(reviewer, [returned], workflow.RETURN, "请补充说明", versions={})
    project = Project.objects.filter(report=report, lead_department=fgj.department).first()
    waiting = [
        m
        for m in range(1, 13)
        if not ProjectProgress.objects.filter(project=project, month=m).exists()
    ]
    if waiting:
        approved = ProjectProgress.objects.filter(
            project=project, month__lt=waiting[0], state="approved"
        ).order_by("month")
        last = approved.last().investment_completed if approved.exists() else 100
        submit(fgj, project, waiting[0], investment_completed=last, physical_progress="土建施工")
    workflow.lock_month(reviewer, report, 1)
    county = report.region
    county.parent = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    county.save()
    city_leader = User.objects.create_user("city-leader", region=county.parent, last_name="市领导")
    city_leader.groups.add(Group.objects.get(name="leader"))
    tell_the_story(report)  # a supervision slip and the month's reminders in everyone's bell
    anonymous = Client()
    for _ in range(2):
        anonymous.post(reverse("login"), {"username": "fgj", "password": "wrong-password"})
    return report


def a_photo(name):
    buffer = BytesIO()
    Image.new("RGB", (64, 48), "#9b1c1c").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def pages(report):
    """(persona, path[, status]) for every page, as each persona reaches it: 200 unless the
    persona is refused (the 403 and 404 pages are walked too)."""
    fgj = User.objects.get(username="fgj")
    department = fgj.department
    own_target = Indicator.objects.filter(report=report, lead_department=department).first()
    targets = Indicator.objects.filter(report=report)
    far_behind = targets.filter(code="PP-02").first() or targets.first()
    derived = targets.exclude(register_rule="").first()
    limit = targets.filter(kind__in=["ceiling", "floor"]).first()
    section = report.sections.first()
    project = Project.objects.filter(report=report, lead_department=department).first()
    other_department = Department.objects.filter(region=report.region).exclude(pk=department.pk)[0]
    entry = ProgressEntry.objects.filter(indicator__report=report).first()
    progress_row = ProjectProgress.objects.filter(project__report=report).first()
    group = Group.objects.get(name="reporter")
    slip = Slip.objects.get(report=report)
    dispatch = Dispatch.objects.first()
    user = User.objects.get(username="leader")
    admin = "/admin/"
    return [
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/no-such-page/", 404),
        ("fgj", "/start/"),
        ("fgj", f"/report/{YEAR}/12/"),
        ("fgj", f"/report/{YEAR}/3/"),
        ("fgj", f"/import/?year={YEAR}&month=12"),
        ("fgj", f"/departments/{department.pk}/"),
        ("fgj", f"/indicators/{own_target.pk}/"),
        ("fgj", "/projects/"),
        ("fgj", f"/projects/{project.pk}/"),
        ("fgj", "/accounts/password/"),
        ("fgj", "/api/tokens/"),
        ("fgj", "/review/", 403),
        ("fgj", f"/departments/{other_department.pk}/", 403),
        ("fgj", "/indicators/999999/", 404),
        ("fgj", "/notices/"),
        ("zjj", "/slips/"),
        ("zjj", f"/slips/{slip.pk}/"),
        ("zjj", "/notices/"),
        ("reviewer", "/"),
        ("reviewer", f"/sections/{section.pk}/"),
        ("reviewer", f"/indicators/{far_behind.pk}/"),
        ("reviewer", f"/indicators/{derived.pk}/"),
        ("reviewer", f"/indicators/{limit.pk}/"),
        ("reviewer", "/departments/"),
        ("reviewer", f"/departments/{department.pk}/"),
        ("reviewer", "/screen/"),
        ("reviewer", "/projects/"),
        ("reviewer", f"/projects/{project.pk}/"),
        ("reviewer", "/projects/investment/"),
        ("reviewer", "/review/"),
        ("reviewer", "/slips/"),
        ("reviewer", f"/slips/{slip.pk}/"),
        ("reviewer", f"/slips/new/?indicator={far_behind.pk}&month=12"),
        ("reviewer", f"/slips/new/?department={department.pk}&month=12"),
        ("reviewer", "/bulletins/"),
        ("reviewer", f"/bulletins/{YEAR}/12/"),
        ("reviewer", "/notices/"),
        ("reviewer", admin),
        ("reviewer", f"{admin}indicators/report/"),
        ("reviewer", f"{admin}indicators/report/{report.pk}/change/"),
        ("reviewer", reverse("admin:indicators_report_load")),
        ("reviewer", f"{admin}indicators/indicator/"),
        ("reviewer", f"{admin}indicators/indicator/{far_behind.pk}/change/"),
        ("reviewer", f"{admin}indicators/indicator/{far_behind.pk}/history/"),
        ("reviewer", f"{admin}indicators/progressentry/"),
        ("reviewer", f"{admin}indicators/progressentry/{entry.pk}/change/"),
        ("reviewer", f"{admin}indicators/section/"),
        ("reviewer", f"{admin}indicators/department/"),
        ("reviewer", f"{admin}indicators/department/{department.pk}/change/"),
        ("reviewer", f"{admin}indicators/monthlock/"),
        ("reviewer", f"{admin}indicators/region/"),
        ("reviewer", f"{admin}projects/project/"),
        ("reviewer", f"{admin}projects/project/{project.pk}/change/"),
        ("reviewer", f"{admin}projects/projectprogress/"),
        ("reviewer", f"{admin}projects/projectprogress/{progress_row.pk}/change/"),
        ("leader", "/"),
        ("leader", "/screen/"),
        ("leader", "/departments/"),
        ("leader", "/projects/investment/"),
        ("leader", "/regions/"),
        ("leader", "/bulletins/"),
        ("leader", f"/bulletins/{YEAR}/11/"),
        ("leader", "/notices/"),
        ("city-leader", "/regions/"),
        ("admin", admin),
        ("admin", f"{admin}indicators/user/"),
        ("admin", reverse("admin:indicators_user_load")),
        ("admin", f"{admin}indicators/user/{user.pk}/change/"),
        ("admin", f"{admin}indicators/user/add/"),
        ("admin", f"{admin}indicators/region/add/"),
        ("admin", f"{admin}auth/group/"),
        ("admin", f"{admin}auth/group/{group.pk}/change/"),
        ("admin", f"{admin}axes/accessattempt/"),
        ("admin", f"{admin}axes/accesslog/"),
        ("admin", f"{admin}axes/accessfailurelog/"),
        ("admin", f"{admin}password_change/"),
        ("admin", f"{admin}supervision/dispatch/"),
        ("admin", f"{admin}supervision/dispatch/{dispatch.pk}/change/"),
    ]


def actions(report):
    """(persona, path, data from the page's form) for the forms whose answer is a page."""
    waiting = ProgressEntry.objects.filter(
        indicator__report=report, state=EntryState.SUBMITTED
    ).first()
    row = f"i{waiting.pk}:{waiting.version}"

    def bad_number(page):
        data = form_values(page, "monthly-form")
        value = next(name for name in data if name.endswith("-value"))
        return {**data, value: "约100", "action": "submit"}

    def bad_file(_page):
        upload = SimpleUploadedFile("figures.csv", b"code,value\nPP-01,3\n", "text/csv")
        return {"year": YEAR, "month": 12, "file": upload}

    return [
        ("fgj", f"/report/{YEAR}/12/", bad_number),
        ("fgj", "/import/", bad_file),
        ("reviewer", "/review/return/", lambda _page: {"rows": row, "comment": ""}),
        ("reviewer", "/review/approve/", lambda _page: {"rows": row}),
    ]


class FormValues(HTMLParser):
    """The values a browser would post from the form ``form_id`` as the page shows it."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.values, self._field = form_id, False, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs:
            return
        if tag == "input" and attrs.get("type") not in ("submit", "checkbox"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self._field = attrs["name"]
            self.values[self._field] = ""
        elif tag == "select":
            self._field = attrs["name"]
            self.values.setdefault(self._field, "")
        elif tag == "option" and "selected" in attrs and self._field:
            self.values[self._field] = attrs.get("value") or ""

    def handle_data(self, data):
        if self._field and self.inside and self.values.get(self._field) == "":
            self.values[self._field] = data

    def handle_endtag(self, tag):
        if tag in ("textarea", "select"):
            self._field = None
        if tag == "form":
            self.inside = False


def form_values(html, form_id):
    parser = FormValues(form_id)
    parser.feed(html)
    return parser.values


def client_for(persona, language):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if persona != "anonymous":
        client.force_login(User.objects.get(username=persona))
    return client


def walk(report, language):
    """[(page, problems)] for every page that shows a word of the other language."""
    visits = [(persona, path, *status) for persona, path, *status in pages(report)]
    # Signed in first: a sign-in writes the login log that the admin lists (django-axes).
    personas = dict.fromkeys(persona for persona, *_rest in visits)
    clients = {persona: client_for(persona, language) for persona in personas}
    failures = []
    data = Data()
    for persona, path, *status in visits:
        client = clients[persona]
        response = client.get(path, follow=True)
        assert response.status_code == (status or [200])[0], (persona, path, response.status_code)
        problems = page_problems(response.content.decode(), language, data)
        if problems:
            failures.append((f"{persona} {path} ({response.status_code})", problems))
    # Answers to forms: errors beside a row, messages after a review, a refused upload.
    for persona, path, data_for in actions(report):
        client = clients[persona]
        form_page = client.get(path).content.decode() if path.startswith("/report/") else ""
        response = client.post(path, data_for(form_page), follow=True)
        problems = page_problems(response.content.decode(), language, data)
        if problems:
            failures.append((f"{persona} POST {path} ({response.status_code})", problems))
    # The monthly bulletin as Word, drafted in the language of the person who opens it.
    word = clients["reviewer"].get(f"/bulletins/{YEAR}/12.docx")
    assert word.status_code == 200
    texts = [p.text for p in docx.Document(BytesIO(word.content)).paragraphs if p.text.strip()]
    problems = [
        ("paragraph", text[:160], words)
        for text in texts
        if (words := foreign_words(text, language, data))
    ]
    if problems:
        failures.append(("reviewer bulletin .docx", problems))
    # Pages that are answers rather than addresses: the lock-out, and the styled 500.
    anonymous = client_for("anonymous", language)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = anonymous.post(reverse("login"), {"username": "leader", "password": "wrong"})
    assert response.status_code == 429
    problems = page_problems(response.content.decode(), language, data)
    if problems:
        failures.append(("anonymous lock-out (429)", problems))
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    problems = page_problems(response.content.decode(), language, data)
    if problems:
        failures.append(("server error (500)", problems))
    return failures


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_speaks_one_language_for_every_persona(demo, language):
    failures = walk(demo, language)
    assert not failures, f"words of the other language on {language} pages:\n" + describe(failures)


def test_the_walk_sees_the_data_it_leaves_out(demo):
    """The check is not blind: a page's data is in the language it was typed (a Chinese name on
    an English page), and an untranslated word of the chrome is caught."""
    data = Data()
    client = client_for("reviewer", "en")
    page = client.get("/").content.decode()
    assert "项目谋划与建设" in page  # a section's name, data
    assert not page_problems(page, "en", data)
    untranslated = page.replace("Overview", "总览", 1)
    assert page_problems(untranslated, "en", data)
    chinese = client_for("reviewer", "zh-hans").get("/").content.decode()
    assert page_problems(chinese.replace("总览", "Overview", 1), "zh-hans", data)
    review = client.get("/review/").content.decode()
    assert "现场.jpg" in review and "evidence-thumb" in review  # evidence is walked too
