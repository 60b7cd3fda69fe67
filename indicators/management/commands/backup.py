"""A copy of the database, safe to take while the site runs (`make backup`).

PostgreSQL: ``pg_dump -Fc`` (compressed, restored with ``pg_restore``) to backups/<time>.dump.
SQLite: SQLite's online backup API (a consistent copy even mid-write) to backups/<time>.sqlite3.
Restoring is described in docs/deploy.md. The folder is created 0700 and each copy 0600.
"""

import os
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from indicators.files import private_file, private_folder


def backup_database(folder, alias="default"):
    """Write a backup of database ``alias`` into ``folder``; returns its path."""
    folder = private_folder(folder)
    database = connections[alias].settings_dict
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    vendor = connections[alias].vendor
    # Each copy is created 0600 before a byte is written into it (pg_dump and SQLite then
    # write into the file, keeping its mode).
    if vendor == "postgresql":
        path = private_file(folder / f"{stamp}.dump")
        dump_postgresql(database, path)
    elif vendor == "sqlite":
        path = private_file(folder / f"{stamp}.sqlite3")
        copy_sqlite(connections[alias], path)
    else:
        raise CommandError(f"No backup for a {vendor} database.")
    return path


def postgresql_command(program, database):
    """``program`` (pg_dump, pg_restore) with the connection of ``database``, and its
    environment: the password goes in PGPASSWORD, never on a command line others can read."""
    command = [program, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            command += [option, str(database[key])]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return command, env


def dump_postgresql(database, path):
    command, env = postgresql_command("pg_dump", database)
    command += ["--format=custom", "--file", str(path), database["NAME"]]
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise CommandError("pg_dump not found: apt-get install postgresql-client") from None
    except subprocess.CalledProcessError as error:
        path.unlink(missing_ok=True)
        raise CommandError(f"pg_dump failed: {error.stderr.strip()}") from None


def copy_sqlite(connection, path):
    """Copy through the app's own connection: SQLite's backup API gives a consistent copy while
    others write (and reaches the test suite's in-memory database too)."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


class Command(BaseCommand):
    help = (
        "Back the database up into a folder (default backups/): pg_dump -Fc for PostgreSQL, "
        "SQLite's online backup for SQLite. Safe while the site runs. Restore: docs/deploy.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--folder",
            default=str(Path(settings.BASE_DIR) / "backups"),
            help="where to write",
        )

    def handle(self, *args, **options):
        path = backup_database(options["folder"])
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes)")
