"""One register as of a month: the summary's 项目清单 and /projects/ read the same stage and the
same investment for every project at months 3, 6, 9 and 12, for projects that start and complete
mid-year and for a stage change that was approved and then sent back."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from indicators import workflow
from projects.models import BuildType, Stage
from reporting.summary import write_summary

from .conftest import make_project, submit

MONTHS = (3, 6, 9, 12)


@pytest.fixture(autouse=True)
def _after_the_year():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


def approved(user, reviewer, project, month, invested, **fields):
    row = submit(user, project, month, investment_completed=Decimal(invested), **fields)
    workflow.review(reviewer, [row], workflow.APPROVE)
    return row


@pytest.fixture
def register(report, fgj, reviewer):
    """Four projects of 发改局: one registered as started last year, one started in May and
    completed in October, one still ready, and one whose February start was sent back."""
    continuing = make_project(
        report,
        code="T-CONT",
        build_type=BuildType.CONTINUING,
        stage=Stage.STARTED,
        start_date=datetime.date(2022, 6, 1),
    )
    built = make_project(report, code="T-BUILT")
    waiting = make_project(report, code="T-WAIT")
    reopened = make_project(report, code="T-BACK", stage=Stage.PLANNED)
    approved(fgj, reviewer, continuing, 2, 300)
    approved(
        fgj, reviewer, built, 5, 120, stage=Stage.STARTED, stage_date=datetime.date(2023, 5, 18)
    )
    approved(fgj, reviewer, built, 8, 900)
    approved(
        fgj, reviewer, built, 10, 1500, stage=Stage.COMPLETED, stage_date=datetime.date(2023, 10, 9)
    )
    approved(fgj, reviewer, waiting, 6, 0, stage=Stage.READY)
    wrong = approved(
        fgj, reviewer, reopened, 2, 50, stage=Stage.STARTED, stage_date=datetime.date(2023, 2, 3)
    )
    workflow.review(reviewer, [wrong], workflow.REOPEN, "开工日期有误，请核实")
    return report


EXPECTED = {  # code -> stage at the end of months 3, 6, 9, 12
    "T-CONT": ["已开工", "已开工", "已开工", "已开工"],
    "T-BUILT": ["具备开工条件", "已开工", "已开工", "已竣工"],
    "T-WAIT": ["具备开工条件", "具备开工条件", "具备开工条件", "具备开工条件"],
    "T-BACK": ["谋划", "谋划", "谋划", "谋划"],
}


def sheet_rows(report, month):
    buffer = BytesIO()
    write_summary(report, month, buffer)
    ws = load_workbook(BytesIO(buffer.getvalue()))["项目清单"]
    rows = {}
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[0]:
            rows[row[0]] = (row[4], None if row[8] is None else Decimal(str(row[8])))
    return rows


def page_rows(client, month):
    page = client.get(f"/projects/?year=2023&month={month}").content.decode()
    rows = {}
    for code, cells in re.findall(r'<tr[^>]*data-code="([^"]+)"[^>]*>(.*?)</tr>', page, re.S):
        texts = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        invested = texts[9].replace(",", "")
        rows[code] = (texts[4], None if invested == "—" else Decimal(invested) / 10000)
    return rows


@pytest.mark.parametrize("month", MONTHS)
def test_the_summary_and_the_project_list_read_the_register_alike(client, register, leader, month):
    client.force_login(leader)
    on_page = page_rows(client, month)
    in_sheet = sheet_rows(register, month)
    assert set(on_page) == set(in_sheet) == set(EXPECTED)
    for code, stages in EXPECTED.items():
        stage = stages[MONTHS.index(month)]
        assert in_sheet[code][0] == on_page[code][0] == stage, (code, month)
        assert in_sheet[code][1] == on_page[code][1], (code, month)


def test_the_sent_back_start_left_the_register_where_it_was_registered(register):
    from projects.models import Project

    project = Project.objects.get(code="T-BACK")
    assert (project.stage, project.start_date) == (Stage.PLANNED, None)
    built = Project.objects.get(code="T-BUILT")
    assert (built.stage, built.start_date, built.completion_date) == (
        Stage.COMPLETED,
        datetime.date(2023, 5, 18),
        datetime.date(2023, 10, 9),
    )
