"""Running on a county's server: settings from the environment, the refusal to start without a
key, check --deploy, the Content Security Policy header, /healthz, the request log, sessions and
the first request after a database restart.

Settings are read once per process, so what depends on the environment runs manage.py in a
subprocess with that environment.
"""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import psycopg2
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from county_targets.finders import PLOTLY_DIR, PLOTLY_JS, plotly_css
from county_targets.middleware import JsonFormatter

ROOT = Path(settings.BASE_DIR)
KEY = secrets.token_urlsafe(50)
# What a server's environment lacks: the test run's own switches, and the conftest's permission
# for Playwright to call the ORM (which check --deploy rightly refuses).
SERVER_UNSET = (
    "PYTEST_VERSION",
    "DEMO",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "HTTPS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def last_line(result):
    """What a ``shell -c`` printed last (log lines also go to stdout)."""
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def manage(*args, **env):
    """Run manage.py with the environment of a server: no DEMO, not under pytest, plus ``env``."""
    clean = {name: value for name, value in os.environ.items() if name not in SERVER_UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Starting -----------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_https_a_key_and_hosts():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY=KEY,
        ALLOWED_HOSTS="targets.example.gov.cn",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_nothing_starts_and_the_message_says_why():
    result = manage("migrate", "--check", DEBUG="0", ALLOWED_HOSTS="targets.example.gov.cn")
    assert result.returncode == 1
    assert "SECRET_KEY not set" in result.stderr
    assert "docs/deploy.md" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_allowed_hosts_nothing_starts_either():
    result = manage("check", DEBUG="0", SECRET_KEY=KEY)
    assert result.returncode == 1
    assert "ALLOWED_HOSTS not set" in result.stderr


def test_gunicorn_cannot_load_the_site_without_a_key():
    # gunicorn imports county_targets.wsgi: the same refusal stops every worker from booting.
    env = {k: v for k, v in os.environ.items() if k not in SERVER_UNSET}
    result = subprocess.run(
        [sys.executable, "-c", "import county_targets.wsgi"],
        cwd=ROOT,
        env={**env, "DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS not set" in result.stderr


def test_the_local_demo_and_debug_start_without_a_key():
    assert manage("check", DEMO="1").returncode == 0
    assert manage("check", DEBUG="1").returncode == 0


def test_https_switch_turns_on_secure_cookies_hsts_redirect_and_the_proxy_header():
    shown = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, "
        "s.SECURE_PROXY_SSL_HEADER)"
    )
    on = manage("shell", "-v", "0", "-c", shown, HTTPS="1", SECRET_KEY=KEY, ALLOWED_HOSTS="a")
    off = manage("shell", "-v", "0", "-c", shown, SECRET_KEY=KEY, ALLOWED_HOSTS="a")
    assert last_line(on) == "True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    assert last_line(off) == "False False False False None"


def test_healthz_is_not_redirected_to_https(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


# --- Content Security Policy ---------------------------------------------------------------------


def test_every_page_carries_a_policy_that_allows_only_the_site_itself(client, leader):
    client.force_login(leader)
    policy = client.get("/?year=2023&month=9")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_plotly_stylesheet_matches_the_installed_plotly_js():
    # Regenerate after a plotly upgrade:
    # DEMO=1 .venv/bin/python -c "from county_targets.finders import plotly_css as c; \
    #   print(c(), end='')" > static/css/plotly.css
    assert (ROOT / "static/css/plotly.css").read_text(encoding="utf-8") == plotly_css()


def test_chart_partial_skips_every_stylesheet_plotly_js_would_insert():
    bundle = (PLOTLY_DIR / PLOTLY_JS).read_text(encoding="utf-8")
    partial = (ROOT / "templates/_chart_scripts.html").read_text(encoding="utf-8")
    inserted = set(re.findall(r'document\.getElementById\("([0-9a-f]{64})"\)', bundle))
    assert inserted
    assert all(f'id="{style_id}"' in partial for style_id in inserted)
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in partial


# --- Health and the request log ---------------------------------------------------------------


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    code = "from django.test import Client; print(Client().get('/healthz').status_code)"
    result = manage("shell", "-v", "0", "-c", code, DEMO="1", DATABASE_URL=f"sqlite:///{missing}")
    assert last_line(result) == "503", result.stderr


def test_each_request_logs_one_line_with_its_id_user_and_status(client, leader, caplog):
    client.force_login(leader)
    with caplog.at_level(logging.INFO, logger="county_targets.requests"):
        response = client.get("/departments/", headers={"X-Request-ID": "nginx-4f2a"})
    assert response["X-Request-ID"] == "nginx-4f2a"
    [record] = [r for r in caplog.records if r.name == "county_targets.requests"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "nginx-4f2a"
    assert line["user"] == "t-leader"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/departments/", 200)
    assert line["duration_ms"] >= 0


def test_a_request_without_a_usable_id_gets_a_new_one(client, db):
    given = client.get("/healthz", headers={"X-Request-ID": "bad id\nforged log line"})
    fresh = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", given["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", fresh["X-Request-ID"])
    assert given["X-Request-ID"] != fresh["X-Request-ID"]


# --- Sessions ---------------------------------------------------------------------------------


def test_a_session_lasts_eight_hours_and_ends_with_the_browser(client, leader):
    response = client.post(
        "/accounts/login/", {"username": "t-leader", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    assert client.session.get_expiry_age() == 8 * 3600
    assert client.session.get_expire_at_browser_close()
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""


# --- A database restart -----------------------------------------------------------------------


def wsgi_get(app, path):
    """A request through Django's real WSGI handler, as gunicorn makes it: unlike the test
    client, it runs the request_started/finished hooks that keep or drop a connection."""
    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    status = []
    body = app(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        content = b"".join(body)
    finally:
        body.close()
    return int(status[0].split()[0]), content


def terminate_backend(pid):
    """What a PostgreSQL restart does to the app's connection: end it from the server side."""
    params = connection.get_connection_params()
    with psycopg2.connect(**params) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0]
    admin.close()


@pytest.fixture
def persistent_connection(settings):
    if connection.vendor != "postgresql":
        pytest.skip("a persistent connection to restart is PostgreSQL's (SQLite has no server)")
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    return WSGIHandler()


@pytest.mark.django_db(transaction=True)
def test_first_request_after_a_database_restart_succeeds(persistent_connection):
    app = persistent_connection
    assert wsgi_get(app, "/healthz") == (200, b"ok")
    pid = connection.connection.info.backend_pid  # kept open for the next request
    terminate_backend(pid)
    assert wsgi_get(app, "/healthz") == (200, b"ok")
    assert connection.connection.info.backend_pid != pid


@pytest.mark.django_db(transaction=True)
def test_without_health_checks_that_request_would_have_failed(persistent_connection):
    # The control for the test above: the same steps with CONN_HEALTH_CHECKS off.
    app = persistent_connection
    connection.settings_dict["CONN_HEALTH_CHECKS"] = False
    try:
        wsgi_get(app, "/healthz")
        terminate_backend(connection.connection.info.backend_pid)
        assert wsgi_get(app, "/healthz")[0] == 503
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
