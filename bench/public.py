"""The public progress page under load beside /healthz (issue 21: anonymous, cached, at least
0.8x the health check's throughput on the same server).

    .venv/bin/python bench/public.py [--seconds 10] [--rounds 2] [--out results.json]

``make bench`` runs it (``bench/run.py``) in a child process on a temporary SQLite file; run by
hand it makes its own. It migrates, loads the demo and opens 柳城县's page as ``load_demo`` does
(January to November 2023 published), starts gunicorn as ``make run`` does (2 workers x 4
threads, on 127.0.0.1 only), warms the page in both workers, and then puts 16 clients on
``/healthz`` and then 16 on ``/public/450222/2023/``, ``--rounds`` times. Each path has the
server to itself in its turn (16 clients on each at once share gunicorn's threads unevenly), and
the ratio is the median of the rounds' ratios, each page round against the health round just
before it: a burst of load elsewhere on the machine spoils one round, not the answer. It prints
requests/s, p50 and p95 of each over all rounds and the ratio, and writes them as JSON with
``--out``. The clients are anonymous (no cookie), as the public is; ``wrk`` when installed, else
the Python client of ``bench/pages.py``.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import pages  # noqa: E402  (bench/pages.py: the server and the load clients)

PUBLIC = "/public/450222/2023/"
HEALTH = "/healthz"
CLIENTS = 16
AIM = 0.8


def prepare():
    """A migrated database with the demo, its public page on and eleven months published."""
    pages.setup_django()
    from django.core.management import call_command

    from opendata.demo import open_to_the_public
    from reporting import demo

    call_command("migrate", verbosity=0, interactive=False)
    report = demo.load_demo()["report"]
    open_to_the_public(report)


def fetch(server, path):
    """GET ``path`` as an anonymous visitor: (status, body bytes, Set-Cookie header or None)."""
    with urllib.request.urlopen(server.url(path), timeout=30) as response:
        return response.status, len(response.read()), response.headers.get("Set-Cookie")


def warm(server, times=24):
    """Each request on a new connection, so both workers render (and keep) the page."""
    for _ in range(times):
        status, size, cookie = fetch(server, PUBLIC)
        assert status == 200 and cookie is None, (status, cookie)
    return size


def start(server, path, seconds, tool, script):
    """Start 16 clients on ``path``; `finish` waits for them and returns their figures."""
    if tool == "wrk":
        command = ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{seconds}s", "-s", script]
        return subprocess.Popen(
            [*command, server.url(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
    return pages.PythonClients(server.port, path, "", seconds, CLIENTS)


def finish(clients):
    if isinstance(clients, subprocess.Popen):
        return pages.wrk_result(clients)
    return clients.result()


def combine(runs):
    """Rounds of one path as one figure: requests over seconds, the rounds' median p50 and
    their worst p95."""
    requests = sum(run["requests"] for run in runs)
    seconds = sum(run["requests"] / run["rps"] for run in runs if run["rps"])
    return {
        "rps": requests / seconds if seconds else 0,
        "p50": statistics.median(run["p50"] for run in runs),
        "p95": max(run["p95"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
        "requests": requests,
    }


def run(seconds, rounds):
    prepare()
    tool = "wrk" if shutil.which("wrk") else "python"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(pages.LUA)
    server = pages.Gunicorn()
    try:
        size = warm(server)
        runs = {HEALTH: [], PUBLIC: []}
        for _ in range(rounds):
            for path in runs:
                runs[path].append(finish(start(server, path, seconds, tool, script.name)))
    finally:
        server.stop()
        os.unlink(script.name)
    page, health = combine(runs[PUBLIC]), combine(runs[HEALTH])
    ratios = [
        page_run["rps"] / health_run["rps"] if health_run["rps"] else 0
        for page_run, health_run in zip(runs[PUBLIC], runs[HEALTH], strict=True)
    ]
    return {
        "tool": tool,
        "clients": CLIENTS,
        "seconds": seconds * rounds,
        "rounds": ratios,
        "page_bytes": size,
        "page": page,
        "healthz": health,
        "ratio": statistics.median(ratios),
    }


def report(results):
    lines = [
        f"{CLIENTS} anonymous clients, each path in turn, {results['seconds']} s on each "
        f"({results['tool']}); the page is {results['page_bytes']:,} bytes",
    ]
    for name, row in ((PUBLIC, results["page"]), (HEALTH, results["healthz"])):
        lines.append(
            f"  {name:<24} {row['rps']:8.0f} req/s  p50 {row['p50']:6.1f} ms  "
            f"p95 {row['p95']:6.1f} ms  errors {row['errors']}"
        )
    met = results["ratio"] >= AIM and results["page"]["errors"] == 0
    rounds = ", ".join(f"{ratio:.2f}" for ratio in results["rounds"])
    lines.append(
        f"  ratio {results['ratio']:.2f}x /healthz (median of rounds: {rounds}; aim >= {AIM}x): "
        f"{'met' if met else 'MISSED'}"
    )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6, help="seconds a round, per path")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", help="where to write the JSON results")
    args = parser.parse_args()
    os.environ.setdefault("DEMO", "1")
    os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory() as folder:
        # A database of its own when run by hand (bench/run.py names one).
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(folder) / 'public.sqlite3'}")
        started = time.perf_counter()
        results = run(args.seconds, args.rounds)
        results["total_seconds"] = time.perf_counter() - started
    print(report(results), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
