"""Server time of each dashboard page at demo size and at ten times demo size.

    .venv/bin/python bench/pages.py [--requests 30] [--factor 10]

Builds a throwaway database (a temporary SQLite file; also a PostgreSQL database named
``county_targets_bench`` on the server of DATABASE_URL when that is set, created and dropped
here), loads the demo, and times N requests per page through Django's test client, before and
after ``reporting.demo.grow``. Prints the median and 95th percentile, the query count and the
share of the time spent building and serialising charts (``indicators.charts``).

Each database runs in a child process of this script, because Django reads its database
settings once per process.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "county_targets_bench"
YEAR, MONTH = 2023, 9
CHART_FUNCTIONS = (
    "embed",
    "section_completion",
    "status_breakdown",
    "bullets",
    "monthly_path",
    "timeliness_heatmap",
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--factor", type=int, default=10, help="how many times demo size")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        run_in_child("SQLite", sqlite_url, args)
    postgres = os.environ.get("DATABASE_URL", "")
    if postgres.startswith(("postgres://", "postgresql://")):
        with postgres_database(postgres) as url:
            run_in_child("PostgreSQL", url, args)
    else:
        print("PostgreSQL: skipped (set DATABASE_URL=postgres://… to include it)")


def run_in_child(label, database_url, args):
    print(f"\n== {label} ==", flush=True)
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "STATIC_MANIFEST": "0"}
    command = [sys.executable, __file__, "--child", "--requests", str(args.requests)]
    command += ["--factor", str(args.factor)]
    subprocess.run(command, env=env, cwd=ROOT, check=True)


class postgres_database:
    """A scratch database next to the one DATABASE_URL names, dropped on the way out."""

    def __init__(self, url):
        self.url = url
        parts = urlsplit(url)
        self.bench_url = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))

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
        self._execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        self._execute(f"CREATE DATABASE {BENCH_DB}")
        return self.bench_url

    def __exit__(self, *exc):
        self._execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


# --- In the child process: one database ---


def run_child(args):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "county_targets.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from reporting import demo

    call_command("migrate", verbosity=0, interactive=False)
    loaded = demo.load_demo()
    report = loaded["report"]
    analyze()
    chart_clock = ChartClock()
    results = {}
    yardsticks = []
    for size in ("demo", f"{args.factor}x"):
        if size != "demo":
            started = time.perf_counter()
            demo.grow(report, args.factor)
            analyze()
            print(f"grew the report {args.factor}x in {time.perf_counter() - started:.1f} s")
        yardsticks.append(machine_speed())
        results[size] = measure(pages(report), args.requests, chart_clock)
    yardsticks.append(machine_speed())
    print_table(results, args.requests, yardsticks)


def pages(report):
    from django.test import Client
    from django.urls import reverse

    from indicators.models import Department, Indicator, User

    client = Client()
    client.force_login(User.objects.get(username="leader"))
    period = f"?year={YEAR}&month={MONTH}"
    section = report.sections.order_by("order").first()
    indicator = Indicator.objects.get(report=report, code="LV-01")
    department = Department.objects.get(code="fgj")
    urls = {
        "/ overview": "/" + period,
        "/sections/<id>/": reverse("reporting:section", args=[section.pk]) + period,
        "/indicators/<id>/": reverse("reporting:indicator", args=[indicator.pk]) + period,
        "/departments/": reverse("reporting:departments") + period,
        "/departments/<id>/": reverse("reporting:department", args=[department.pk]) + period,
        "/screen/": reverse("reporting:screen") + period,
        "/projects/": reverse("projects:list") + period,
    }
    return client, urls


def measure(client_and_urls, requests, chart_clock):
    """Median and p95 per page. Pages are requested in rounds (every page once a round), so a
    burst of load on a shared machine slows all pages alike instead of one page's run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, urls = client_and_urls
    served = {}
    for name, url in urls.items():
        if client.get(url).status_code != 200:
            continue  # not built yet, or broken: reported as such
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        served[name] = {"queries": len(queries), "times": [], "charts": []}
    for _ in range(requests):
        for name, row in served.items():
            chart_clock.reset()
            started = time.perf_counter()
            client.get(urls[name])
            row["times"].append((time.perf_counter() - started) * 1000)
            row["charts"].append(chart_clock.total * 1000)
    results = dict.fromkeys(urls)
    for name, row in served.items():
        results[name] = {
            "median": statistics.median(row["times"]),
            "p95": percentile(row["times"], 95),
            "charts": statistics.median(row["charts"]),
            "queries": row["queries"],
        }
    return results


def analyze():
    """Fresh planner statistics after a bulk load, as a database in service would have."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def percentile(values, pct):
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class ChartClock:
    """Wraps the public functions of indicators.charts to add up the time spent in them."""

    def __init__(self):
        from indicators import charts

        self.total = 0.0
        self.depth = 0
        for name in CHART_FUNCTIONS:
            setattr(charts, name, self._timed(getattr(charts, name)))

    def reset(self):
        self.total = 0.0

    def _timed(self, function):
        def wrapper(*args, **kwargs):
            self.depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:  # nested calls (bullets inside embed) count once
                    self.total += time.perf_counter() - started

        return wrapper


def machine_speed():
    """A yardstick printed with the figures: this loop takes about 30 ms on an idle laptop; a
    larger number means a slower or busier machine, and every timing scales with it."""
    started = time.perf_counter()
    total = 0
    for step in range(1_000_000):
        total += step
    return (time.perf_counter() - started) * 1000


def print_table(results, requests, yardsticks):
    sizes = list(results)
    header = f"{'page':<20}" + "".join(
        f"{size + ' median':>13}{'p95':>9}{'queries':>9}{'charts':>9}" for size in sizes
    )
    print(f"\nserver time in ms over {requests} requests (charts: median ms building figures)")
    sticks = ", ".join(f"{y:.0f}" for y in yardsticks)
    print(f"machine yardstick: a 1M-step Python loop took {sticks} ms (idle laptop: ~30 ms)")
    print(header)
    print("-" * len(header))
    slowest = 0.0
    for name in results[sizes[0]]:
        line = f"{name:<20}"
        for size in sizes:
            row = results[size].get(name)
            if row is None:
                line += f"{'not served':>40}"
                continue
            share = f"{row['charts']:.1f}"
            line += f"{row['median']:>13.1f}{row['p95']:>9.1f}{row['queries']:>9}{share:>9}"
            slowest = max(slowest, row["median"]) if size == sizes[-1] else slowest
        print(line)
    verdict = "yes" if slowest < 100 else "NO"
    print(f"\nevery page under 100 ms median at {sizes[-1]}: {verdict} (slowest {slowest:.1f} ms)")


if __name__ == "__main__":
    main()
