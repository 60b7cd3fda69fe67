"""`make bench`: one table of what the pages, a load run, the import and the export cost.

    .venv/bin/python bench/run.py [--quick]

For SQLite (a temporary file) and PostgreSQL (a scratch database ``county_targets_bench`` on the
server of DATABASE_URL, or on 127.0.0.1:5432 when that answers; created and dropped here), a
child process (``bench/pages.py``) measures every dashboard page at 1x, 10x and 100x demo size,
cold and warm, a load run at 100x, and the monthly import; another (``bench/excel.py``) measures
the summary export beside openpyxl's floor, a third (``bench/forecast.py``) the forecast's
back-test (issue 18) on the demo year and the synthetic set, a fourth (``bench/public.py``)
the public progress page under 16 anonymous clients beside /healthz, and a fifth
(``bench/api.py``) the API's list of 1,000 values, in-process and on gunicorn under a few
clients (both issue 21). The table goes
to stdout and to ``bench/results/bench-<time>.md`` (git-ignored), with the aims of issue 12 and
whether each was met, the machine's load and a yardstick (a 1M-step Python loop: ~30 ms on an
idle laptop; every timing scales with it).
"""

import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
SCRATCH = "county_targets_bench"
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return LOCAL_POSTGRES
    except OSError:
        return None


class ScratchDatabase:
    """A database next to the one ``url`` names, dropped on the way out."""

    def __init__(self, url):
        self.url = url
        self.scratch = urlunsplit(urlsplit(url)._replace(path=f"/{SCRATCH}"))

    def _execute(self, sql):
        import psycopg2

        connection = psycopg2.connect(self.url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def __enter__(self):
        self._execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        self._execute(f"CREATE DATABASE {SCRATCH}")
        return self.scratch

    def __exit__(self, *exc):
        self._execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


def child(script, env_url, arguments):
    """Run a bench script in its own process (Django reads its database once per process)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    env = {**os.environ, "DEMO": "1", "DEBUG": "0", "STATIC_MANIFEST": "0"}
    env["REQUEST_LOG_LEVEL"] = "WARNING"
    env.pop("REDIS_URL", None)  # the local cache of each process: what `make run` has
    if env_url:
        env["DATABASE_URL"] = env_url
    subprocess.run(
        [sys.executable, str(BENCH / script), "--out", path, *arguments],
        env=env,
        cwd=ROOT,
        check=True,
    )
    results = json.loads(Path(path).read_text())
    os.unlink(path)
    return results


def machine_speed():
    started = time.perf_counter()
    total = 0
    for step in range(1_000_000):
        total += step
    return (time.perf_counter() - started) * 1000


# --- The table -----------------------------------------------------------------------------------

COLUMNS = (
    "database",
    "size",
    "what",
    "cold median ms",
    "cold p95 ms",
    "warm median ms",
    "warm p95 ms",
    "queries cold/warm",
    "req/s",
    "load p50/p95 ms",
    "errors",
    "seconds",
    "peak MB",
    "vs floor",
)


def number(value, digits=1):
    return "" if value is None else f"{value:,.{digits}f}"


def rows_for(database, results):
    rows = []
    for size, pages in results["pages"].items():
        for page, row in pages.items():
            rows.append(
                {
                    "database": database,
                    "size": size,
                    "what": page,
                    "cold median ms": number(row["cold_median"]),
                    "cold p95 ms": number(row["cold_p95"]),
                    "warm median ms": number(row["warm_median"]),
                    "warm p95 ms": number(row["warm_p95"]),
                    "queries cold/warm": row["queries"],
                }
            )
    for page, row in results.get("load", {}).items():
        if page.endswith("/healthz"):
            continue
        health = results["load"][page + " /healthz"]
        for what, figures, ratio in (
            (f"load: {page}", row, f"{row['rps'] / health['rps']:.2f}x /healthz"),
            (f"load: /healthz beside {page}", health, ""),
        ):
            rows.append(
                {
                    "database": database,
                    "size": "100x",
                    "what": what + f" ({results['load_tool']})",
                    "req/s": number(figures["rps"], 0),
                    "load p50/p95 ms": f"{figures['p50']:.0f}/{figures['p95']:.0f}",
                    "errors": str(figures["errors"]),
                    "vs floor": ratio,
                }
            )
    imported = results["import"]
    rows.append(
        {
            "database": database,
            "size": "100x",
            "what": f"import {imported['rows']:,} rows: preview + commit",
            "seconds": f"{imported['preview_seconds']:.2f} + {imported['commit_seconds']:.2f}",
            "peak MB": number(imported["peak_mb"]),
            "vs floor": f"read alone {imported['floor_seconds']:.2f} s, "
            f"{imported['floor_peak_mb']:.1f} MB",
        }
    )
    return rows


API_AIM_MS = 50


def api_rows(database, results):
    """The API's list of 1,000 values: in-process cold, warm, 304 and public; on gunicorn one
    call at a time and under a few clients."""
    rows = []
    for case, what in (
        ("cold", "API: 1,000 values, cold (body made)"),
        ("warm", "API: 1,000 values, warm (body cached)"),
        ("304", "API: 1,000 values, If-None-Match (304)"),
        ("public", "API: 1,000 values, no token (public)"),
    ):
        row = results["in_process"][case]
        rows.append(
            {
                "database": database,
                "size": "10x",
                "what": what,
                "warm median ms": number(row["median"]),
                "warm p95 ms": number(row["p95"]),
                "queries cold/warm": str(row["queries"]),
            }
        )
    for key, what in (
        ("sequential", "API load: 1,000 values, one client"),
        ("load", f"API load: 1,000 values, {results['clients']} clients ({results['tool']})"),
    ):
        figures = results[key]
        rows.append(
            {
                "database": database,
                "size": "10x",
                "what": what,
                "req/s": number(figures.get("rps"), 0),
                "load p50/p95 ms": f"{figures['p50']:.0f}/{figures['p95']:.0f}",
                "errors": str(figures["errors"]),
                "vs floor": f"aim p95 <= {API_AIM_MS} ms",
            }
        )
    return rows


def api_aims(api):
    lines = []
    for database, results in api.items():
        load = results["load"]
        met = load["p95"] <= API_AIM_MS and load["errors"] == 0
        lines.append(
            f"- {database}: API list of 1,000 values under {results['clients']} clients, p95 "
            f"{load['p95']:.0f} ms (one client: {results['sequential']['p95']:.0f} ms; aim <= "
            f"{API_AIM_MS} ms, no errors; every call audited, {results['audited']:,} records): "
            f"{'met' if met else 'MISSED'}"
        )
    return lines


def export_rows(results, rows_count):
    rows = []
    for key, what in (
        ("demo", f"export: demo summary (5 sheets, {results['demo']['cells']:,} cells)"),
        ("synthetic", f"export: 指标明细 {rows_count:,} rows x 13 columns"),
    ):
        row = results[key]
        rows.append(
            {
                "database": "SQLite" if key == "demo" else "—",
                "size": "1x" if key == "demo" else "",
                "what": what,
                "seconds": f"{row['seconds']:.2f}",
                "peak MB": number(row["peak_mb"]),
                "vs floor": f"{row['seconds'] / row['floor_seconds']:.2f}x "
                f"({row['floor_seconds']:.2f} s, {row['floor_peak_mb']:.1f} MB)",
            }
        )
    chart = results["chart"]
    rows.append(
        {
            "database": "—",
            "what": f"chart: bullets of {chart['targets']} targets, built and embedded",
            "seconds": f"{chart['seconds']:.3f}",
            "vs floor": "aim < 0.05 s (graph_objects would take seconds)",
        }
    )
    return rows


def public_rows(results):
    """The public page and /healthz on the same server, each under 16 anonymous clients."""
    rows = []
    for what, figures, ratio in (
        ("load: /public/450222/2023/ (anonymous, cached)", results["page"], results["ratio"]),
        ("load: /healthz (same server, in turn)", results["healthz"], None),
    ):
        rows.append(
            {
                "database": "SQLite",
                "size": "1x",
                "what": f"{what} ({results['tool']})",
                "req/s": number(figures["rps"], 0),
                "load p50/p95 ms": f"{figures['p50']:.0f}/{figures['p95']:.0f}",
                "errors": str(figures["errors"]),
                "vs floor": "" if ratio is None else f"{ratio:.2f}x /healthz",
            }
        )
    return rows


def public_aim(results):
    met = results["ratio"] >= 0.8 and results["page"]["errors"] == 0
    return (
        f"- public page (issue 21): anonymous cached throughput {results['ratio']:.2f}x /healthz "
        f"(aim >= 0.8x), p95 {results['page']['p95']:.0f} ms against "
        f"{results['healthz']['p95']:.0f} ms, {results['page']['errors']} errors: "
        f"{'met' if met else 'MISSED'}"
    )


def markdown(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(row.get(column, "") for column in COLUMNS) + " |")
    return "\n".join(lines)


def aims(databases, export):
    """Each aim of issue 12 with whether it was met, from the measured figures."""
    lines = []
    for database, results in databases.items():
        for page in ("/ (overview)", "/projects/"):
            row = results.get("load", {}).get(page)
            if row is None:
                continue
            health = results["load"][page + " /healthz"]
            ratio = row["rps"] / health["rps"]
            floor = 0.25 if page.startswith("/ ") else 0.15
            met = ratio >= floor and (page != "/ (overview)" or row["p95"] < 200)
            met = met and row["errors"] == 0
            extra = f", p95 {row['p95']:.0f} ms" if page.startswith("/ ") else ""
            lines.append(
                f"- {database}: warm {page} under load {ratio:.2f}x /healthz (aim >= {floor}x"
                f"{', p95 < 200 ms' if page.startswith('/ ') else ''}, no errors){extra}, "
                f"{row['errors']} errors: {'met' if met else 'MISSED'}"
            )
    for database, results in databases.items():
        if database != "PostgreSQL":
            continue
        for size, limit in (("10x", 50), ("100x", 150)):
            slowest = max(results["pages"][size].items(), key=lambda item: item[1]["cold_median"])
            met = slowest[1]["cold_median"] < limit
            lines.append(
                f"- PostgreSQL cold pages at {size}: slowest {slowest[0]} "
                f"{slowest[1]['cold_median']:.1f} ms median (aim < {limit} ms): "
                f"{'met' if met else 'MISSED'}"
            )
    for database, results in databases.items():
        imported = results["import"]
        met = imported["seconds"] < 2
        lines.append(
            f"- {database}: import of {imported['rows']:,} rows, preview + commit "
            f"{imported['seconds']:.2f} s (aim < 2 s): {'met' if met else 'MISSED'}"
        )
    if export:
        row = export["synthetic"]
        ratio = row["seconds"] / row["floor_seconds"]
        met = ratio <= 1.3 and row["peak_mb"] < 100
        lines.append(
            f"- summary at {export['rows']:,} rows: {ratio:.2f}x the floor, peak "
            f"{row['peak_mb']:.1f} MB (aim <= 1.3x, < 100 MB): {'met' if met else 'MISSED'}"
        )
    counts = {}
    for database, results in databases.items():
        for pages in results["pages"].values():
            for page, row in pages.items():
                counts.setdefault((database, page), set()).add(row["queries"])
    fixed = all(len(found) == 1 for found in counts.values())
    lines.append(
        f"- query counts the same at 1x, 10x and 100x for every page: {'yes' if fixed else 'NO'}"
    )
    return lines


def backtest_section():
    """The forecast's back-test (issue 18) on the demo year and the synthetic set, as lines."""
    print("== Forecast back-test ==", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        results = child("forecast.py", f"sqlite:///{Path(folder) / 'forecast.sqlite3'}", [])
    return [
        "",
        f"Forecast back-test (issue 18; `manage.py backtest_forecast`, "
        f"{results['seconds']:.1f} s):",
        "",
        "```",
        results["text"].strip("\n"),
        "```",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, a 5 s load run")
    parser.add_argument("--export-rows", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    load_before = os.getloadavg()
    yardstick = machine_speed()
    page_args = ["--cold", "3", "--warm", "5", "--load-seconds", "5"] if args.quick else []
    databases = {}
    with tempfile.TemporaryDirectory() as folder:
        print("== SQLite ==", flush=True)
        databases["SQLite"] = child(
            "pages.py", f"sqlite:///{Path(folder) / 'bench.sqlite3'}", page_args
        )
    url = postgres_url()
    if url:
        print("== PostgreSQL ==", flush=True)
        with ScratchDatabase(url) as scratch:
            databases["PostgreSQL"] = child("pages.py", scratch, page_args)
    else:
        print("PostgreSQL: skipped (nothing answers on 127.0.0.1:5432; set DATABASE_URL)")
    print("== Public page ==", flush=True)
    public_args = ["--seconds", "3"] if args.quick else []
    with tempfile.TemporaryDirectory() as folder:
        public = child("public.py", f"sqlite:///{Path(folder) / 'public.sqlite3'}", public_args)
    api_args = ["--requests", "10", "--seconds", "5"] if args.quick else []
    api = {}
    with tempfile.TemporaryDirectory() as folder:
        print("== API (SQLite) ==", flush=True)
        api["SQLite"] = child("api.py", f"sqlite:///{Path(folder) / 'api.sqlite3'}", api_args)
    if url:
        print("== API (PostgreSQL) ==", flush=True)
        with ScratchDatabase(url) as scratch:
            api["PostgreSQL"] = child("api.py", scratch, api_args)
    print("== Export ==", flush=True)
    rows_count = 20_000 if args.quick else args.export_rows
    export = child("excel.py", None, ["--rows", str(rows_count), "--import-rows", "0"])
    export["rows"] = rows_count
    backtest = backtest_section()
    rows = []
    for database, results in databases.items():
        rows += rows_for(database, results)
    rows += public_rows(public)
    for database, results in api.items():
        rows += api_rows(database, results)
    rows += export_rows(export, rows_count)
    load_after = os.getloadavg()
    sticks = [yardstick] + [
        y for r in (*databases.values(), *api.values()) for y in r["yardsticks"]
    ]
    elapsed = time.perf_counter() - started
    report = "\n".join(
        [
            f"# make bench, {datetime.datetime.now():%Y-%m-%d %H:%M}"
            + (" (quick)" if args.quick else ""),
            "",
            f"Machine: {os.cpu_count()} cores; load average {load_before[0]:.1f} before, "
            f"{load_after[0]:.1f} after; yardstick (1M-step loop, idle laptop ~30 ms): "
            + ", ".join(f"{y:.0f}" for y in sticks)
            + f" ms. Took {elapsed / 60:.1f} min.",
            "Pages: server time through Django's test client as a leader, cold (cache emptied "
            "before each request) and warm; 100x is ten 10x counties under a city. Load: gunicorn "
            "2 workers x 4 threads, 16 clients for 20 s on the page while 16 more ask /healthz.",
            "",
            markdown(rows),
            "",
            "Public page: gunicorn 2 workers x 4 threads, 16 anonymous clients on /healthz, "
            "then 16 on the page, five rounds; the ratio is the median of the rounds' ratios "
            "(bench/public.py).",
            "",
            "API: /api/v1/values/?limit=1000 of the 10x report as a leader's token; in-process "
            "server time (Django's test client), then gunicorn 2 workers x 4 threads, every call "
            "authenticated, counted and written to the audit log.",
            "",
            "Aims (issue 12, and issue 21's public page and API):",
            *aims(databases, export),
            public_aim(public),
            *api_aims(api),
            *backtest,
        ]
    )
    print("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{datetime.datetime.now():%Y%m%d-%H%M%S}.md"
    out.write_text(report + "\n", encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
