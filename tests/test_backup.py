"""Backups: `make backup` (manage.py backup) restored into an empty database gives the same
dashboard numbers and the same history.

SQLite: the copy is loaded back with SQLite's backup API (what copying the file back does with
the site stopped). PostgreSQL: pg_restore into a scratch database, which the site's connection
is then pointed at, as docs/deploy.md restores.
"""

import sqlite3
import subprocess
from io import StringIO
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from indicators.demo import ensure_user
from indicators.management.commands.backup import postgresql_command
from indicators.models import ProgressEntry
from projects.models import Project, ProjectProgress
from reporting import demo

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot(client):
    """What the dashboards and the audit trail show, in plain values."""
    page = client.get("/?year=2023&month=9").content.decode()
    verdict = page.split('class="verdict"', 1)[1].split("</", 1)[0]
    return {
        "verdict": verdict,
        "entries": list(
            ProgressEntry.objects.order_by("indicator__code", "month").values_list(
                "indicator__code", "month", "value", "state"
            )
        ),
        "projects": Project.objects.count(),
        "project progress": list(
            ProjectProgress.objects.order_by("project__code", "month").values_list(
                "project__code", "month", "investment_completed", "state"
            )
        ),
        "entry history": ProgressEntry.history.count(),
        "project history": Project.history.count(),
    }


def backup(tmp_path):
    out = StringIO()
    call_command("backup", "-o", str(tmp_path), stdout=out)
    [path] = list(Path(tmp_path).iterdir())
    assert str(path) in out.getvalue()
    return path


def test_a_backup_restored_into_an_empty_database_shows_the_same(client, report, tmp_path):
    demo.load_demo()
    client.force_login(ensure_user("leader"))
    before = snapshot(client)
    assert before["entries"] and before["entry history"] and "截至9月底" in before["verdict"]

    path = backup(tmp_path)
    if connection.vendor == "sqlite":
        assert path.suffix == ".sqlite3"
        call_command("flush", interactive=False)
        assert ProgressEntry.objects.count() == 0
        restore_sqlite(path)
        after = snapshot_logged_in(client)
    else:
        assert path.suffix == ".dump"
        with restored_postgresql(path) as scratch:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_database()")
                assert cursor.fetchone()[0] == scratch  # not the database backed up
            after = snapshot_logged_in(client)
    assert after == before


def snapshot_logged_in(client):
    # The session table came back with the rest, but log in again in case the backup was taken
    # before this session was written.
    client.force_login(ensure_user("leader"))
    return snapshot(client)


def restore_sqlite(path):
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


class restored_postgresql:
    """pg_restore ``path`` into a new, empty database and point the site's connection at it for
    the ``with`` block; the scratch database is dropped afterwards."""

    def __init__(self, path):
        self.path = path
        self.settings = connection.settings_dict
        self.original = self.settings["NAME"]
        self.scratch = f"{self.original}_restore"

    def _admin(self, sql):
        params = connection.get_connection_params()
        admin = psycopg2.connect(**params)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql)
        admin.close()

    def __enter__(self):
        self._admin(f'DROP DATABASE IF EXISTS "{self.scratch}"')
        self._admin(f'CREATE DATABASE "{self.scratch}"')
        command, env = postgresql_command("pg_restore", self.settings)
        command += ["--no-owner", "--exit-on-error", "--dbname", self.scratch, str(self.path)]
        subprocess.run(command, env=env, check=True, capture_output=True)
        connection.close()
        self.settings["NAME"] = self.scratch
        return self.scratch

    def __exit__(self, *exc):
        connection.close()
        self.settings["NAME"] = self.original
        self._admin(f'DROP DATABASE IF EXISTS "{self.scratch}"')
