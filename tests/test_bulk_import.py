"""The monthly import at size: the gate writes every row in bulk with its history, keeping every
rule (who, state, lock, version) and all or nothing."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from indicators import versions, workflow
from indicators.models import Department, EntryState, Indicator, Kind, ProgressEntry, Section
from reporting import monthly_excel

from .conftest import make_user, submit

MONTH = 9


def many_targets(report, department, count):
    section = Section.objects.filter(report=report).first()
    return Indicator.objects.bulk_create(
        Indicator(
            report=report,
            section=section,
            code=f"B-{n:05d}",
            name=f"批量目标{n}",
            unit="个",
            kind=Kind.CUMULATIVE,
            target=1000,
            lead_department=department,
        )
        for n in range(count)
    )


@pytest.fixture
def bench(report):
    """A department leading many targets, and its reporter."""
    department = Department.objects.create(
        region=report.region, name="批量测试局", short_name="批量局", code="bulk"
    )
    return make_user("t-bulk", "reporter", department)


def filled(user, report, value=lambda row: row % 900):
    book = load_workbook(BytesIO(monthly_excel.monthly_template_bytes(user, report, MONTH)))
    sheet = book[monthly_excel.MONTHLY_SHEET]
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row=row, column=7).value = value(row)
        sheet.cell(row=row, column=8).value = "按计划推进"
    out = BytesIO()
    book.save(out)
    return SimpleUploadedFile("月报.xlsx", out.getvalue())


def imported(user, report):
    checked = monthly_excel.import_monthly(user, report, MONTH, filled(user, report))
    assert checked.is_valid, checked.problems[:3]
    with CaptureQueriesContext(connection) as queries:
        written = monthly_excel.commit_monthly(user, checked)
    return written, len(queries)


def test_an_import_writes_every_row_with_its_history_by_the_reporter(report, bench):
    many_targets(report, bench.department, 300)
    before = versions.counters([report.pk])[versions.report_key(report.pk)]
    written, _queries = imported(bench, report)
    assert written == 300
    entries = ProgressEntry.objects.filter(indicator__lead_department=bench.department)
    assert entries.count() == 300
    assert set(entries.values_list("state", "version", "kind", "submitted_by")) == {
        (EntryState.SUBMITTED, 1, Kind.CUMULATIVE, bench.pk)
    }
    history = ProgressEntry.history.filter(indicator__lead_department=bench.department)
    assert history.count() == 300
    assert set(history.values_list("history_user", "history_type")) == {(bench.pk, "+")}
    assert versions.counters([report.pk])[versions.report_key(report.pk)] > before


def test_an_import_costs_few_queries_however_many_rows(report, bench):
    """Per model one INSERT and its history's (SQLite splits them into batches of its variable
    limit): far fewer queries than rows, and none per row."""
    many_targets(report, bench.department, 40)
    small = imported(bench, report)[1]
    ProgressEntry.objects.filter(indicator__lead_department=bench.department).delete()
    Indicator.objects.filter(lead_department=bench.department).delete()
    many_targets(report, bench.department, 1200)
    large = imported(bench, report)[1]
    batches = 2 * (1200 // 50 + 1) if connection.vendor == "sqlite" else 0
    assert large <= small + batches
    assert large < 1200 / 10


def test_an_update_in_bulk_keeps_the_version_check(report, fgj, reviewer):
    """Stored rows are updated in bulk, each from the version the person saw: a stale one
    refuses the whole change and writes nothing."""
    targets = list(
        Indicator.objects.filter(report=report, lead_department=fgj.department, register_rule="")
    )[:2]
    for target in targets:
        submit(fgj, target, MONTH, workflow.SAVE, value=Decimal(1))
    stored = {e.indicator_id: e for e in ProgressEntry.objects.filter(indicator__in=targets)}
    changes = [
        workflow.Change(t, MONTH, {"value": Decimal(2)}, stored[t.pk].version) for t in targets
    ]
    changes[1].version -= 1  # this person's form is older than the stored row
    with pytest.raises(workflow.Refused) as refused:
        workflow.apply(fgj, changes, workflow.SAVE)
    assert refused.value.is_conflict and list(refused.value.reasons) == [1]
    assert set(
        ProgressEntry.objects.filter(indicator__in=targets).values_list("value", "version")
    ) == {(Decimal(1), 1)}
    changes[1].version += 1
    workflow.apply(fgj, changes, workflow.SAVE)
    rows = ProgressEntry.objects.filter(indicator__in=targets)
    assert set(rows.values_list("value", "version")) == {(Decimal(2), 2)}
    assert ProgressEntry.history.filter(indicator__in=targets, history_type="~").count() == 2


def test_a_row_the_database_refuses_is_named_and_nothing_is_written(report, fgj):
    """A batch the database refuses (a milestone over 100 that no form checked) is written again
    row by row to name the row; the whole change is refused."""
    department = fgj.department
    milestone = Indicator.objects.create(
        report=report,
        section=Section.objects.filter(report=report).first(),
        code="M-001",
        name="节点目标",
        unit="%",
        kind=Kind.MILESTONE,
        target=100,
        lead_department=department,
    )
    (plain,) = many_targets(report, department, 1)
    changes = [
        workflow.Change(plain, MONTH, {"value": Decimal(5)}, 0),
        workflow.Change(milestone, MONTH, {"value": Decimal(150)}, 0),
    ]
    with pytest.raises(workflow.Refused) as refused:
        workflow.apply(fgj, changes, workflow.SAVE)
    assert list(refused.value.reasons) == [1]
    assert not ProgressEntry.objects.filter(indicator__in=[plain, milestone]).exists()
