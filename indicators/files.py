"""Files that hold the county's data are private to the account that runs the site.

The SQLite database, backups, evidence files and the initial-passwords file are created 0600 and
their folders 0700 (等保2.0: access control on stored data), whatever the umask of the process
that writes them: a `make backup` from an administrator's shell is as private as one from the
systemd timer. Evidence files get their modes from Django's ``FILE_UPLOAD_PERMISSIONS`` and
``FILE_UPLOAD_DIRECTORY_PERMISSIONS`` (settings); the rest from here.

The SQLite file is narrowed when Django opens a connection to it (`protect_sqlite`, on
``connection_created``) rather than by a umask set in ``manage.py`` and ``wsgi.py``: a umask would
reach every file the process writes (collected static files, which nginx must read, among them)
and would not cover a database made by any other entry point; the signal touches exactly that
one file, on every entry point, tests included.
"""

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path):
    """``path`` as a folder, created 0700 if missing (with any missing parents); a folder that
    already exists keeps its mode (it may be /tmp or a mounted disk)."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        path.chmod(FOLDER_MODE)
    return path


def open_private(path, mode="wb", **options):
    """Open ``path`` for writing, created or emptied, as a file only its owner may read (0600):
    the mode is set on the descriptor before a byte is written, an existing file included."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
    except OSError:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, mode, **options)


def private_file(path):
    """Create ``path`` empty with mode 0600 (for a program that then writes into it)."""
    open_private(path).close()
    return Path(path)


def protect_sqlite(sender, connection, **kwargs):
    """``connection_created``: keep a SQLite database file 0600 (SQLite gives its journal the
    database's mode). Only a file this account owns, and only when others could read it."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    try:
        status = os.stat(name)
        if status.st_uid == os.geteuid() and status.st_mode & 0o077:
            os.chmod(name, FILE_MODE)
    except OSError:
        pass  # not there (yet), or not ours: nothing to narrow
