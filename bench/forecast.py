"""The forecast's back-test (issue 18) for ``make bench``: ``manage.py backtest_forecast`` on the
demo year (loaded into a scratch SQLite database) and on the synthetic set.

Run by ``bench/run.py`` in a child process (Django reads its database once per process):

    .venv/bin/python bench/forecast.py --out results.json   # DATABASE_URL names the database
"""

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON results")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "county_targets.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from reporting.demo import load_demo

    call_command("migrate", verbosity=0, interactive=False)
    load_demo()
    out = io.StringIO()
    started = time.perf_counter()
    call_command("backtest_forecast", stdout=out)
    seconds = time.perf_counter() - started
    Path(args.out).write_text(json.dumps({"text": out.getvalue(), "seconds": seconds}))


if __name__ == "__main__":
    main()
