"""Excel figures: the meeting summary's time and peak memory beside openpyxl's own floor, and
the monthly import's time.

    .venv/bin/python bench/excel.py [--rows 100000] [--import-rows 5000] [--repeat 3]

Builds a throwaway SQLite database in a temporary folder (DATABASE_URL is set to it before Django
starts), loads the demo, and measures:

1. the demo summary (all five sheets, database queries included) as ``/export/summary.xlsx``
   builds it, beside the *floor*: openpyxl's write-only mode writing the same cells' values with
   no formatting at all (values collected beforehand, outside the timing);
2. a synthetic 指标明细 sheet of ``--rows`` indicators (100,000 by default). Setting up that many
   indicators with a year of entries through the ORM, and judging them in ``for_dashboard``, is
   not what is measured here: the rows are made in memory as ``for_dashboard`` would return them
   (each judged by ``progress.judge``) and go through the summary's own ``detail_rows`` and the
   one writer -- the same functions the export uses -- beside the floor on the same values;
3. the monthly import of ``--import-rows`` filled rows: preview (open, parse, check every row
   with EntryForm) and commit (one transaction, history recorded).

Time is wall-clock (best of ``--repeat`` runs, so other work on the machine shows less); peak
memory is tracemalloc's peak during the write, measured in a separate run (tracing slows Python
down). The load average is printed, because a busy machine slows every figure.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
YEAR, MONTH = 2023, 9


def setup_django(folder):
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'bench-excel.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "county_targets.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from reporting.demo import load_demo

    return load_demo()["report"]


def best_time(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def plain(value):
    from indicators.xlsx import Styled

    return value.value if isinstance(value, Styled) else value


def floor_writer(sheets):
    """openpyxl write-only with the same values and nothing else: the floor."""
    from openpyxl import Workbook

    def write():
        workbook = Workbook(write_only=True)
        for name, rows in sheets:
            ws = workbook.create_sheet(name)
            for row in rows:
                ws.append(row)
        workbook.save(BytesIO())

    return write


def plain_sheets(sheets):
    """The values every sheet would hold, title and header rows included, as lists."""
    collected = []
    for sheet in sheets:
        rows = [[sheet.title]] if sheet.title else []
        rows.append([column.header for column in sheet.columns])
        rows += [[plain(value) for value in row] for row in sheet.rows]
        rows += [[note] for note in sheet.notes]
        collected.append((sheet.name, rows))
    return collected


def line(label, ours, floor, memory_ours, memory_floor):
    mb = 1024 * 1024
    print(
        f"  {label:<34} {ours:7.2f} s  floor {floor:7.2f} s  ({ours / floor:.2f}x)   "
        f"peak {memory_ours / mb:6.1f} MB  floor {memory_floor / mb:6.1f} MB",
        flush=True,
    )


def bench_demo(report, repeat):
    from reporting import summary as excel

    cells = plain_sheets(excel.summary_sheets(report, MONTH))
    count = sum(len(row) for _, rows in cells for row in rows)

    def ours():
        excel.write_summary(report, MONTH, BytesIO())

    floor = floor_writer(cells)
    print(f"Demo summary, as of {MONTH}月 (5 sheets, {count} cells, queries included):")
    line(
        "summary (/export/summary.xlsx)",
        best_time(ours, repeat),
        best_time(floor, repeat),
        peak_memory(ours),
        peak_memory(floor),
    )


def synthetic_indicators(count):
    """Rows shaped like ``for_dashboard``'s: judged, with notes and problems on some."""
    from indicators import progress

    kinds = ["cumulative", "stock", "milestone", "ceiling", "floor"]
    sections = [SimpleNamespace(name=f"板块{n}") for n in range(1, 6)]
    departments = ["发改局", "人社局", "住建局", "自然资源局", "教育局"]
    indicators = []
    for n in range(count):
        kind = kinds[n % 5]
        target = Decimal(100) if kind == "milestone" else Decimal(n % 700 + 5)
        actual = None if n % 17 == 0 else target * Decimal(n % 13) / 10
        indicators.append(
            SimpleNamespace(
                section=sections[n * 5 // count],
                code=f"S-{n:06d}",
                name=f"合成目标任务第{n}项",
                unit="亿元" if n % 3 == 0 else "个",
                kind=kind,
                target=target,
                progress=progress.judge(kind, target, actual, MONTH),
                lead_department=departments[n % 5],
                lead_department_id=n % 5,
                latest_note="截至月底累计完成，按计划推进。" if n % 2 else "",
                latest_problems="征地拆迁未完成，剩余3户未签订协议，影响施工。"
                if n % 5 == 0
                else "",
            )
        )
    return indicators


def bench_synthetic(count, repeat):
    from indicators import xlsx
    from reporting import summary

    indicators = synthetic_indicators(count)

    def sheet():
        return xlsx.Sheet(
            "指标明细",
            summary.detail_columns(MONTH),
            summary.detail_rows(indicators),
            title="synthetic",
        )

    cells = plain_sheets([sheet()])

    def ours():
        xlsx.write_workbook([sheet()], BytesIO())

    floor = floor_writer(cells)
    columns = len(summary.detail_columns(MONTH))
    print(
        f"Synthetic 指标明细: {count:,} indicators x {columns} columns "
        "(rows made in memory, see the docstring; same detail_rows and writer as the export):"
    )
    line(
        f"指标明细 {count:,} rows",
        best_time(ours, repeat),
        best_time(floor, repeat),
        peak_memory(ours),
        peak_memory(floor),
    )


def bench_import(report, count):
    from django.contrib.auth.models import Group
    from openpyxl import load_workbook

    from indicators.models import Department, Indicator, ProgressEntry, User
    from reporting import monthly_excel as excel

    department = Department.objects.create(name="基准测试局", short_name="基准局", code="bench")
    user = User.objects.create(username="bench-reporter", department=department)
    user.groups.add(Group.objects.get(name="reporter"))
    section = report.sections.first()
    Indicator.objects.bulk_create(
        Indicator(
            report=report,
            section=section,
            code=f"B-{n:05d}",
            name=f"基准目标{n}",
            unit="个",
            kind="cumulative",
            target=1000,
            lead_department=department,
        )
        for n in range(count)
    )
    month = 10
    workbook = load_workbook(BytesIO(excel.monthly_template_bytes(user, report, month)))
    ws = workbook[excel.MONTHLY_SHEET]
    for row in range(3, ws.max_row + 1):
        ws.cell(row=row, column=7).value = row * 3 % 900
        ws.cell(row=row, column=8).value = "按计划推进"
    buffer = BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()

    class Upload(BytesIO):
        name = "bench.xlsx"
        size = len(data)

    start = time.perf_counter()
    checked = excel.import_monthly(user, report, month, Upload(data))
    preview = time.perf_counter() - start
    assert checked.is_valid, checked.problems[:3]
    start = time.perf_counter()
    written = excel.commit_monthly(user, checked)
    commit = time.perf_counter() - start
    assert ProgressEntry.objects.filter(indicator__lead_department=department).count() == count
    print(f"Monthly import of {written:,} rows ({len(data) / 1024:.0f} KB file):")
    print(f"  preview (open, parse, EntryForm per row)  {preview:7.2f} s")
    print(f"  commit (one transaction, with history)    {commit:7.2f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic 指标明细 rows")
    parser.add_argument("--import-rows", type=int, default=5000, help="rows in the import")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report = setup_django(folder)
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"\n== Excel (SQLite, throwaway database; load average {load}) ==", flush=True)
        bench_demo(report, max(args.repeat, 5))
        bench_synthetic(args.rows, args.repeat)
        bench_import(report, args.import_rows)
        print("Aim: demo summary < 0.5 s; 100,000 rows within 1.3x the floor and under 100 MB.")


if __name__ == "__main__":
    main()
