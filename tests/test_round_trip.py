"""A number saved and then saved again as displayed: what the monthly form (and the Excel
template) shows in an input is accepted back unchanged and stores the same value."""

import datetime
from decimal import Decimal
from html.parser import HTMLParser
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from indicators import workflow
from indicators.models import Department, Indicator, ProgressEntry
from indicators.numbers import parse, plain
from projects.models import ProjectProgress
from reporting.monthly_excel import MONTHLY_SHEET, PROJECT_SHEET

from .conftest import make_project, make_user, submit

URL = "/report/2023/9/"
VALUES = ["0.0001", "999", "1239.5", "1000000", "99999999.9999"]


@pytest.fixture(autouse=True)
def _after_the_year():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


class FormFields(HTMLParser):
    """Every input and textarea of the page's monthly form, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.fields = {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "checkbox":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""
        elif tag == "select" and attrs.get("name"):
            self.fields.setdefault(attrs["name"], "")
            self._select = attrs["name"]
        elif tag == "option" and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def shown_form(client):
    parser = FormFields()
    parser.feed(client.get(URL).content.decode())
    parser.fields.pop("csrfmiddlewaretoken", None)
    return parser.fields


@pytest.fixture
def zrzyj(report):
    return make_user("t-zrzyj", "reporter", Department.objects.get(code="zrzyj"))


@pytest.mark.parametrize("value", VALUES)
def test_a_targets_value_shown_in_its_input_is_accepted_back_unchanged(
    client, report, zrzyj, value
):
    land = Indicator.objects.get(report=report, code="PP-10")  # 亩, cumulative, target 5000
    # Saved with its 说明 (a figure this size is flagged): it comes back with the figure, so
    # submitting the page as displayed is not asked about again.
    entry = submit(
        zrzyj, land, 9, workflow.SAVE, value=Decimal(value), note="草稿", explanation="核实无误"
    )
    client.force_login(zrzyj)
    fields = shown_form(client)
    shown = fields[f"i{land.pk}-value"]
    assert shown == value  # plain: no thousands separator, no trailing zeros
    assert parse(shown) == entry.value
    response = client.post(URL, {**fields, "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:3000]
    entry.refresh_from_db()
    assert (entry.value, entry.state, entry.note) == (Decimal(value), "submitted", "草稿")


@pytest.mark.parametrize("value", VALUES[:4])  # investment keeps two decimals: 0.0001 cannot be
def test_a_projects_investment_shown_is_accepted_back_unchanged(client, report, fgj, value):
    value = plain(Decimal(value).quantize(Decimal("0.01")) or Decimal("0.01"))
    project = make_project(report, planned_investment=Decimal(100))
    row = submit(
        fgj, project, 9, workflow.SAVE, investment_completed=Decimal(value), explanation="核实"
    )
    client.force_login(fgj)
    fields = shown_form(client)
    assert fields[f"p{project.pk}-investment_completed"] == value
    response = client.post(URL, {**fields, "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:3000]
    row.refresh_from_db()
    assert (row.investment_completed, row.state) == (Decimal(value), "submitted")


def test_an_untouched_page_saved_again_changes_nothing(client, report, zrzyj):
    land = Indicator.objects.get(report=report, code="PP-10")
    submit(zrzyj, land, 9, workflow.SAVE, value=Decimal("1239.5"))
    client.force_login(zrzyj)
    history = ProgressEntry.history.count()
    response = client.post(URL, {**shown_form(client), "action": "save"}, follow=True)
    assert "没有需要保存的内容" in response.content.decode()
    assert ProgressEntry.history.count() == history


def test_a_row_changed_elsewhere_is_left_alone_when_this_page_did_not_touch_it(
    client, report, zrzyj
):
    """Two rows on one page; someone else saves row B; this page saves its change to row A and
    neither overwrites B nor is refused because of it."""
    land = Indicator.objects.get(report=report, code="PP-10")
    other = (
        Indicator.objects.filter(report=report, lead_department__code="zrzyj", register_rule="")
        .exclude(pk=land.pk)
        .first()
    )
    submit(zrzyj, other, 9, workflow.SAVE, value=Decimal(10))
    client.force_login(zrzyj)
    fields = shown_form(client)
    submit(zrzyj, other, 9, workflow.SAVE, value=Decimal(20))  # another window, meanwhile
    fields[f"i{land.pk}-value"] = "300"
    assert client.post(URL, {**fields, "action": "save"}).status_code == 302
    assert ProgressEntry.objects.get(indicator=land).value == 300
    assert ProgressEntry.objects.get(indicator=other).value == 20


def test_the_template_shows_values_the_import_takes_back_unchanged(client, report, fgj, zrzyj):
    land = Indicator.objects.get(report=report, code="PP-10")
    # Far past the target, explained: the template carries the 说明 back with the figure.
    submit(
        zrzyj,
        land,
        9,
        workflow.SAVE,
        value=Decimal("99999999.9999"),
        note="草稿",
        explanation="核实无误",
    )
    client.force_login(zrzyj)
    data = client.get("/import/template.xlsx", {"year": 2023, "month": 9}).content
    ws = load_workbook(BytesIO(data))[MONTHLY_SHEET]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=1).value == "PP-10")
    assert ws.cell(row=row, column=10).value == "核实无误"
    upload = SimpleUploadedFile("t.xlsx", data)
    preview = client.post("/import/", {"year": 2023, "month": 9, "file": upload})
    assert preview.status_code == 200, [str(p) for p in preview.context["checked"].problems]
    assert client.post("/import/", {"token": preview.context["token"]}).status_code == 302
    entry = ProgressEntry.objects.get(indicator=land)
    assert (entry.value, entry.state) == (Decimal("99999999.9999"), "submitted")

    project = make_project(report, planned_investment=Decimal(100))
    submit(
        fgj, project, 9, workflow.SAVE, investment_completed=Decimal("1239.5"), explanation="核实"
    )
    client.force_login(fgj)
    data = client.get("/import/template.xlsx", {"year": 2023, "month": 9}).content
    workbook = load_workbook(BytesIO(data))
    assert workbook[PROJECT_SHEET]["F3"].value == Decimal("1239.5")
    upload = SimpleUploadedFile("t.xlsx", data)
    preview = client.post("/import/", {"year": 2023, "month": 9, "file": upload})
    assert preview.status_code == 200, [str(p) for p in preview.context["checked"].problems]
    client.post("/import/", {"token": preview.context["token"]})
    row = ProjectProgress.objects.get(project=project)
    assert (row.investment_completed, row.state) == (Decimal("1239.5"), "submitted")
