"""The office's page that runs the public progress page (/publishing/): the switch, the months,
the public fields; every change through the gate (``opendata.publishing``), audited; refusals in
words that change nothing; only the report's own office (and an administrator)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from audit.models import Action, AuditRecord
from indicators.models import Department, Indicator, Region, Report, Section
from opendata import published, publishing
from opendata.models import PublicField, PublicSite, PublishedMonth

from .conftest import approve, make_user

pytestmark = pytest.mark.django_db

PAGE = "/publishing/"


def months_of(report):
    return list(PublishedMonth.objects.filter(report=report).values_list("month", flat=True))


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def post(client, name, report, data):
    return client.post(reverse(name, args=[report.pk]), data, follow=True)


@pytest.fixture
def other_county(report):
    """鹿寨县: a county beside 柳城县 with its own 2023 report and office."""
    region = Region.objects.create(name="鹿寨县", code="450223")
    other = Report.objects.create(
        region=region, year=2023, title="2023年鹿寨县政府工作报告", state=Report.State.ACTIVE
    )
    section = Section.objects.create(report=other, name="民生事业", order=1)
    department = Department.objects.create(region=region, code="lzfgj", name="鹿寨发改局")
    Indicator.objects.create(
        report=other, section=section, code="LZ-01", name="鹿寨新增就业", kind="cumulative",
        target=Decimal(100), unit="人", lead_department=department,
    )  # fmt: skip
    office = make_user("lz-office", "reviewer", region=region)
    return {"report": other, "office": office}


def test_the_office_page_shows_the_switch_the_months_the_fields_and_the_link(
    client, report, reviewer
):
    approve(Indicator.objects.get(report=report, code="LV-01"), 1, 120)
    publishing.publish(report, 1, user=reviewer)
    client.force_login(reviewer)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "柳城县的公开页面未开启" in page
    assert '<a href="/public/450222/2023/">/public/450222/2023/</a>' in page
    assert page.count('name="action" value="publish"') == 11
    assert page.count('name="action" value="unpublish"') == 1
    row = page.split('<tr data-month="1">', 1)[1].split("</tr>", 1)[0]
    assert "已公开 · t-reviewer" in row and '<td class="num">1</td>' in row
    for value, label in PublicField.choices:
        checked = value in published.public_fields(report)
        assert f'value="{value}"' in page and str(label) in page
        box = page.split(f'value="{value}"', 1)[1].split(">", 1)[0]
        assert ("checked" in box) == checked
    assert f'href="{PAGE}"' in page  # the header's menu links it


def test_months_go_public_in_order_through_the_page_and_are_audited(client, report, reviewer):
    client.force_login(reviewer)
    refused = post(client, "opendata:publishing-month", report, {"month": 2, "action": "publish"})
    assert messages_of(refused) == ["请先公开1月：月份须从1月起依次公开。"]
    assert months_of(report) == []
    assert not AuditRecord.objects.filter(action=Action.PUBLISHED).exists()

    for month in (1, 2):
        done = post(
            client, "opendata:publishing-month", report, {"month": month, "action": "publish"}
        )
        assert messages_of(done) == [f"已公开{month}月的数据。"]
    assert months_of(report) == [1, 2]
    records = AuditRecord.objects.filter(action=Action.PUBLISHED).order_by("id")
    assert [(r.detail, r.actor_name, r.object_id) for r in records] == [
        ({"month": 1}, "t-reviewer", str(report.pk)),
        ({"month": 2}, "t-reviewer", str(report.pk)),
    ]

    refused = post(client, "opendata:publishing-month", report, {"month": 1, "action": "unpublish"})
    assert messages_of(refused) == ["请先撤回2月：只能撤回最后公开的月份。"]
    assert months_of(report) == [1, 2]
    done = post(client, "opendata:publishing-month", report, {"month": 2, "action": "unpublish"})
    assert messages_of(done) == ["已撤回2月的公开。"] and months_of(report) == [1]
    withdrawn = AuditRecord.objects.get(action=Action.UNPUBLISHED)
    assert withdrawn.detail == {"month": 2}


def test_the_office_switches_the_page_and_chooses_its_fields(client, report, reviewer):
    client.force_login(reviewer)
    done = post(client, "opendata:publishing-site", report, {"enabled": "1"})
    assert messages_of(done) == ["公开页面已开启，公众无需登录即可查看。"]
    assert PublicSite.objects.get(region=report.region).enabled
    assert Client().get("/public/450222/2023/").status_code == 200
    switched = AuditRecord.objects.get(action=Action.PUBLISHED)
    assert switched.detail == {"public_page": True} and switched.object_id == str(report.region_id)

    done = post(client, "opendata:publishing-fields", report, {"shown": ["note", "lead"]})
    assert messages_of(done) == ["公开字段已保存。"]
    assert published.public_fields(report) == ["lead", "note"]
    change = AuditRecord.objects.filter(action=Action.CHANGED).order_by("id").last()
    assert change.detail == {
        "public_fields": {"from": ["lead", "completion"], "to": ["lead", "note"]}
    }

    post(client, "opendata:publishing-fields", report, {})  # nothing checked: nothing extra
    assert published.public_fields(report) == []
    done = post(client, "opendata:publishing-site", report, {"enabled": "0"})
    assert messages_of(done) == ["公开页面已关闭，公众不能再查看。"]
    assert Client().get("/public/450222/2023/").status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("opendata:publishing-month", {"month": 13, "action": "publish"}),
        ("opendata:publishing-month", {"month": 1, "action": "delete"}),
        ("opendata:publishing-site", {"enabled": "maybe"}),
        ("opendata:publishing-fields", {"shown": ["problems"]}),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(client, report, reviewer, name, data):
    client.force_login(reviewer)
    before = AuditRecord.objects.count()
    response = post(client, name, report, data)
    assert messages_of(response) == ["请求无效，未作任何修改。"]
    assert months_of(report) == [] and not PublicSite.objects.exists()
    assert published.public_fields(report) == ["lead", "completion"]
    assert AuditRecord.objects.count() == before


def test_a_region_without_a_code_cannot_switch_its_page_on(client, report, reviewer):
    Region.objects.filter(pk=report.region_id).update(code="")
    client.force_login(reviewer)
    response = post(client, "opendata:publishing-site", report, {"enabled": "1"})
    assert messages_of(response) == ["请先填写行政区划代码：公开页面的网址由它组成。"]
    assert not PublicSite.objects.filter(enabled=True).exists()
    assert "这个地区还没有行政区划代码" in response.content.decode()


def test_a_month_that_has_not_ended_is_not_published(client, report, reviewer):
    """A month's end-of-month figures exist only once it has ended: mid-June, June is refused
    and May goes out."""
    client.force_login(reviewer)
    with time_machine.travel(datetime.datetime(2023, 6, 30, 12, tzinfo=datetime.UTC)):
        for month in range(1, 6):
            publishing.publish(report, month, user=reviewer)
        response = post(
            client, "opendata:publishing-month", report, {"month": 6, "action": "publish"}
        )
    assert messages_of(response) == ["6月尚未结束，不能公开。"]
    assert months_of(report) == [1, 2, 3, 4, 5]


def test_a_report_in_preparation_is_not_published(client, report, reviewer):
    Report.objects.filter(pk=report.pk).update(state=Report.State.PREPARING)
    client.force_login(reviewer)
    response = post(client, "opendata:publishing-month", report, {"month": 1, "action": "publish"})
    assert messages_of(response) == ["报告尚在筹备，不能公开。"]
    assert months_of(report) == []


def test_reporters_and_leaders_are_refused_and_anonymous_asked_to_log_in(
    client, report, fgj, leader
):
    urls = [
        (reverse("opendata:publishing-month", args=[report.pk]), {"month": 1, "action": "publish"}),
        (reverse("opendata:publishing-site", args=[report.pk]), {"enabled": "1"}),
        (reverse("opendata:publishing-fields", args=[report.pk]), {"shown": []}),
    ]
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for url, data in urls:
        assert client.post(url, data).status_code == 302
    for user in (fgj, leader):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        for url, data in urls:
            assert client.post(url, data).status_code == 403
        assert f'href="{PAGE}"' not in client.get("/").content.decode()
    assert months_of(report) == [] and not PublicSite.objects.exists()


def test_another_regions_office_finds_nothing_of_this_report(client, report, other_county):
    office = other_county["office"]
    client.force_login(office)
    assert client.get(PAGE + f"?report={report.pk}").status_code == 404
    for name, data in (
        ("opendata:publishing-month", {"month": 1, "action": "publish"}),
        ("opendata:publishing-site", {"enabled": "1"}),
        ("opendata:publishing-fields", {"shown": ["note"]}),
    ):
        response = client.post(reverse(name, args=[report.pk]), data)
        assert response.status_code == 404
        assert "柳城县" not in response.content.decode()
    assert months_of(report) == [] and not PublicSite.objects.exists()
    # Its own report, on the other hand, it runs.
    page = client.get(PAGE).content.decode()
    assert "2023年鹿寨县政府工作报告" in page and "柳城县" not in page


def test_a_city_office_reads_a_countys_report_but_does_not_publish_it(client, report):
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    Region.objects.filter(pk=report.region_id).update(parent=city)
    office = make_user("lzs-office", "reviewer", region=city)
    client.force_login(office)
    assert client.get(f"/?report={report.pk}").status_code == 200
    assert client.get(PAGE + f"?report={report.pk}").status_code == 404


def test_an_administrator_runs_every_regions_page(client, report, other_county, admin_user):
    client.force_login(admin_user)
    other = other_county["report"]
    assert client.get(PAGE + f"?report={other.pk}").status_code == 200
    response = post(client, "opendata:publishing-site", other, {"enabled": "1"})
    assert messages_of(response) == ["公开页面已开启，公众无需登录即可查看。"]
    assert PublicSite.objects.get(region=other.region).enabled


def test_changes_are_post_only_and_need_the_csrf_token(report, reviewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    url = reverse("opendata:publishing-month", args=[report.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"month": 1, "action": "publish"}).status_code == 403
    assert months_of(report) == []
    page = client.get(PAGE).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post(url, {"month": 1, "action": "publish", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and months_of(report) == [1]
