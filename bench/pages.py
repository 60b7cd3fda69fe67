"""Pages at 1x, 10x and 100x demo size on one database, a load run, and the monthly import.

Run by ``bench/run.py`` (``make bench``) in a child process per database, because Django reads
its database settings once per process:

    .venv/bin/python bench/pages.py --out results.json   # DATABASE_URL names the database

1. Loads the demo (1x: the 2023 report of 柳城县 with its year and register), then grows that
   report ten times (10x, ``reporting.demo.grow``), then adds nine neighbouring counties under
   a city, each a copy of the grown report (100x: a city of ten 10x counties,
   ``reporting.demo.add_counties``). At each size every dashboard page of 柳城县 is requested
   through Django's test client (server time, no network): *cold* with the cache emptied before
   each request, *warm* with the page cached, each with its median, 95th percentile and queries.
2. At 100x, a bounded load run against gunicorn as ``make run`` starts it (2 workers x 4
   threads) on 127.0.0.1 only: 16 clients for 20 s on a page while 16 more ask /healthz on the
   same server at the same moment, once for the overview and once for /projects/ (``wrk`` when
   installed, else a threaded Python client, which costs the server some of its CPU).
3. The monthly import of 5,000 rows: preview (open, parse, check every row with its form) and
   commit (the gate's bulk write, with history).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
YEAR, MONTH = 2023, 9
LOAD_CLIENTS, LOAD_SECONDS = 16, 20


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "county_targets.settings")
    import django

    django.setup()


def percentile(values, pct):
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def analyze():
    """Fresh planner statistics after a bulk load, as a database in service would have."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- Pages ---------------------------------------------------------------------------------------


def page_urls(report):
    from django.urls import reverse

    from indicators.models import Department, Indicator

    period = f"?report={report.pk}&month={MONTH}"
    section = report.sections.order_by("order").first()
    indicator = Indicator.objects.get(report=report, code="LV-01")
    department = Department.objects.get(region=report.region_id, code="fgj")
    return {
        "/ (overview)": "/" + period,
        "/sections/<id>/": reverse("reporting:section", args=[section.pk]) + period,
        "/indicators/<id>/": reverse("reporting:indicator", args=[indicator.pk]) + period,
        "/departments/": reverse("reporting:departments") + period,
        "/departments/<id>/": reverse("reporting:department", args=[department.pk]) + period,
        "/screen/": reverse("reporting:screen") + period,
        "/projects/": reverse("projects:list") + period,
        "/projects/investment/": reverse("projects:investment") + period,
    }


def timed(client, url, queries=False):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if queries:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(captured)
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def measure_pages(client, urls, cold_requests, warm_requests):
    """{page: {cold/warm median and p95 in ms, queries cold and warm}}. Pages are taken in
    rounds (every page once a round), so a burst of load elsewhere slows all pages alike."""
    from django.core.cache import cache

    rows = {name: {"cold": [], "warm": []} for name in urls}
    for name, url in urls.items():
        cache.clear()
        rows[name]["queries_cold"] = timed(client, url, queries=True)
        rows[name]["queries_warm"] = timed(client, url, queries=True)
    for _ in range(cold_requests):
        for name, url in urls.items():
            cache.clear()
            rows[name]["cold"].append(timed(client, url))
    for url in urls.values():
        timed(client, url)  # cached again: the cold rounds emptied the cache after each page
    for _ in range(warm_requests):
        for name, url in urls.items():
            rows[name]["warm"].append(timed(client, url))
    results = {}
    for name, row in rows.items():
        results[name] = {
            "cold_median": statistics.median(row["cold"]),
            "cold_p95": percentile(row["cold"], 95),
            "warm_median": statistics.median(row["warm"]),
            "warm_p95": percentile(row["warm"], 95),
            "queries": f"{row['queries_cold']}/{row['queries_warm']}",
        }
    return results


# --- Load ----------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """The server as ``make run`` starts it, on this database, on 127.0.0.1 only."""

    def __init__(self):
        from django.db import connection

        db = connection.settings_dict
        if connection.vendor == "sqlite":
            url = f"sqlite:///{db['NAME']}"
        else:
            url = os.environ["DATABASE_URL"]
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEMO": "1",
            "REQUEST_LOG_LEVEL": "WARNING",
        }
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "county_targets.wsgi", "-k", "gthread", "--workers", "2"]
        command += ["--threads", "4", "--bind", f"127.0.0.1:{self.port}", "--log-level", "error"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(150):
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path, cookie=""):
        request = urllib.request.Request(self.url(path), headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.geturl()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its workers too: a session of its own
            self.process.wait(15)


LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def wrk(url, cookie, seconds, clients, script):
    """Start wrk on ``url``; returns the process (its last line is the JSON of ``LUA``)."""
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "-s", script]
    command += ["-H", f"Cookie: {cookie}", url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def wrk_result(process):
    output, _ = process.communicate(timeout=120)
    row = json.loads(output.strip().splitlines()[-1])
    return {
        "rps": row["requests"] / row["seconds"],
        "p50": row["p50"],
        "p95": row["p95"],
        "errors": row["errors"],
        "requests": row["requests"],
    }


class PythonClients:
    """16 threads on keep-alive connections, for a machine without wrk."""

    def __init__(self, port, path, cookie, seconds, clients):
        self.times, self.errors = [], 0
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self.run, args=(port, path, cookie, seconds))
            for _ in range(clients)
        ]
        self.started = time.perf_counter()
        for thread in self.threads:
            thread.start()

    def run(self, port, path, cookie, seconds):
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        deadline = time.perf_counter() + seconds
        times, errors = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors += 1
            except OSError:
                errors += 1
                connection.close()
                connection = HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            times.append((time.perf_counter() - started) * 1000)
        with self.lock:
            self.times += times
            self.errors += errors

    def result(self):
        for thread in self.threads:
            thread.join()
        seconds = time.perf_counter() - self.started
        return {
            "rps": len(self.times) / seconds,
            "p50": statistics.median(self.times) if self.times else 0,
            "p95": percentile(self.times, 95) if self.times else 0,
            "errors": self.errors,
            "requests": len(self.times),
        }


def load_run(urls, cookie, seconds=LOAD_SECONDS, clients=LOAD_CLIENTS):
    """Each page under load beside /healthz at the same moment, on one gunicorn."""
    server = Gunicorn()
    results = {}
    tool = "wrk" if shutil.which("wrk") else "python"
    try:
        for name in ("/ (overview)", "/projects/"):
            path = urls[name]
            status, landed = server.get(path, cookie)
            assert status == 200 and landed.endswith(path), (name, status, landed)
            if tool == "wrk":
                with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                    script.write(LUA)
                page = wrk(server.url(path), cookie, seconds, clients, script.name)
                health = wrk(server.url("/healthz"), cookie, seconds, clients, script.name)
                results[name] = wrk_result(page)
                results[name + " /healthz"] = wrk_result(health)
                os.unlink(script.name)
            else:
                page = PythonClients(server.port, path, cookie, seconds, clients)
                health = PythonClients(server.port, "/healthz", cookie, seconds, clients)
                results[name] = page.result()
                results[name + " /healthz"] = health.result()
    finally:
        server.stop()
    return tool, results


# --- The child: one database ---------------------------------------------------------------------


def machine_speed():
    """A yardstick: this loop takes about 30 ms on an idle laptop; a larger number means a slower
    or busier machine, and every timing scales with it."""
    started = time.perf_counter()
    total = 0
    for step in range(1_000_000):
        total += step
    return (time.perf_counter() - started) * 1000


def run(args):
    setup_django()
    import excel
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from indicators.models import User
    from reporting import demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    report = demo.load_demo()["report"]
    analyze()
    client = Client()
    leader = User.objects.get(username="leader")
    client.force_login(leader)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    results = {"pages": {}, "yardsticks": [], "setup_seconds": {}}
    for size in ("1x", "10x", "100x"):
        step = time.perf_counter()
        if size == "10x":
            demo.grow(report, 10)
        elif size == "100x":
            demo.add_counties(report, 9)
        analyze()
        results["setup_seconds"][size] = time.perf_counter() - step
        results["yardsticks"].append(machine_speed())
        urls = page_urls(report)
        cold = args.cold if size != "100x" else max(3, args.cold // 2)
        results["pages"][size] = measure_pages(client, urls, cold, args.warm)
        print(f"  {size}: pages measured ({time.perf_counter() - started:.0f} s)", flush=True)
    if args.load:
        results["load_tool"], results["load"] = load_run(urls, cookie, args.load_seconds)
        print(f"  load run done ({time.perf_counter() - started:.0f} s)", flush=True)
    results["import"] = excel.bench_import(report, args.import_rows)
    results["yardsticks"].append(machine_speed())
    results["seconds"] = time.perf_counter() - started
    Path(args.out).write_text(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON results")
    parser.add_argument("--cold", type=int, default=8, help="cold requests per page")
    parser.add_argument("--warm", type=int, default=20, help="warm requests per page")
    parser.add_argument("--load-seconds", type=int, default=LOAD_SECONDS)
    parser.add_argument("--no-load", dest="load", action="store_false")
    parser.add_argument("--import-rows", type=int, default=5000)
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    run(args)


if __name__ == "__main__":
    main()
