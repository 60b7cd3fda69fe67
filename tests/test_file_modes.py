"""Files that hold the county's data are created private (0600, folders 0700) whatever the
umask: backups, the SQLite database, evidence and the initial-passwords file; and the systemd
units of the deployment guide run with UMask=0027."""

import datetime
import os
import re
import stat
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper
from PIL import Image

from county_targets.settings import evidence_storage
from indicators import evidence, workflow
from indicators.models import Indicator

from .test_people import ROWS, workbook

GUIDE = Path(settings.BASE_DIR) / "docs" / "deploy.md"


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask():
    """The loosest usual umask (022: files 644, folders 755), as in an administrator's shell."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_evidence_files_and_their_folders_are_private(fgj, report, evidence_root):
    photo = BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(photo, "JPEG")
    pdf = evidence.prepare(SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF"))
    image = evidence.prepare(SimpleUploadedFile("b.jpg", photo.getvalue()))
    solar = Indicator.objects.get(report=report, code="EC-05")
    workflow.attach(fgj, solar, 1, [pdf, image], today=report_day(report))
    files = [path for path in evidence_root.rglob("*") if path.is_file()]
    folders = [evidence_root, *(path for path in evidence_root.rglob("*") if path.is_dir())]
    assert len(files) == 3  # the PDF, the photo and its thumbnail
    assert {mode(path) for path in files} == {0o600}
    assert {mode(path) for path in folders} == {0o700}


def report_day(report):
    return datetime.date(report.year + 1, 2, 1)


def test_the_servers_evidence_storage_is_private_too():
    options = evidence_storage()["OPTIONS"]
    assert options["file_permissions_mode"] == 0o600
    assert options["directory_permissions_mode"] == 0o700
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700


def test_collected_static_files_stay_readable_for_nginx():
    assert settings.STORAGES["staticfiles"]["OPTIONS"]["file_permissions_mode"] == 0o644


# A backup copies through the site's own connection, outside a test's open transaction.
@pytest.mark.django_db(transaction=True)
def test_a_backup_and_its_folder_are_private(tmp_path):
    folder = tmp_path / "backups"
    call_command("backup", "-o", str(folder), stdout=StringIO())
    [copy] = list(folder.iterdir())
    assert mode(folder) == 0o700
    assert mode(copy) == 0o600


@pytest.mark.django_db(transaction=True)
def test_a_backup_into_an_existing_folder_leaves_the_folder_alone(tmp_path):
    tmp_path.chmod(0o755)
    call_command("backup", "-o", str(tmp_path), stdout=StringIO())
    [copy] = list(tmp_path.iterdir())
    assert mode(tmp_path) == 0o755 and mode(copy) == 0o600


@pytest.mark.parametrize("name", ["pw.xlsx", "pw.csv"])
def test_the_initial_passwords_file_is_private(report, tmp_path, name):
    path = tmp_path / "users.xlsx"
    path.write_bytes(workbook(ROWS[:2]))
    output = tmp_path / name
    output.write_bytes(b"")
    output.chmod(0o644)  # an older file in the way: narrowed before the passwords go in
    call_command("load_users", str(path), "-o", str(output), stdout=StringIO())
    assert output.stat().st_size > 0
    assert mode(output) == 0o600


def test_a_new_sqlite_database_file_is_private(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite file only exists on SQLite")
    path = tmp_path / "new.sqlite3"
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(path)}, alias="new")
    try:
        wrapper.ensure_connection()
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x integer)")
    finally:
        wrapper.close()
    assert mode(path) == 0o600


def test_the_test_database_file_itself_is_private(db):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite file only exists on SQLite")
    assert mode(connection.settings_dict["NAME"]) == 0o600


def test_every_systemd_unit_in_the_guide_sets_a_umask():
    guide = GUIDE.read_text(encoding="utf-8")
    services = re.findall(r"\[Service\](.*?)```", guide, re.S)
    assert len(services) >= 3  # the site, the reminders and the backup
    for service in services:
        assert "UMask=0027" in service
