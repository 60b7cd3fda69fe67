"""The security audit log (安全审计): what it records, that nothing edits or deletes it, and
that its hash chain shows an edit or a deletion made directly in the database."""

import datetime
import json
import logging
import os
import stat
import threading
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.urls import reverse

from accounts import policy
from audit import log
from audit.models import Action, AppendOnlyError, AuditRecord
from county_targets.middleware import JsonFormatter
from indicators import lifecycle, setup
from indicators.models import Department, User

from .conftest import make_user

LOGIN = "/accounts/login/"


def login(client, username, password="pw-for-tests-1", address="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def records(action):
    return list(AuditRecord.objects.filter(action=action).order_by("id"))


def last(action):
    return AuditRecord.objects.filter(action=action).order_by("id").last()


def verify():
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


@pytest.fixture
def admin_user(report):
    return User.objects.create_superuser("t-admin", password="pw-for-tests-1")


# --- What is recorded ---------------------------------------------------------------------------


def test_a_login_through_the_login_page_is_recorded_with_who_and_where(client, fgj):
    assert login(client, "t-fgj").status_code == 302
    entry = last(Action.LOGIN)
    assert (entry.actor_id, entry.actor_name, entry.address) == (fgj.pk, "t-fgj", "10.0.0.7")
    assert entry.region_name == "柳城县"


def test_a_failed_login_is_recorded_with_the_name_tried_and_never_the_password(client, fgj):
    assert login(client, "t-fgj", "Wrong-Secret-42").status_code == 200
    entry = last(Action.LOGIN_FAILED)
    assert (entry.actor_id, entry.actor_name, entry.address) == (None, "t-fgj", "10.0.0.7")
    assert entry.region_name == "柳城县"  # the account's, for the region's own auditor
    assert "Wrong-Secret-42" not in json.dumps(entry.detail)
    assert last(Action.LOGIN) is None


def test_a_logout_is_recorded(client, fgj):
    client.force_login(fgj)
    client.post("/accounts/logout/")
    assert last(Action.LOGOUT).actor_id == fgj.pk


def test_a_lock_out_after_the_failure_limit_is_recorded(client, fgj, settings):
    limit = policy.current().failure_limit  # the security policy's, which axes asks
    for _ in range(limit):
        login(client, "t-fgj", "wrong-password")
    assert login(client, "t-fgj").status_code == 429
    locked = records(Action.LOCKED_OUT)
    assert locked and all(r.actor_name == "t-fgj" for r in locked)
    assert len(records(Action.LOGIN_FAILED)) >= limit


def test_a_password_change_is_recorded_and_its_hash_never_is(client, fgj):
    client.force_login(fgj)
    new = "Liucheng-2024-ok"
    response = client.post(
        "/accounts/password/",
        {"old_password": "pw-for-tests-1", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    entry = last(Action.PASSWORD_CHANGED)
    assert (entry.actor_id, entry.object_id) == (fgj.pk, str(fgj.pk))
    fgj.refresh_from_db()
    everything = json.dumps([r.detail for r in AuditRecord.objects.all()], ensure_ascii=False)
    assert fgj.password not in everything
    assert "pbkdf2" not in everything and "md5$" not in everything


def test_a_refusal_403_is_recorded_with_the_path_and_who(client, fgj):
    client.force_login(fgj)
    response = client.get("/review/?token=abc123secret&month=3")
    assert response.status_code == 403
    entry = last(Action.REFUSED)
    assert entry.actor_id == fgj.pk
    assert entry.detail["path"] == "/review/"
    assert entry.detail["status"] == 403
    assert "abc123secret" not in entry.detail["query"]
    assert "month=3" in entry.detail["query"]


def test_a_404_on_an_object_id_is_a_refusal_and_an_unknown_page_is_not(client, leader):
    client.force_login(leader)
    assert client.get("/indicators/999999/").status_code == 404
    assert last(Action.REFUSED).detail["path"] == "/indicators/999999/"
    assert client.get("/?report=999999").status_code == 404
    assert last(Action.REFUSED).detail["query"] == "report=999999"
    before = AuditRecord.objects.count()
    assert client.get("/no-such-page/").status_code == 404
    assert AuditRecord.objects.count() == before


def test_a_download_of_the_summary_is_recorded(client, leader):
    client.force_login(leader)
    response = client.get("/export/summary.xlsx?year=2023&month=9")
    assert response.status_code == 200
    entry = last(Action.DOWNLOAD)
    assert entry.actor_id == leader.pk
    assert entry.detail["path"] == "/export/summary.xlsx"
    assert entry.detail["file"].endswith(".xlsx")
    assert "month=9" in entry.detail["query"]


def test_an_ordinary_page_records_nothing(client, leader):
    client.force_login(leader)
    before = AuditRecord.objects.count()
    assert client.get("/departments/").status_code == 200
    assert AuditRecord.objects.count() == before


def test_an_admin_change_to_a_department_is_recorded_with_its_diff(client, admin_user):
    department = Department.objects.get(code="fgj")
    client.force_login(admin_user)
    url = reverse("admin:indicators_department_change", args=[department.pk])
    form = {
        "region": department.region_id,
        "name": department.name,
        "short_name": "发改",
        "code": department.code,
        "order": department.order,
        "leader": "",
        "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-secret-1",
    }
    assert client.post(url, form).status_code == 302
    entry = last(Action.CHANGED)
    assert entry.object_label == "indicators.Department"
    assert entry.object_id == str(department.pk)
    assert entry.actor_id == admin_user.pk
    assert entry.region_name == "柳城县"
    changes = entry.detail["changes"]
    assert changes["short_name"] == {"old": department.short_name, "new": "发改"}
    # A robot's URL carries its key: only its host is kept.
    assert "robot-secret-1" not in json.dumps(changes)
    assert changes["webhook_url"]["new"] == "https://qyapi.weixin.qq.com/***"


def test_a_group_change_is_recorded_on_both_kinds(admin_user, fgj):
    reviewers = Group.objects.get(name="reviewer")
    fgj.groups.add(reviewers)
    entry = last(Action.CHANGED)
    assert (entry.object_label, entry.detail) == (
        "indicators.User",
        {"relation": "groups", "added": ["reviewer"]},
    )
    permission = Permission.objects.get(codename="view_region")
    Group.objects.get(name="leader").permissions.add(permission)
    entry = last(Action.CHANGED)
    assert entry.object_label == "auth.Group"
    assert entry.detail["relation"] == "permissions"
    assert len(entry.detail["added"]) == 1


def test_a_login_stamp_is_not_a_change(client, fgj):
    before = AuditRecord.objects.count()
    login(client, "t-fgj")
    assert [r.action for r in AuditRecord.objects.filter(pk__gt=before)] == [Action.LOGIN]


def preparing(report):
    """``report`` put back into 筹备 by its office, as the workbook loads only there."""
    office = make_user("t-office", "reviewer", region=report.region)
    return lifecycle.move(office, report, "unpublish")


def test_a_report_workbook_load_is_recorded_with_its_rows(report, tmp_path):
    preparing(report)
    path = tmp_path / "柳城县2023.xlsx"
    path.write_bytes(setup.report_setup_bytes(report))
    call_command("load_report", str(path), stdout=StringIO())
    entry = last(Action.WORKBOOK_LOADED)
    assert entry.detail["workbook"] == "report"
    assert entry.detail["file"] == "柳城县2023.xlsx"
    # 1 region, 1 report, 11 departments, 5 sections and 40 targets, all unchanged.
    assert entry.detail["rows"] == 58
    assert entry.object_id == str(report.pk)


def test_the_admin_report_upload_is_recorded_with_who(client, admin_user, report):
    preparing(report)
    client.force_login(admin_user)
    file = SimpleUploadedFile("上传.xlsx", setup.report_setup_bytes(report))
    response = client.post(reverse("admin:indicators_report_load"), {"file": file})
    assert response.status_code == 302
    entry = last(Action.WORKBOOK_LOADED)
    assert (entry.actor_id, entry.detail["file"], entry.detail["rows"]) == (
        admin_user.pk,
        "上传.xlsx",
        58,
    )


def test_a_set_up_change_made_by_a_workbook_is_recorded_row_by_row(report, tmp_path):
    preparing(report)
    path = tmp_path / "2023.xlsx"
    path.write_bytes(setup.report_setup_bytes(report))
    Department.objects.filter(code="fgj").update(short_name="旧简称")  # the workbook restores it
    call_command("load_report", str(path), stdout=StringIO())
    entry = AuditRecord.objects.filter(
        action=Action.CHANGED, object_label="indicators.Department"
    ).last()
    assert entry.detail["changes"]["short_name"]["old"] == "旧简称"


def test_a_users_workbook_load_is_recorded_from_the_command_and_the_admin(
    client, admin_user, tmp_path
):
    from .test_people import upload as users_upload
    from .test_people import workbook as users_workbook

    path = tmp_path / "人员.xlsx"
    path.write_bytes(users_workbook())
    call_command("load_users", str(path), stdout=StringIO())
    entry = last(Action.WORKBOOK_LOADED)
    assert (entry.detail["workbook"], entry.detail["file"], entry.detail["rows"]) == (
        "users",
        "人员.xlsx",
        4,
    )
    assert entry.detail["created"] == 4
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:indicators_user_load"), {"file": users_upload(users_workbook())}
    )
    assert response.status_code == 302  # nobody new: no passwords to hand out
    entry = last(Action.WORKBOOK_LOADED)
    assert (entry.actor_id, entry.detail["rows"], entry.detail["created"]) == (
        admin_user.pk,
        4,
        0,
    )
    # Each person created by the workbook is recorded too, with their group.
    assert AuditRecord.objects.filter(
        action=Action.CREATED, object_label="indicators.User", object_text="fgj-zhangsan"
    ).exists()


def test_a_monthly_workbook_import_is_recorded_when_confirmed(client, rsj):
    from .test_excel_import import confirm, fill, template, upload

    preview = upload(client, fill(template(client, rsj), {"LV-01": 1300, "LV-02": 4.2}))
    assert last(Action.WORKBOOK_LOADED) is None  # a preview writes nothing
    confirm(client, preview)
    entry = last(Action.WORKBOOK_LOADED)
    assert (entry.actor_id, entry.detail["workbook"], entry.detail["file"]) == (
        rsj.pk,
        "monthly",
        "填报.xlsx",
    )
    assert entry.detail["rows"] == 2


def test_a_save_that_changes_nothing_records_nothing(report):
    indicator = report.indicators.exclude(target=None).first()
    indicator.target = indicator.target.normalize()  # the same number, as a form gives it
    before = AuditRecord.objects.count()
    indicator.save()
    assert AuditRecord.objects.count() == before


def test_a_deleted_section_is_recorded_with_its_region(report):
    from indicators.models import Section

    section = Section.objects.create(report=report, name="临时板块", order=9)
    section.delete()
    entry = last(Action.DELETED)
    assert (entry.object_label, entry.object_text, entry.region_name) == (
        "indicators.Section",
        "临时板块",
        "柳城县",
    )


def test_a_nul_character_in_a_login_name_is_dropped_not_stored(db):
    entry = log.record(Action.LOCKED_OUT, username="ad\x00min", detail={"x": "a\x00b"})
    assert (entry.actor_name, entry.detail) == ("admin", {"x": "ab"})
    assert "OK" in verify()


# --- Append-only --------------------------------------------------------------------------------


def test_a_record_cannot_be_changed_or_deleted_through_the_application(fgj):
    entry = log.record(Action.LOGIN, user=fgj)
    entry.actor_name = "someone-else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=entry.pk).update(actor_name="x")
    assert AuditRecord.objects.get(pk=entry.pk).actor_name == "t-fgj"


def test_the_admin_offers_no_audit_records_to_change(admin_user, client):
    from django.contrib import admin

    assert AuditRecord not in admin.site._registry


# --- The chain ----------------------------------------------------------------------------------


def test_verify_passes_on_a_good_chain(fgj):
    for _ in range(3):
        log.record(Action.LOGIN, user=fgj, detail={"n": 1.5, "when": datetime.date(2023, 9, 1)})
    assert "OK" in verify()


def test_verify_names_the_record_edited_with_raw_sql(fgj):
    entries = [log.record(Action.LOGIN, user=fgj) for _ in range(4)]
    target = entries[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditrecord SET actor_name = %s WHERE id = %s", ["mallory", target.pk]
        )
    with pytest.raises(CommandError, match=f"record {target.pk} ") as broken:
        verify()
    assert "edited" in str(broken.value)
    assert str(target.time.year) in str(broken.value)


def test_verify_names_the_record_after_one_deleted_with_raw_sql(fgj):
    entries = [log.record(Action.LOGIN, user=fgj) for _ in range(4)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"record {entries[2].pk} "):
        verify()


def test_verify_notices_the_newest_record_deleted(fgj):
    entries = [log.record(Action.LOGIN, user=fgj) for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [entries[-1].pk])
    with pytest.raises(CommandError, match="end of chain"):
        verify()


def test_verify_exits_non_zero_from_the_command_line(fgj):
    entry = log.record(Action.LOGIN, user=fgj)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET address = '1.2.3.4' WHERE id = %s", [entry.pk])
    with pytest.raises(SystemExit) as exited:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "audit_verify"]).execute()
    assert exited.value.code != 0


# --- Archive ------------------------------------------------------------------------------------


def test_archive_moves_old_records_to_a_private_file_and_the_chain_still_verifies(fgj, tmp_path):
    old = [log.record(Action.LOGIN, user=fgj) for _ in range(3)]
    now = old[-1].time
    with time_machine.travel(now + datetime.timedelta(days=240)):
        young = log.record(Action.LOGOUT, user=fgj)
        before = (now + datetime.timedelta(days=30)).date().isoformat()
        out = tmp_path / "audit-old.jsonl"
        call_command("audit_archive", "--before", before, "-o", str(out), stdout=StringIO())
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    lines = out.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines[1:]]
    assert ids == list(range(1, old[-1].pk + 1))
    assert not AuditRecord.objects.filter(pk__lte=old[-1].pk).exists()
    assert AuditRecord.objects.filter(pk=young.pk).exists()
    assert last(Action.ARCHIVED).detail["records"] == len(ids)
    assert "OK" in verify()
    checked = StringIO()
    call_command("audit_verify", "--archive", str(out), stdout=checked)
    assert f"{len(ids)} audit records verified" in checked.getvalue()


def test_archive_refuses_a_date_inside_the_retention(fgj, tmp_path):
    log.record(Action.LOGIN, user=fgj)
    recent = (datetime.date.today() - datetime.timedelta(days=100)).isoformat()
    out = tmp_path / "a.jsonl"
    with pytest.raises(CommandError, match="180 days"):
        call_command("audit_archive", "--before", recent, "-o", str(out))
    assert not out.exists()
    assert AuditRecord.objects.count() >= 1


def test_archiving_with_nothing_old_enough_says_so_and_writes_no_file(fgj, tmp_path):
    log.record(Action.LOGIN, user=fgj)
    out = tmp_path / "a.jsonl"
    said = StringIO()
    call_command("audit_archive", "--before", "2020-01-01", "-o", str(out), stdout=said)
    assert "nothing archived, no file written" in said.getvalue()
    assert not out.exists()


def test_a_broken_record_is_named_by_the_time_the_audit_page_shows(fgj):
    from django.utils import timezone

    entry = log.record(Action.LOGIN, user=fgj)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditrecord SET actor_name = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(CommandError) as broken:
        call_command("audit_verify", stdout=StringIO())
    shown = timezone.localtime(entry.time).strftime("%Y-%m-%d %H:%M:%S")
    assert f"record {entry.pk} ({shown})" in str(broken.value)


def test_an_edited_archive_file_fails_verification(fgj, tmp_path):
    entry = log.record(Action.LOGIN, user=fgj)
    out = tmp_path / "a.jsonl"
    with time_machine.travel(entry.time + datetime.timedelta(days=240)):
        before = (entry.time + datetime.timedelta(days=30)).date().isoformat()
        call_command("audit_archive", "--before", before, "-o", str(out), stdout=StringIO())
    out.write_text(out.read_text(encoding="utf-8").replace("t-fgj", "t-rsj", 1), "utf-8")
    with pytest.raises(CommandError, match="edited"):
        call_command("audit_verify", "--archive", str(out))


# --- Concurrent writers -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain(report):
    user = make_user("t-writer")
    errors = []

    def write():
        try:
            for _ in range(15):
                log.record(Action.DOWNLOAD, user=user, detail={"thread": threading.get_ident()})
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditRecord.objects.filter(action=Action.DOWNLOAD).count() == 60
    assert "OK" in verify()


# --- No secrets in the logs ---------------------------------------------------------------------


def test_the_request_log_holds_no_password_session_key_or_token(client, fgj, caplog):
    with caplog.at_level(logging.INFO, logger="county_targets.requests"):
        login(client, "t-fgj", "pw-for-tests-1")
        session_key = client.session.session_key
        client.get("/departments/?report=1&token=abc123secret&hook=https://oapi.dingtalk.com/x")
    lines = [
        JsonFormatter().format(r) for r in caplog.records if r.name == "county_targets.requests"
    ]
    text = "\n".join(lines)
    assert len(lines) == 2
    assert "pw-for-tests-1" not in text
    assert session_key not in text
    assert "abc123secret" not in text
    assert "dingtalk" not in text
    assert "report=1" in text


def test_no_password_or_session_key_reaches_the_audit_detail(client, fgj):
    login(client, "t-fgj", "Wrong-Secret-42")
    login(client, "t-fgj")
    session_key = client.session.session_key
    client.get("/review/?password=Another-Secret-7")
    text = json.dumps(
        [(r.actor_name, r.object_text, r.detail) for r in AuditRecord.objects.all()],
        ensure_ascii=False,
    )
    for secret in ("Wrong-Secret-42", "pw-for-tests-1", "Another-Secret-7", session_key):
        assert secret not in text
