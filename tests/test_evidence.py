"""Evidence (佐证材料) on monthly rows: what is kept of a photo, what is refused, who may read it,
when it may change, and that storage holds exactly the files the rows name."""

import datetime
import os
import struct
import time
import zlib
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from indicators import evidence, workflow
from indicators.models import Indicator, ProgressEntry, ProgressEntryEvidence
from projects.models import ProjectProgressEvidence

from .conftest import make_project, stored_files, submit

FILES = Path(__file__).resolve().parent / "files"
MONTH = 9
REFUSED = "nothing stored"


@pytest.fixture(autouse=True)
def _after_the_year():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


@pytest.fixture
def solar(report):
    return Indicator.objects.get(report=report, code="EC-05")  # led by 发改局


def photo(size=(640, 480), orientation=None, fmt="JPEG"):
    """A phone photo: the device, a GPS position (EXIF) and the same position in XMP."""
    image = Image.new("RGB", size, (180, 60, 40))
    image.paste((20, 120, 200), (0, 0, size[0] // 2, size[1] // 4))  # a mark to see rotation by
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"  # Make
    exif[0x0110] = "P60 Pro"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (24.0, 39.0, 12.5), "E", (109.0, 14.0, 30.0)
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b"<exif:GPSLatitude>24,39.2N</exif:GPSLatitude></x:xmpmeta>"
    )
    out = BytesIO()
    image.save(out, fmt, exif=exif, xmp=xmp)
    return out.getvalue()


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def attach_url(subject, kind="i", month=MONTH):
    return f"/report/2023/{month}/evidence/{kind}/{subject.pk}/"


def post_files(client, subject, *files, kind="i", version=None, json=False):
    data = {"files": list(files)}
    if version is not None:
        data["version"] = version
    headers = {"Accept": "application/json"} if json else {}
    return client.post(attach_url(subject, kind), data, headers=headers)


def read_stored(name):
    with evidence.storage().open(name, "rb") as handle:
        return handle.read()


# --- What is kept of a photo ---------------------------------------------------------------------


def test_a_jpeg_with_gps_exif_is_stored_without_it(client, fgj, solar, evidence_root):
    original = photo(size=(4000, 3000), orientation=6)  # held sideways, as phones store it
    assert b"HUAWEI" in original and b"GPSLatitude" in original
    client.force_login(fgj)
    response = post_files(client, solar, upload("IMG_20230915.jpg", original))
    assert response.status_code == 302
    (item,) = ProgressEntryEvidence.objects.all()
    stored = read_stored(item.file_name)
    image = Image.open(BytesIO(stored))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}  # no EXIF at all: no GPS, no device, no orientation
    assert "xmp" not in image.info and b"GPSLatitude" not in stored and b"HUAWEI" not in stored
    # Turned upright before its orientation tag went, and bounded to the configured side.
    assert image.size == (1920, 2560)
    assert (item.content_type, item.original_name, item.size) == (
        "image/jpeg",
        "IMG_20230915.jpg",
        len(stored),
    )
    thumbnail = Image.open(BytesIO(read_stored(item.thumbnail_name)))
    assert max(thumbnail.size) == 320 and dict(thumbnail.getexif()) == {}
    # The row was created as a draft by the gate, with who did it.
    entry = item.entry
    assert (entry.indicator, entry.month, entry.state, entry.value) == (solar, 9, "draft", None)
    assert item.uploaded_by == fgj and item.history.get().history_user == fgj
    assert len(stored_files(evidence_root)) == 2


def test_a_heic_photo_from_an_iphone_is_kept_as_a_jpeg_without_its_gps(client, fgj, solar):
    original = (FILES / "gps.heic").read_bytes()
    assert dict(Image.open(BytesIO(original)).getexif().get_ifd(0x8825))  # it has a position
    client.force_login(fgj)
    assert (
        post_files(client, solar, upload("IMG_0001.HEIC", original, "image/heic")).status_code
        == 302
    )
    (item,) = ProgressEntryEvidence.objects.all()
    image = Image.open(BytesIO(read_stored(item.file_name)))
    assert (image.format, image.size, dict(image.getexif())) == ("JPEG", (96, 64), {})
    response = client.get(f"/evidence/i/{item.pk}/")
    assert response["Content-Type"] == "image/jpeg"
    assert "IMG_0001.jpg" in response["Content-Disposition"]


def test_a_png_screenshot_stays_a_png_and_a_pdf_is_kept_as_sent(client, fgj, solar):
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    client.force_login(fgj)
    response = post_files(
        client,
        solar,
        upload("截图.png", photo(fmt="PNG"), "image/png"),
        upload("验收单.pdf", pdf, "application/pdf"),
    )
    assert response.status_code == 302
    png, kept_pdf = ProgressEntryEvidence.objects.order_by("pk")
    assert Image.open(BytesIO(read_stored(png.file_name))).format == "PNG"
    assert b"HUAWEI" not in read_stored(png.file_name)
    assert (kept_pdf.content_type, kept_pdf.thumbnail_name) == ("application/pdf", "")
    assert read_stored(kept_pdf.file_name) == pdf


# --- What is refused, with nothing stored --------------------------------------------------------


def png_declaring(width, height):
    """A tiny PNG whose header claims ``width`` x ``height``: a decompression bomb's shape."""
    out = BytesIO()
    Image.new("1", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    struct.pack_into(">II", data, 16, width, height)  # IHDR's width and height
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))  # and its checksum
    return bytes(data)


def refused_upload(client, user, subject, file, root):
    """Post ``file`` as ``user``: the page's message, after checking nothing was stored."""
    client.force_login(user)
    response = post_files(client, subject, file, json=True)
    assert response.status_code == 400
    assert not ProgressEntryEvidence.objects.exists(), REFUSED
    assert not ProgressEntry.objects.exists(), REFUSED  # not even the draft row
    assert stored_files(root) == [], REFUSED
    return response.json()["error"]


def test_a_renamed_executable_is_refused(client, fgj, solar, evidence_root):
    program = b"\x7fELF\x02\x01\x01\x00" + bytes(200) + b"/lib64/ld-linux-x86-64.so.2"
    message = refused_upload(client, fgj, solar, upload("现场照片.jpg", program), evidence_root)
    assert "“现场照片.jpg”不是可识别的图片或PDF文件" in message


def test_an_oversized_file_is_refused(client, fgj, solar, evidence_root, settings):
    settings.EVIDENCE_MAX_BYTES = 50_000
    big = photo(size=(3000, 2000))
    assert len(big) > 50_000
    message = refused_upload(client, fgj, solar, upload("大图.jpg", big), evidence_root)
    assert "“大图.jpg”太大（95.8\xa0KB），每个文件不能超过48.8\xa0KB" in message


def test_a_decompression_bomb_is_refused_before_it_is_decoded(client, fgj, solar, evidence_root):
    bomb = png_declaring(40_000, 40_000)  # 1.6 billion pixels in 67 bytes
    assert len(bomb) < 100
    message = refused_upload(
        client, fgj, solar, upload("bomb.png", bomb, "image/png"), evidence_root
    )
    assert "“bomb.png”的像素过大" in message


def test_an_image_above_the_pixel_limit_is_refused(client, fgj, solar, evidence_root, settings):
    settings.EVIDENCE_MAX_PIXELS = 100_000
    message = refused_upload(
        client, fgj, solar, upload("p.jpg", photo(size=(400, 300))), evidence_root
    )
    assert "像素过大（超过10万像素）" in message


def test_a_pdf_with_the_wrong_signature_is_refused(client, fgj, solar, evidence_root):
    fake = b"<html><script>alert(1)</script></html>"
    message = refused_upload(
        client, fgj, solar, upload("验收单.pdf", fake, "application/pdf"), evidence_root
    )
    assert "“验收单.pdf”不是有效的PDF文件" in message


def test_one_bad_file_refuses_the_whole_upload(client, fgj, solar, evidence_root):
    client.force_login(fgj)
    response = post_files(
        client, solar, upload("好.jpg", photo()), upload("坏.jpg", b"MZ\x90\x00not an image")
    )
    assert response.status_code == 302  # back to the form, with the message
    assert not ProgressEntryEvidence.objects.exists()
    assert stored_files(evidence_root) == []


class ThumbnailsFail(FileSystemStorage):
    """A disk that fails on writing thumbnails: the failure comes after files were written."""

    def _save(self, name, content):
        if name.endswith("-thumb.jpg") and "fail" in self.location:
            raise OSError("disk full")
        return super()._save(name, content)


def test_files_written_before_a_failure_are_deleted(fgj, solar, settings, tmp_path):
    root = tmp_path / "fail"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": f"{__name__}.ThumbnailsFail", "OPTIONS": {"location": root}},
    }
    pdf = evidence.prepare(upload("a.pdf", b"%PDF-1.4\n%%EOF"))
    image = evidence.prepare(upload("b.jpg", photo()))
    with pytest.raises(OSError):
        workflow.attach(fgj, solar, MONTH, [pdf, image])
    assert not ProgressEntryEvidence.objects.exists()
    assert not ProgressEntry.objects.exists()
    assert stored_files(root) == []


# --- When a row's evidence may change ------------------------------------------------------------


def test_a_submitted_rows_evidence_is_frozen(client, fgj, solar, evidence_root):
    entry = submit(fgj, solar, MONTH, value=Decimal(85))
    client.force_login(fgj)
    response = post_files(
        client, solar, upload("晚了.jpg", photo()), version=entry.version, json=True
    )
    assert response.status_code == 403
    assert "报送，等待审核，不能再修改" in response.json()["error"]
    assert stored_files(evidence_root) == []


def test_an_approved_rows_evidence_cannot_be_removed(client, fgj, reviewer, solar):
    entry = workflow.attach(fgj, solar, MONTH, [evidence.prepare(upload("a.jpg", photo()))])
    entry = submit(fgj, solar, MONTH, value=Decimal(85))
    workflow.review(reviewer, [entry], workflow.APPROVE)
    item = ProgressEntryEvidence.objects.get()
    client.force_login(fgj)
    response = client.post(f"/evidence/i/{item.pk}/remove/", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert "审核通过，不能再修改" in response.json()["error"]
    assert ProgressEntryEvidence.objects.filter(pk=item.pk).exists()


def test_a_locked_months_evidence_is_frozen(client, fgj, reviewer, solar, evidence_root):
    workflow.lock_month(reviewer, solar.report, MONTH)
    client.force_login(fgj)
    response = post_files(client, solar, upload("a.jpg", photo()), json=True)
    assert response.status_code == 403
    assert "9月已被督查室锁定" in response.json()["error"]
    assert stored_files(evidence_root) == []


def test_reporter_cannot_attach_to_another_departments_row(client, rsj, solar, evidence_root):
    client.force_login(rsj)
    response = post_files(client, solar, upload("a.jpg", photo()), json=True)
    assert response.status_code == 403
    assert "不是本单位的" in response.json()["error"]
    assert stored_files(evidence_root) == [] and not ProgressEntry.objects.exists()


def test_leader_cannot_attach(client, leader, solar):
    client.force_login(leader)
    assert post_files(client, solar, upload("a.jpg", photo()), json=True).status_code == 403


def test_a_stale_page_cannot_attach(client, fgj, solar):
    submit(fgj, solar, MONTH, workflow.SAVE, value=Decimal(80))  # version 1, another window
    client.force_login(fgj)
    response = post_files(client, solar, upload("a.jpg", photo()), version=0, json=True)
    assert response.status_code == 409
    assert not ProgressEntryEvidence.objects.exists()


def test_no_more_files_than_the_limit_per_row(client, fgj, solar, settings, evidence_root):
    settings.EVIDENCE_MAX_FILES = 2
    client.force_login(fgj)
    first = post_files(client, solar, upload("1.jpg", photo()), json=True)
    assert first.status_code == 200
    second = post_files(
        client, solar, upload("2.jpg", photo()), upload("3.jpg", photo()), json=True
    )
    assert second.status_code == 400
    assert "每条记录最多2个佐证材料，已有1个" in second.json()["error"]
    assert ProgressEntryEvidence.objects.count() == 1
    assert len(stored_files(evidence_root)) == 2  # the first file and its thumbnail


def test_the_upload_answers_the_forms_script_with_the_rows_new_version(client, fgj, solar):
    client.force_login(fgj)
    answer = post_files(client, solar, upload("工地.jpg", photo()), version=0, json=True).json()
    item = ProgressEntryEvidence.objects.get()
    assert answer["version"] == item.entry.version == 1
    assert f"/evidence/i/{item.pk}/thumbnail/" in answer["html"]
    assert f'formaction="/evidence/i/{item.pk}/remove/"' in answer["html"]
    # The page then saves the row with that version, and the save is not taken as stale.
    prefix = f"i{solar.pk}"
    response = client.post(
        f"/report/2023/{MONTH}/",
        {
            "action": "submit",
            "rows": prefix,
            f"{prefix}-version": answer["version"],
            f"{prefix}-value": "85",
            f"initial-{prefix}-value": "",
        },
    )
    assert response.status_code == 302
    item.entry.refresh_from_db()
    assert (item.entry.state, item.entry.value) == ("submitted", Decimal(85))


def test_removing_a_draft_rows_attachment_deletes_its_files_once_committed(
    client, fgj, solar, evidence_root, django_capture_on_commit_callbacks
):
    workflow.attach(fgj, solar, MONTH, [evidence.prepare(upload("工地.jpg", photo()))])
    item = ProgressEntryEvidence.objects.get()
    assert len(stored_files(evidence_root)) == 2
    client.force_login(fgj)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        response = client.post(f"/evidence/i/{item.pk}/remove/", {"version": 1})
        assert len(stored_files(evidence_root)) == 2  # kept until the change commits
    assert response.status_code == 302
    assert not ProgressEntryEvidence.objects.exists()
    for callback in pending:
        callback()
    assert stored_files(evidence_root) == []
    # The history says who added and who removed what.
    records = ProgressEntryEvidence.history.order_by("history_date")
    assert [(r.history_type, r.original_name, r.history_user) for r in records] == [
        ("+", "工地.jpg", fgj),
        ("-", "工地.jpg", fgj),
    ]


def test_another_departments_reporter_cannot_remove_evidence(client, fgj, rsj, solar):
    workflow.attach(fgj, solar, MONTH, [evidence.prepare(upload("a.jpg", photo()))])
    item = ProgressEntryEvidence.objects.get()
    client.force_login(rsj)
    assert client.post(f"/evidence/i/{item.pk}/remove/").status_code in (302, 403)
    assert ProgressEntryEvidence.objects.filter(pk=item.pk).exists()


def test_project_progress_takes_evidence_the_same_way(client, fgj, report):
    project = make_project(report)
    client.force_login(fgj)
    response = post_files(client, project, upload("开工.jpg", photo()), kind="p", json=True)
    assert response.status_code == 200
    item = ProjectProgressEvidence.objects.get()
    assert (item.entry.project, item.entry.month, item.entry.state) == (project, MONTH, "draft")
    assert client.get(f"/evidence/p/{item.pk}/thumbnail/").status_code == 200


# --- Who may read the files ----------------------------------------------------------------------


@pytest.fixture
def stored_photo(fgj, solar):
    workflow.attach(fgj, solar, MONTH, [evidence.prepare(upload("工地.jpg", photo()))])
    return ProgressEntryEvidence.objects.get()


def test_the_department_and_the_office_read_the_file(client, fgj, reviewer, stored_photo):
    for user in (fgj, reviewer):
        client.force_login(user)
        response = client.get(f"/evidence/i/{stored_photo.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == read_stored(stored_photo.file_name)
        thumbnail = client.get(f"/evidence/i/{stored_photo.pk}/thumbnail/")
        assert thumbnail.status_code == 200


@pytest.mark.parametrize("path", ["", "thumbnail/"])
def test_another_departments_reporter_and_a_leader_get_403_on_the_file(
    client, rsj, leader, stored_photo, path
):
    for user in (rsj, leader):
        client.force_login(user)
        assert client.get(f"/evidence/i/{stored_photo.pk}/{path}").status_code == 403


@pytest.mark.parametrize("path", ["", "thumbnail/"])
def test_anonymous_is_sent_to_log_in_for_the_file(client, stored_photo, path):
    response = client.get(f"/evidence/i/{stored_photo.pk}/{path}")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_stored_names_are_random_and_there_is_no_public_url(client, fgj, stored_photo):
    assert "工地" not in stored_photo.file_name
    assert len(Path(stored_photo.file_name).stem) == 32
    client.force_login(fgj)
    assert client.get("/media/" + stored_photo.file_name).status_code == 404
    assert client.get("/evidence/x/1/").status_code == 404


# --- Orphans -------------------------------------------------------------------------------------


def plant(root, name, age_hours=2):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    then = time.time() - age_hours * 3600
    os.utime(path, (then, then))
    return name


def test_the_orphan_command_finds_exactly_the_planted_orphans(fgj, solar, report, evidence_root):
    workflow.attach(fgj, solar, MONTH, [evidence.prepare(upload("a.jpg", photo()))])
    project = make_project(report)
    workflow.attach(fgj, project, MONTH, [evidence.prepare(upload("b.pdf", b"%PDF-1.4\n"))])
    kept = stored_files(evidence_root)
    assert len(kept) == 3  # a photo, its thumbnail, a PDF
    orphans = [
        plant(evidence_root, "ab/abababababababababababababababab.jpg"),
        plant(evidence_root, "ab/abababababababababababababababab-thumb.jpg"),
        plant(evidence_root, "cd/old.pdf", age_hours=30),
    ]
    plant(evidence_root, "ef/just-uploaded.jpg", age_hours=0)  # maybe a transaction in flight

    out = StringIO()
    call_command("evidence_orphans", stdout=out)
    listed = [line for line in out.getvalue().splitlines() if not line.startswith(" ")]
    assert sorted(listed[:-1]) == sorted(orphans)
    assert "3" in listed[-1] and "--delete" in listed[-1]
    assert stored_files(evidence_root) == sorted([*kept, *orphans, "ef/just-uploaded.jpg"])

    out = StringIO()
    call_command("evidence_orphans", "--delete", stdout=out)
    assert stored_files(evidence_root) == sorted([*kept, "ef/just-uploaded.jpg"])
    out = StringIO()
    call_command("evidence_orphans", "--older-than", "0", stdout=out)
    assert out.getvalue().splitlines()[0] == "ef/just-uploaded.jpg"


# --- On the pages, at a fixed cost ---------------------------------------------------------------


def with_files(entries, model=ProgressEntryEvidence):
    """A photo record on every entry (the files need not exist: these pages only link them)."""
    model.objects.bulk_create(
        model(
            entry=entry,
            file_name=f"aa/{entry.pk:032d}.jpg",
            thumbnail_name=f"aa/{entry.pk:032d}-thumb.jpg",
            content_type="image/jpeg",
            size=1000,
            original_name=f"现场{entry.pk}.jpg",
        )
        for entry in entries
    )


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_monthly_forms_query_count_stays_fixed_with_files_on_every_row(client, report, fgj):
    from .conftest import add_indicators

    project = make_project(report)
    own = list(Indicator.objects.filter(report=report, lead_department=fgj.department))
    entries = [
        ProgressEntry.objects.create(indicator=i, month=MONTH, value=1, state="draft")
        for i in own
        if not i.is_derived
    ]
    entries.append(submit(fgj, project, MONTH, workflow.SAVE, investment_completed=Decimal(5)))
    with_files([e for e in entries if e.subject_field == "indicator"])
    with_files([entries[-1]], ProjectProgressEvidence)
    client.force_login(fgj)
    client.get(f"/report/2023/{MONTH}/")
    small, _page = count_queries(client, f"/report/2023/{MONTH}/")
    added = add_indicators(report, 60)  # led by 发改局, each with a month-9 entry
    with_files(ProgressEntry.objects.filter(indicator__in=added, month=MONTH))
    large, page = count_queries(client, f"/report/2023/{MONTH}/")
    assert page.count('class="evidence-thumb"') >= 60 + len(entries)
    assert large == small


def test_the_review_queues_query_count_stays_fixed_with_files_on_every_row(
    client, report, reviewer, fgj
):
    targets = list(Indicator.objects.filter(report=report, register_rule=""))
    project = make_project(report)

    def submitted(indicators):
        entries = [
            ProgressEntry.objects.create(
                indicator=i, month=MONTH, value=1, state="submitted", submitted_by=fgj
            )
            for i in indicators
        ]
        with_files(entries)

    submitted(targets[:3])
    progress = submit(fgj, project, MONTH, investment_completed=Decimal(5))
    with_files([progress], ProjectProgressEvidence)
    client.force_login(reviewer)
    client.get("/review/?year=2023")
    small, _page = count_queries(client, "/review/?year=2023")
    submitted(targets[3:])
    large, page = count_queries(client, "/review/?year=2023")
    assert page.count('class="evidence-thumb"') == len(targets) + 1
    assert large == small


def test_the_targets_page_shows_each_months_files_and_who_added_them(
    client, fgj, reviewer, leader, solar
):
    workflow.attach(fgj, solar, 8, [evidence.prepare(upload("八月.jpg", photo()))])
    workflow.attach(fgj, solar, MONTH, [evidence.prepare(upload("九月.pdf", b"%PDF-1.4\n"))])
    item = ProgressEntryEvidence.objects.get(original_name="九月.pdf")
    workflow.detach(fgj, item)
    for user in (fgj, reviewer):
        client.force_login(user)
        page = client.get(f"/indicators/{solar.pk}/").content.decode()
        august = page.split('<tr data-month="8"')[1].split("</tr>")[0]
        photo_item = ProgressEntryEvidence.objects.get(original_name="八月.jpg")
        assert f'href="/evidence/i/{photo_item.pk}/"' in august
        history = page.split('id="history"')[1]
        assert "9月佐证材料" in history and "九月.pdf" in history and "删除" in history
        assert "8月佐证材料" in history and "t-fgj" in history
    client.force_login(leader)
    page = client.get(f"/indicators/{solar.pk}/").content.decode()
    assert "/evidence/" not in page and "佐证材料" not in page


def test_the_projects_page_shows_each_months_files(client, fgj, reviewer, leader, report):
    project = make_project(report)
    workflow.attach(fgj, project, MONTH, [evidence.prepare(upload("开工.jpg", photo()))])
    item = ProjectProgressEvidence.objects.get()
    for user in (fgj, reviewer):
        client.force_login(user)
        page = client.get(f"/projects/{project.pk}/").content.decode()
        row = page.split(f'<tr data-month="{MONTH}"')[1].split("</tr>")[0]
        assert f'src="/evidence/p/{item.pk}/thumbnail/"' in row
        assert "9月佐证材料" in page.split('id="history"')[1]
    client.force_login(leader)
    assert "/evidence/" not in client.get(f"/projects/{project.pk}/").content.decode()


def test_evidence_goes_to_a_private_bucket_when_one_is_configured(monkeypatch):
    from county_targets.settings import evidence_storage

    assert evidence_storage()["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    monkeypatch.setenv("EVIDENCE_S3_BUCKET", "county-evidence")
    monkeypatch.setenv("EVIDENCE_S3_ENDPOINT_URL", "https://oss.example.gov.cn")
    config = evidence_storage()
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    options = config["OPTIONS"]
    assert options["bucket_name"] == "county-evidence"
    assert options["endpoint_url"] == "https://oss.example.gov.cn"
    # Private: no public ACL, and a name is never overwritten by another upload.
    assert (options["default_acl"], options["file_overwrite"]) == (None, False)
