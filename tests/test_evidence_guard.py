"""Evidence uploads are judged by who sends them before any file is read: an outsider's upload,
however large, is refused without Pillow opening it; another region's row answers 404 and names
nothing of itself."""

import datetime
import struct
import zlib
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from indicators import evidence, workflow
from indicators.models import Department, Indicator, ProgressEntry, ProgressEntryEvidence, Region

from .conftest import make_user, stored_files, submit

MONTH = 9


@pytest.fixture(autouse=True)
def _after_the_year():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


@pytest.fixture
def solar(report):
    return Indicator.objects.get(report=report, code="EC-05")  # led by 发改局


@pytest.fixture
def county_b(report):
    """A second county on the same server, with its own 发改局 reporter and its own office."""
    region = Region.objects.create(name="鹿寨县", code="450223")
    department = Department.objects.create(
        region=region, name="鹿寨县发展和改革局", short_name="鹿寨发改局", code="lz-fgj"
    )
    reporter = make_user("b-fgj", "reporter", department)
    office = make_user("b-office", "reviewer", region=region)
    office.is_staff = True
    office.save()
    return {"reporter": reporter, "office": office}


@pytest.fixture
def pillow_opens(monkeypatch):
    """Every call to Pillow's ``Image.open`` (a third-party library, watched, not replaced)."""
    calls = []
    real_open = Image.open

    def watched(*args, **kwargs):
        calls.append(args)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", watched)
    return calls


def png_declaring(width, height):
    """A tiny PNG whose header declares ``width`` × ``height`` pixels (a decompression bomb)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def big_photo():
    out = BytesIO()
    Image.new("RGB", (3000, 2000), (180, 60, 40)).save(out, "JPEG")
    return out.getvalue()


def uploads():
    return [
        SimpleUploadedFile("bomb.png", png_declaring(60_000, 60_000), "image/png"),
        *(SimpleUploadedFile(f"big{n}.jpg", big_photo(), "image/jpeg") for n in range(5)),
    ]


def post_files(client, subject, json=True):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        f"/report/2023/{MONTH}/evidence/i/{subject.pk}/",
        {"files": uploads()},
        headers=headers,
    )


def names_nothing_of(response, subject):
    body = response.content.decode()
    messages = " ".join(str(m) for m in get_messages(response.wsgi_request))
    return all(word not in body + messages for word in (subject.code, subject.name))


def test_the_watch_sees_pillow_open_an_owners_upload(client, fgj, solar, pillow_opens):
    """The control: the department's own reporter's upload is decoded (and refused for the bomb),
    so the watch below would see an outsider's upload opened if it were."""
    client.force_login(fgj)
    response = post_files(client, solar)
    assert response.status_code == 400 and "像素过大" in response.json()["error"]
    assert pillow_opens


@pytest.mark.parametrize("json", [True, False])
def test_another_regions_reporter_is_refused_before_any_file_is_opened(
    client, county_b, solar, pillow_opens, evidence_root, json
):
    client.force_login(county_b["reporter"])
    response = post_files(client, solar, json=json)
    assert response.status_code == 404
    assert pillow_opens == []
    assert names_nothing_of(response, solar)
    assert stored_files(evidence_root) == [] and not ProgressEntry.objects.exists()


def test_another_regions_office_is_refused_before_any_file_is_opened(
    client, county_b, solar, pillow_opens
):
    client.force_login(county_b["office"])
    response = post_files(client, solar)
    assert response.status_code == 404
    assert pillow_opens == []
    assert names_nothing_of(response, solar)


def test_another_departments_reporter_is_refused_before_any_file_is_opened(
    client, rsj, solar, pillow_opens, evidence_root
):
    client.force_login(rsj)
    response = post_files(client, solar)
    assert response.status_code == 403 and "不是本单位的" in response.json()["error"]
    assert pillow_opens == []
    assert stored_files(evidence_root) == []


def test_a_leader_is_refused_before_any_file_is_opened(client, leader, solar, pillow_opens):
    client.force_login(leader)
    assert post_files(client, solar).status_code == 403
    assert pillow_opens == []


def test_a_submitted_row_refuses_files_before_they_are_opened(client, fgj, solar, pillow_opens):
    submit(fgj, solar, MONTH, value=Decimal(85))
    client.force_login(fgj)
    response = post_files(client, solar)
    assert response.status_code == 403 and "等待审核" in response.json()["error"]
    assert pillow_opens == []


def test_a_locked_month_refuses_files_before_they_are_opened(
    client, fgj, reviewer, solar, pillow_opens
):
    workflow.lock_month(reviewer, solar.report, MONTH)
    client.force_login(fgj)
    response = post_files(client, solar)
    assert response.status_code == 403 and "已被督查室锁定" in response.json()["error"]
    assert pillow_opens == []


@pytest.fixture
def attached(fgj, solar):
    photo = BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(photo, "JPEG")
    upload = SimpleUploadedFile("工地.jpg", photo.getvalue(), "image/jpeg")
    workflow.attach(fgj, solar, MONTH, [evidence.prepare(upload)])
    return ProgressEntryEvidence.objects.get()


@pytest.mark.parametrize("who", ["reporter", "office"])
@pytest.mark.parametrize("json", [True, False])
def test_another_region_cannot_remove_evidence_and_learns_no_name(
    client, county_b, solar, attached, who, json
):
    client.force_login(county_b[who])
    headers = {"Accept": "application/json"} if json else {}
    response = client.post(f"/evidence/i/{attached.pk}/remove/", headers=headers)
    assert response.status_code == 404
    assert names_nothing_of(response, solar)
    assert "工地" not in response.content.decode()
    assert ProgressEntryEvidence.objects.filter(pk=attached.pk).exists()


@pytest.mark.parametrize("path", ["", "thumbnail/"])
def test_another_region_cannot_read_evidence_files(client, county_b, solar, attached, path):
    client.force_login(county_b["office"])
    response = client.get(f"/evidence/i/{attached.pk}/{path}")
    assert response.status_code == 404
    assert names_nothing_of(response, solar)
