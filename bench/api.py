"""The read-only API: a list of 1,000 approved values, in-process and on gunicorn under load.

Run by ``bench/run.py`` (``make bench``) in a child process per database, or alone:

    .venv/bin/python bench/api.py --out results.json   # DATABASE_URL names the database

1. Loads the demo, grows its report ten times (3,310 approved values) and publishes January to
   November (the demo's public side), then makes a leader's token.
2. In-process (Django's test client, server time only): ``/api/v1/values/?limit=1000`` with the
   token, *cold* (cache emptied before each call: the body is made from the database), *warm*
   (the body of its ETag cached), and *304* (``If-None-Match`` with the ETag); the same list
   without a token (the public data). Each with its queries.
3. On gunicorn as ``make run`` starts it (2 workers x 4 threads, 127.0.0.1 only): the warm list
   called one at a time, then by a few clients at once (``wrk`` when installed, else a threaded
   Python client), every call authenticated, rate-limited and audited as in service (the rate
   limits are raised for the run). The aim (issue 21): p95 <= 50 ms.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# The project first: its app ``api`` is not this file (which Python, running it, finds first).
sys.path[:0] = [str(ROOT), str(BENCH)]

import pages  # noqa: E402  (the server, the yardstick and the percentiles of the pages' bench)

LIMIT = 1000
CLIENTS, SECONDS, SEQUENTIAL = 4, 15, 200
LUA = pages.LUA


def prepare():
    from django.core.management import call_command

    from api import tokens
    from indicators.models import User
    from opendata.demo import open_to_the_public
    from reporting import demo

    call_command("migrate", verbosity=0, interactive=False)
    report = demo.load_demo()["report"]
    demo.grow(report, 10)
    open_to_the_public(report)
    pages.analyze()
    _token, secret = tokens.issue(User.objects.get(username="leader"), "bench", 30)
    return report, secret


def in_process(path, secret, requests):
    """{cold, warm, 304, public}: median and p95 in ms and the queries of one call."""
    from django.core.cache import cache
    from django.test import Client

    token = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    anonymous = Client()
    first = token.get(path)
    assert first.status_code == 200 and len(first.json()["items"]) == LIMIT, first.status_code
    etag = first["ETag"]
    cases = {
        "cold": (token, {}, True, 200),
        "warm": (token, {}, False, 200),
        "304": (token, {"HTTP_IF_NONE_MATCH": etag}, False, 304),
        "public": (anonymous, {}, False, 200),
    }
    results = {}
    for name, (client, headers, clear, status) in cases.items():
        if clear:
            cache.clear()
        count, response = counted(lambda: client.get(path, **headers))  # noqa: B023
        assert response.status_code == status, (name, response.status_code)
        times = []
        for _ in range(requests):
            if clear:
                cache.clear()
            started = time.perf_counter()
            client.get(path, **headers)
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "median": statistics.median(times),
            "p95": pages.percentile(times, 95),
            "queries": count,
        }
    return results


def counted(call):
    """(queries, result) of ``call()``: every statement, the audit record's writes included."""
    from django.db import connection

    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        result = call()
    return count, result


def sequential(server, path, secret, count=SEQUENTIAL):
    connection = HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Authorization": f"Bearer {secret}"}
    times, errors = [], 0
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        errors += response.status != 200
    return {
        "p50": statistics.median(times),
        "p95": pages.percentile(times, 95),
        "errors": errors,
        "requests": count,
    }


def wrk(server, path, secret, clients, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s"]
    command += ["-s", script.name, "-H", f"Authorization: Bearer {secret}", server.url(path)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        return pages.wrk_result(process)
    finally:
        os.unlink(script.name)


class Clients:
    """``clients`` threads on keep-alive connections, for a machine without wrk."""

    def __init__(self, server, path, secret, clients, seconds):
        self.times, self.errors, self.lock = [], 0, threading.Lock()
        self.args = (server.port, path, {"Authorization": f"Bearer {secret}"}, seconds)
        self.threads = [threading.Thread(target=self.run) for _ in range(clients)]

    def run(self):
        port, path, headers, seconds = self.args
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        deadline = time.perf_counter() + seconds
        times, errors = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            times.append((time.perf_counter() - started) * 1000)
            errors += response.status != 200
        with self.lock:
            self.times += times
            self.errors += errors

    def result(self):
        started = time.perf_counter()
        for thread in self.threads:
            thread.start()
        for thread in self.threads:
            thread.join()
        return {
            "rps": len(self.times) / (time.perf_counter() - started),
            "p50": statistics.median(self.times),
            "p95": pages.percentile(self.times, 95),
            "errors": self.errors,
            "requests": len(self.times),
        }


def under_load(path, secret, clients, seconds):
    # Every call is still authenticated, counted and audited; only the ceiling is lifted.
    os.environ["API_TOKEN_RATE"] = os.environ["API_ANONYMOUS_RATE"] = "1000000"
    server = pages.Gunicorn()
    try:
        sequential(server, path, secret, 20)  # both workers warm
        results = {"sequential": sequential(server, path, secret)}
        if shutil.which("wrk"):
            results["tool"] = "wrk"
            results["load"] = wrk(server, path, secret, clients, seconds)
        else:
            results["tool"] = "python"
            results["load"] = Clients(server, path, secret, clients, seconds).result()
    finally:
        server.stop()
    return results


def run(args):
    pages.setup_django()
    from audit.models import AuditRecord

    started = time.perf_counter()
    report, secret = prepare()
    path = f"/api/v1/values/?report={report.pk}&limit={LIMIT}"
    results = {"yardsticks": [pages.machine_speed()], "clients": args.clients}
    results["in_process"] = in_process(path, secret, args.requests)
    print(f"  API in-process measured ({time.perf_counter() - started:.0f} s)", flush=True)
    before = AuditRecord.objects.count()
    results.update(under_load(path, secret, args.clients, args.seconds))
    results["audited"] = AuditRecord.objects.count() - before
    results["yardsticks"].append(pages.machine_speed())
    results["seconds"] = time.perf_counter() - started
    print(f"  API load run done ({results['seconds']:.0f} s)", flush=True)
    Path(args.out).write_text(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON results")
    parser.add_argument("--requests", type=int, default=30, help="in-process calls per case")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=int, default=SECONDS)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
