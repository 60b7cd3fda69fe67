"""The 审计管理员's page (/audit/): filters, the Excel export, and everyone else refused."""

import datetime
from io import BytesIO

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from openpyxl import load_workbook

from audit import log
from audit.models import Action, AuditRecord
from indicators.models import Department, Region

from .conftest import make_user

PAGE = "/audit/"
EXPORT = "/audit/export.xlsx"


@pytest.fixture
def auditor(report):
    Group.objects.get_or_create(name="auditor")
    return make_user("t-auditor", "auditor")


@pytest.fixture
def events(report, fgj, rsj):
    other = Region.objects.create(name="邻县", code="450299")
    with time_machine.travel(datetime.datetime(2024, 3, 1, 2, tzinfo=datetime.UTC)):
        log.record(Action.LOGIN, user=fgj)
        log.record(Action.LOGIN_FAILED, username='=HYPERLINK("http://x","y")')
    with time_machine.travel(datetime.datetime(2024, 3, 20, 2, tzinfo=datetime.UTC)):
        log.record(Action.DOWNLOAD, user=rsj, detail={"file": "汇总.xlsx"})
        log.record(Action.LOGIN, user=rsj, region=other)
    return other


def rows(response):
    sheet = load_workbook(BytesIO(response.content))["安全审计记录"]
    values = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(values) if row and row[0] == "编号")
    return [dict(zip(values[header], row, strict=True)) for row in values[header + 1 :]], sheet


def test_the_auditor_sees_the_records_newest_first(client, auditor, events):
    client.force_login(auditor)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "t-rsj" in page and "t-fgj" in page
    assert page.index("汇总.xlsx") < page.index("HYPERLINK")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("who=t-rsj", {"t-rsj"}),
        ("action=login_failed", {'=HYPERLINK("http://x","y")'}),
        ("start=2024-03-10&end=2024-03-31", {"t-rsj"}),
        ("end=2024-03-05&action=login", {"t-fgj"}),
    ],
)
def test_the_page_filters_by_who_what_and_when(client, auditor, events, query, expected):
    client.force_login(auditor)
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 200
    found, _ = rows(client.get(f"{EXPORT}?{query}"))
    assert {row["操作人"] for row in found} == expected


def test_the_page_filters_by_region(client, auditor, events):
    client.force_login(auditor)
    found, _ = rows(client.get(f"{EXPORT}?region={events.pk}"))
    # The region's own creation, then the login there.
    assert [(row["事件"], row["地区"]) for row in found] == [("新增", "邻县"), ("登录", "邻县")]
    assert found[1]["操作人"] == "t-rsj"
    page = client.get(f"{PAGE}?region={events.pk}").content.decode()
    assert "t-fgj" not in page


def test_the_export_holds_every_column_and_never_a_formula(client, auditor, events):
    client.force_login(auditor)
    response = client.get(f"{EXPORT}?start=2024-01-01&end=2024-12-31")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    found, sheet = rows(response)
    assert [row["事件"] for row in found] == ["登录", "登录失败", "导出下载", "登录"]
    assert found[2]["详情"] == "文件: 汇总.xlsx"
    first = AuditRecord.objects.order_by("id").filter(time__year=2024).first()
    assert (found[0]["编号"], found[0]["哈希"]) == (first.pk, first.hash)
    injected = next(
        cell
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    )
    assert injected.data_type == "s"


def test_the_export_is_itself_recorded_and_reading_the_page_is_not(client, auditor, events):
    client.force_login(auditor)
    before = AuditRecord.objects.count()
    client.get(PAGE)
    client.get(f"{PAGE}?action=login&page=1")
    assert AuditRecord.objects.count() == before
    client.get(f"{EXPORT}?action=login")
    entry = AuditRecord.objects.order_by("id").last()
    assert (entry.action, entry.actor_id) == (Action.DOWNLOAD, auditor.pk)
    assert entry.detail["path"] == EXPORT
    assert entry.detail["query"] == "action=login"


def test_a_bad_date_is_refused_with_a_message(client, auditor, events):
    client.force_login(auditor)
    response = client.get(f"{EXPORT}?start=not-a-date")
    assert response.status_code == 400
    assert "有效的日期" in response.content.decode() or "date" in response.content.decode()


@pytest.mark.parametrize("persona", ["reviewer", "leader", "fgj"])
@pytest.mark.parametrize("url", [PAGE, EXPORT])
def test_everyone_else_is_refused(client, request, persona, url, events):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(url).status_code == 403
    refusal = AuditRecord.objects.order_by("id").last()
    assert (refusal.action, refusal.actor_id) == (Action.REFUSED, user.pk)


def test_anonymous_is_sent_to_login(client, events):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_change_reads_in_words_in_either_language(client, auditor, report):
    department = Department.objects.get(code="fgj")
    old = department.short_name
    department.short_name = "发改"
    department.save()
    client.force_login(auditor)
    page = client.get(f"{PAGE}?action=changed").content.decode()
    assert f"责任单位 {department.name}" not in page  # the object is named by its text
    assert f"简称: {old} → 发改" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"{PAGE}?action=changed").content.decode()
    assert f"Short name: {old} → 发改" in page
    assert "Changed" in page
