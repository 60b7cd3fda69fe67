"""Excel figures: the meeting summary's time and peak memory beside openpyxl's own floor, and
the monthly import's time and memory beside reading its file alone.

Used by ``bench/run.py`` (``make bench``); on its own:

    .venv/bin/python bench/excel.py [--rows 100000] [--import-rows 5000] [--repeat 2]

builds a throwaway SQLite database in a temporary folder, loads the demo and measures:

1. the demo summary (all five sheets, database queries included) as ``/export/summary.xlsx``
   builds it, beside the *floor*: openpyxl's write-only mode writing the same cells' values with
   no formatting at all (values collected beforehand, outside the timing);
2. a synthetic 指标明细 sheet of ``--rows`` indicators (100,000 by default): the rows are made in
   memory as ``standing.judged`` would return them (each judged by ``progress.judge``) and go
   through the summary's own ``detail_rows`` and the one writer -- the same functions the export
   uses -- beside the floor on the same values;
3. the monthly import of ``--import-rows`` filled rows: preview (open, parse, check every row
   with its form) and commit (the gate's bulk write, history recorded), beside reading the same
   file's cells alone with openpyxl.

Time is wall-clock (best of ``--repeat`` runs, so other work on the machine shows less); peak
memory is tracemalloc's peak, measured in a separate run (tracing slows Python down).
"""

import argparse
import json
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


MB = 1024 * 1024


def figures(ours, floor, repeat):
    """Time (best of ``repeat``) and peak memory of ``ours`` beside ``floor``."""
    return {
        "seconds": best_time(ours, repeat),
        "floor_seconds": best_time(floor, repeat),
        "peak_mb": peak_memory(ours) / MB,
        "floor_peak_mb": peak_memory(floor) / MB,
    }


def line(label, row):
    print(
        f"  {label:<34} {row['seconds']:7.2f} s  floor {row['floor_seconds']:7.2f} s  "
        f"({row['seconds'] / row['floor_seconds']:.2f}x)   peak {row['peak_mb']:6.1f} MB  "
        f"floor {row['floor_peak_mb']:6.1f} MB",
        flush=True,
    )


def bench_demo(report, repeat):
    from reporting import summary as excel

    cells = plain_sheets(excel.summary_sheets(report, MONTH))

    def ours():
        excel.write_summary(report, MONTH, BytesIO())

    row = figures(ours, floor_writer(cells), repeat)
    row["cells"] = sum(len(r) for _, rows in cells for r in rows)
    return row


def synthetic_indicators(count):
    """Rows shaped like ``for_dashboard``'s: judged and projected, with notes and problems on
    some."""
    from indicators import forecast, progress

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
                forecast=forecast.project(
                    kind, target, {} if actual is None else {MONTH: actual}, MONTH
                ),
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

    return figures(ours, floor_writer(cells), repeat)


def bench_import(report, count):
    """Preview and commit of ``count`` filled rows of a department's monthly template, beside
    reading the same file's cells alone (the floor); peak memory of the preview and the floor."""
    from django.contrib.auth.models import Group
    from openpyxl import load_workbook

    from indicators.models import Department, Indicator, ProgressEntry, User
    from indicators.xlsx import open_workbook_safely
    from reporting import monthly_excel as excel

    department = Department.objects.create(
        region=report.region, name="基准测试局", short_name="基准局", code="bench"
    )
    user = User.objects.create(
        username="bench-reporter", department=department, region=report.region
    )
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

    def preview():
        return excel.import_monthly(user, report, month, Upload(data))

    def floor():
        book = open_workbook_safely(Upload(data))
        for sheet in book.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                pass
        book.close()

    floor_seconds = best_time(floor, 2)
    start = time.perf_counter()
    checked = preview()
    preview_seconds = time.perf_counter() - start
    assert checked.is_valid, checked.problems[:3]
    start = time.perf_counter()
    written = excel.commit_monthly(user, checked)
    commit_seconds = time.perf_counter() - start
    assert written == count
    assert ProgressEntry.objects.filter(indicator__lead_department=department).count() == count
    return {
        "rows": count,
        "kb": len(data) / 1024,
        "preview_seconds": preview_seconds,
        "commit_seconds": commit_seconds,
        "seconds": preview_seconds + commit_seconds,
        "floor_seconds": floor_seconds,
        "peak_mb": peak_memory(preview) / MB,  # the rows are checked again: nothing is written
        "floor_peak_mb": peak_memory(floor) / MB,
    }


def bench_chart(count=400, repeat=5):
    """The bullet chart of ``count`` targets built and embedded: the section page's largest
    figure (tests/test_charts.py checks what it draws; its speed is measured here)."""
    from decimal import Decimal

    from indicators import charts, progress

    statuses = progress.STATUSES

    def build():
        figure = charts.bullets(
            [f"T{i} 一个相当长的目标任务名称" for i in range(count)],
            [Decimal(i % 120) / 100 for i in range(count)],
            [Decimal("0.75")] * count,
            [statuses[i % 5] for i in range(count)],
        )
        charts.embed("chart-bullets", figure)

    return {"targets": count, "seconds": best_time(build, repeat)}


def bench_export(report, rows, repeat):
    """The demo summary and the synthetic ``rows``-row 指标明细, each beside the floor."""
    return {"demo": bench_demo(report, max(repeat, 3)), "synthetic": bench_synthetic(rows, repeat)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic 指标明细 rows")
    parser.add_argument("--import-rows", type=int, default=5000, help="rows in the import")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs; the best is shown")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report = setup_django(folder)
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"Excel (SQLite, throwaway database; load average {load})", flush=True)
        results = bench_export(report, args.rows, args.repeat)
        line("demo summary (5 sheets, queries)", results["demo"])
        line(f"指标明细 {args.rows:,} rows", results["synthetic"])
        results["chart"] = bench_chart()
        print(f"  bullet chart of 400 targets: {results['chart']['seconds'] * 1000:.1f} ms")
        if args.import_rows:
            results["import"] = bench_import(report, args.import_rows)
            row = results["import"]
            print(
                f"  import {row['rows']:,} rows: preview {row['preview_seconds']:.2f} s + "
                f"commit {row['commit_seconds']:.2f} s (reading the file alone "
                f"{row['floor_seconds']:.2f} s)"
            )
        if args.out:
            Path(args.out).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
