"""Many regions on one server: two counties' reports of the same year and the city above them.

Each user sees exactly the reports of their region (and a city's users the counties under it),
``?report=`` chooses among them, and no page mixes two reports' departments or numbers.
"""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from indicators import workflow
from indicators.models import Department, Indicator, ProgressEntry, Region, Report, Section
from reporting.demo import DemoRefused, load_demo

from .conftest import approve, make_project, make_user, submit

YEAR = 2023


@pytest.fixture(autouse=True)
def _after_the_year():
    with time_machine.travel(
        datetime.datetime(2024, 2, 1, 9, tzinfo=timezone.get_current_timezone())
    ):
        yield


def make_county(name, code, city, targets):
    """A county under ``city`` with one report for YEAR: ``targets`` are (code, name, kind,
    target, unit, department code, frequency, values by month)."""
    region = Region.objects.create(name=name, code=code, parent=city)
    report = Report.objects.create(
        region=region, year=YEAR, title=f"{YEAR}年{name}政府工作报告", state=Report.State.ACTIVE
    )
    section = Section.objects.create(report=report, name="民生事业", order=1)
    departments = {}
    for target_code, target_name, kind, target, unit, department, frequency, values in targets:
        if department not in departments:
            departments[department] = Department.objects.create(
                region=region, code=department, name=f"{name}{department}局", short_name=department
            )
        indicator = Indicator.objects.create(
            report=report,
            section=section,
            code=target_code,
            name=target_name,
            kind=kind,
            target=Decimal(target),
            unit=unit,
            lead_department=departments[department],
            frequency=frequency,
        )
        for month, value in values.items():
            approve(indicator, month, value)
    return region, report


@pytest.fixture
def city(report):
    """柳州市 above 柳城县 (the demo's report, no entries) and 鹿寨县 (a small report)."""
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    liucheng = report.region
    liucheng.parent = city
    liucheng.save()
    approve(Indicator.objects.get(report=report, code="LV-01"), 9, 1263)
    luzhai, luzhai_report = make_county(
        "鹿寨县",
        "450223",
        city,
        [
            ("LV-01", "城镇新增就业", "cumulative", 1200, "人", "fgj", "monthly", {9: 300}),
            ("EC-01", "地区生产总值增长", "floor", 6, "%", "tjj", "quarterly", {3: 5, 6: "5.8"}),
            ("EC-02", "居民消费价格涨幅", "ceiling", 3, "%", "tjj", "monthly", {9: "-0.3"}),
        ],
    )
    return {
        "city": city,
        "liucheng": report,
        "luzhai": luzhai_report,
        "luzhai_fgj": Department.objects.get(region=luzhai, code="fgj"),
    }


@pytest.fixture
def people(city):
    liucheng, luzhai = city["liucheng"].region, city["luzhai"].region
    return {
        "liucheng_leader": make_user("lc-leader", "leader", region=liucheng),
        "liucheng_reviewer": make_user("lc-office", "reviewer", region=liucheng),
        "liucheng_fgj": make_user(
            "lc-fgj", "reporter", Department.objects.get(region=liucheng, code="fgj")
        ),
        "luzhai_leader": make_user("lz-leader", "leader", region=luzhai),
        "luzhai_reviewer": make_user("lz-office", "reviewer", region=luzhai),
        "luzhai_fgj": make_user("lz-fgj", "reporter", city["luzhai_fgj"]),
        "city_leader": make_user("lzs-leader", "leader", region=city["city"]),
    }


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


# --- Who sees which report ------------------------------------------------------------------------
def test_each_user_is_offered_exactly_the_reports_of_their_region(client, city, people):
    liucheng, luzhai = city["liucheng"], city["luzhai"]
    expected = {
        "liucheng_leader": {liucheng.pk},
        "luzhai_leader": {luzhai.pk},
        "luzhai_reviewer": {luzhai.pk},
        "city_leader": {liucheng.pk, luzhai.pk},
    }
    for name, reports in expected.items():
        html = page(client, people[name], "/").content.decode()
        picker = html.split('name="report"')[1].split("</select>")[0]
        offered = {int(pk) for pk in re.findall(r'value="(\d+)"', picker)}
        assert offered == reports, name


def test_a_departments_page_offers_only_its_own_regions_reports(client, city, people):
    """A city leader on one county's department page picks among that county's years: every
    report the picker offers opens the page (another county's would be a dead end, a 404)."""
    luzhai = city["luzhai"]
    department = Department.objects.filter(region=luzhai.region).first()
    url = f"/departments/{department.pk}/"
    html = page(client, people["city_leader"], url).content.decode()
    picker = html.split('name="report"')[1].split("</select>")[0]
    offered = {int(pk) for pk in re.findall(r'value="(\d+)"', picker)}
    assert offered == {luzhai.pk}
    for pk in offered:
        assert client.get(f"{url}?report={pk}&month=9").status_code == 200


def test_the_admin_shows_a_rows_history_only_to_who_may_see_the_row(client, city, people):
    """Another county's office gets 404 on this county's history pages (the rows' own pages
    already refuse them); the county's own office reads a past version, with no choice lists
    (they would name every region's people and targets)."""
    liucheng = city["liucheng"]
    entry = ProgressEntry.objects.get(indicator__report=liucheng, indicator__code="LV-01", month=9)
    project = make_project(liucheng, lead_department=people["liucheng_fgj"].department)
    progress = submit(people["liucheng_fgj"], project, 9, investment_completed=Decimal(100))
    pages = {
        "indicators/progressentry": entry,
        "indicators/indicator": entry.indicator,
        "projects/project": project,
        "projects/projectprogress": progress,
    }
    outsider, insider = people["luzhai_reviewer"], people["liucheng_reviewer"]
    for user in (outsider, insider):
        user.is_staff = True
        user.save()
    for path, row in pages.items():
        history = f"/admin/{path}/{row.pk}/history/"
        version = f"{history}{row.history.first().history_id}/"
        client.force_login(outsider)
        assert client.get(history).status_code == 404, path
        assert client.get(version).status_code == 404, path
        client.force_login(insider)
        assert client.get(history).status_code == 200, path
        shown = client.get(version)
        assert shown.status_code == 200, path
        assert "<select" not in shown.content.decode(), path


def test_without_report_a_user_gets_their_own_regions_latest(client, city, people):
    assert page(client, people["luzhai_leader"], "/").context["period"].report == city["luzhai"]
    assert page(client, people["liucheng_leader"], "/").context["period"].report == city["liucheng"]


def test_report_chooses_and_a_report_outside_the_region_is_not_found(client, city, people):
    luzhai = city["luzhai"]
    response = page(client, people["city_leader"], f"/?report={luzhai.pk}&month=9")
    assert response.context["period"].report == luzhai
    html = response.content.decode()
    assert 'data-code="EC-01"' in html and 'data-code="PP-01"' not in html
    for url in (
        f"/?report={luzhai.pk}",
        f"/departments/?report={luzhai.pk}",
        f"/export/summary.xlsx?report={luzhai.pk}&month=9",
    ):
        assert page(client, people["liucheng_leader"], url).status_code == 404, url


def test_no_page_mixes_two_reports_departments_or_numbers(client, city, people):
    liucheng, luzhai = city["liucheng"], city["luzhai"]
    client.force_login(people["city_leader"])
    html = client.get(f"/departments/?report={luzhai.pk}&month=9").content.decode()
    names = set(re.findall(r'data-department="(\d+)"', html))
    assert names == {str(d.pk) for d in Department.objects.filter(region=luzhai.region)}
    workbook = load_workbook(
        BytesIO(client.get(f"/export/summary.xlsx?report={luzhai.pk}&month=9").content)
    )
    codes = {
        row[1] for row in workbook["指标明细"].iter_rows(min_row=3, values_only=True) if row[1]
    }
    assert codes == {"LV-01", "EC-01", "EC-02"}
    departments = {
        row[0] for row in workbook["报送情况"].iter_rows(min_row=3, values_only=True) if row[0]
    }
    assert departments == {str(d) for d in Department.objects.filter(region=luzhai.region)}
    # 鹿寨县's 城镇新增就业 shows its own 300, never 柳城县's 1,263
    overview = client.get(f"/?report={luzhai.pk}&month=9").content.decode()
    (row,) = re.findall(r'<tr class="row-[a-z_]+" data-code="LV-01">(.*?)</tr>', overview, re.S)
    assert ">300<" in row and "1,263" not in row
    projects = client.get(f"/projects/?report={liucheng.pk}&month=9")
    assert projects.status_code == 200


def test_a_counties_office_reviews_only_its_own_region(client, city, people):
    luzhai = city["luzhai"]
    entry = submit(
        people["luzhai_fgj"],
        Indicator.objects.get(report=luzhai, code="LV-01"),
        10,
        value=Decimal(400),
    )
    token = f"i{entry.pk}:{entry.version}"
    assert (
        page(client, people["liucheng_reviewer"], f"/review/?report={luzhai.pk}").status_code == 404
    )
    client.force_login(people["liucheng_reviewer"])
    client.post("/review/approve/", {"rows": [token]})
    entry.refresh_from_db()
    assert entry.state == "submitted"
    client.force_login(people["luzhai_reviewer"])
    queue = client.get(f"/review/?report={luzhai.pk}").content.decode()
    assert f'data-entry="{entry.pk}"' in queue
    client.post("/review/approve/", {"rows": [token]})
    entry.refresh_from_db()
    assert entry.state == "approved"


def test_two_counties_may_both_have_a_fgj_and_each_reporter_meets_their_own(client, city, people):
    html = page(client, people["luzhai_fgj"], "/report/2023/9/").content.decode()
    assert 'data-code="LV-01"' in html and "鹿寨县" in html
    assert 'data-code="EC-05"' not in html  # 柳城县发改局's target
    html = page(client, people["liucheng_fgj"], "/report/2023/9/").content.decode()
    assert 'data-code="EC-05"' in html


# --- What a target can be -------------------------------------------------------------------------
def test_floors_and_ceilings_take_negative_readings_from_the_form(client, city, people):
    luzhai = city["luzhai"]
    cpi = Indicator.objects.get(report=luzhai, code="EC-02")
    tjj = make_user("lz-tjj", "reporter", cpi.lead_department)
    client.force_login(tjj)
    prefix = f"i{cpi.pk}"
    response = client.post(
        "/report/2023/10/",
        {
            "action": "save",
            "rows": prefix,
            f"{prefix}-value": "-0.5",
            f"{prefix}-note": "",
            f"{prefix}-problems": "",
            f"{prefix}-version": "0",
        },
    )
    assert response.status_code == 302
    assert ProgressEntry.objects.get(indicator=cpi, month=10).value == Decimal("-0.5")
    judged = cpi.judge(10, Decimal("-0.5"))
    assert (judged.status, judged.label) == ("on_track", "控制在目标内")
    # a count still may not fall below zero
    jobs = Indicator.objects.get(report=luzhai, code="LV-01")
    client.force_login(people["luzhai_fgj"])
    prefix = f"i{jobs.pk}"
    response = client.post(
        "/report/2023/10/",
        {"action": "save", "rows": prefix, f"{prefix}-value": "-5", f"{prefix}-version": "0"},
    )
    assert "不能为负数" in response.content.decode()
    assert not ProgressEntry.objects.filter(indicator=jobs, month=10).exists()


def test_floors_and_ceilings_take_negative_readings_from_the_template(client, city, people):
    luzhai = city["luzhai"]
    cpi = Indicator.objects.get(report=luzhai, code="EC-02")
    client.force_login(make_user("lz-tjj", "reporter", cpi.lead_department))
    data = client.get("/import/template.xlsx", {"year": 2023, "month": 10}).content
    workbook = load_workbook(BytesIO(data))
    sheet = workbook["月度填报"]
    row = next(
        r for r in range(3, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "EC-02"
    )
    sheet.cell(row=row, column=7).value = -0.3
    out = BytesIO()
    workbook.save(out)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("t.xlsx", out.getvalue())
    preview = client.post("/import/", {"year": 2023, "month": 10, "file": upload})
    assert preview.status_code == 200, [str(p) for p in preview.context["checked"].problems]
    client.post("/import/", {"token": preview.context["token"]})
    assert ProgressEntry.objects.get(indicator=cpi, month=10).value == Decimal("-0.3")


def test_a_per_target_tolerance_decides_behind_or_far_behind(city):
    gdp = Indicator.objects.get(report=city["luzhai"], code="EC-01")
    assert gdp.judge(6, Decimal("5")).status == "far_behind"  # 1 point under 6: 16.7 % of target
    gdp.tolerance = Decimal(20)  # "增长6%左右": the office allows more
    assert gdp.judge(6, Decimal("5")).status == "behind"
    assert gdp.judge(6, Decimal("6.1")).label == "达到目标"


def test_a_quarterly_target_is_judged_by_its_latest_quarter_and_asked_for_only_then(
    client, city, people
):
    luzhai = city["luzhai"]
    gdp = Indicator.objects.get(report=luzhai, code="EC-01")
    from reporting.standing import judged

    def status(month):
        return next(i for i in judged(luzhai, month) if i.code == "EC-01").progress

    assert status(2).status == "no_data"  # no quarter has closed yet
    assert status(3).actual == Decimal(5) and status(5).actual == Decimal(5)
    assert status(8).actual == Decimal("5.8")  # June's figure until September's
    tjj = make_user("lz-tjj", "reporter", gdp.lead_department)
    html = page(client, tjj, "/report/2023/8/").content.decode()
    row = html.split('data-code="EC-01"')[1].split("</tr>")[0]
    assert f'name="i{gdp.pk}-value"' not in row and "按季度报送，8月无需填报" in row
    html = page(client, tjj, "/report/2023/9/").content.decode()
    assert f'name="i{gdp.pk}-value"' in html
    with pytest.raises(workflow.Refused, match="无需填报"):
        submit(tjj, gdp, 8, value=Decimal(6))
    from indicators.timeliness import department_timeliness

    tjj_months = next(
        row for row in department_timeliness(luzhai) if row.department == gdp.lead_department
    )
    # 统计局 leads a quarterly and a monthly target: one is due in Feb, two in March
    assert [tjj_months.month(m).due for m in (2, 3)] == [1, 2]


# --- The city's view ------------------------------------------------------------------------------
def test_a_city_leader_compares_the_counties_and_drills_into_one(client, city, people):
    response = page(client, people["city_leader"], "/regions/?year=2023&month=9")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-region="柳城县"' in html and 'data-region="鹿寨县"' in html
    assert f"/?report={city['luzhai'].pk}&amp;month=9" in html
    assert response.context["compare"] == "城镇新增就业"
    assert '<div id="chart-regions"' in html and '<div id="chart-compare"' in html
    rows = {row.region.name: row for row in response.context["rows"]}
    assert rows["鹿寨县"].summary.total == 3 and rows["柳城县"].summary.total == 40
    workbook = load_workbook(BytesIO(client.get("/regions/summary.xlsx?year=2023&month=9").content))
    names = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert names == ["柳城县", "鹿寨县"]


def test_a_countys_report_in_preparation_is_not_shown_to_the_city(client, city, people):
    # 鹿寨县's report goes back to 筹备 (no figure entered yet there): the city's leader no
    # longer meets it, on the comparison page, its workbook, or the picker.
    luzhai = city["luzhai"]
    ProgressEntry.objects.filter(indicator__report=luzhai).delete()
    Report.objects.filter(pk=luzhai.pk).update(state=Report.State.PREPARING)
    response = page(client, people["city_leader"], "/regions/?year=2023&month=9")
    assert [row.region.name for row in response.context["rows"]] == ["柳城县"]
    assert "鹿寨县" not in response.content.decode()
    workbook = load_workbook(BytesIO(client.get("/regions/summary.xlsx?year=2023&month=9").content))
    names = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert names == ["柳城县"]
    assert client.get(f"/?report={luzhai.pk}").status_code == 404
    # 鹿寨县's own office still sets it up and opens it.
    assert page(client, people["luzhai_reviewer"], f"/?report={luzhai.pk}").status_code == 200


def test_a_county_user_has_no_city_view_of_others(client, city, people):
    response = page(client, people["luzhai_leader"], "/regions/")
    assert response.status_code == 200 and response.context["rows"] == []
    assert (
        page(client, people["luzhai_leader"], f"/regions/?region={city['city'].pk}").status_code
        == 404
    )
    assert page(client, people["luzhai_fgj"], "/regions/").status_code == 403


def test_the_city_view_reads_twenty_counties_in_the_queries_of_two(client, city, people):
    client.force_login(people["city_leader"])
    url = "/regions/?year=2023&month=9"
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    for n in range(18):
        make_county(
            f"测试{n}县",
            f"4502{30 + n}",
            city["city"],
            [("LV-01", "城镇新增就业", "cumulative", 1000, "人", "fgj", "monthly", {9: 100 + n})],
        )
    with CaptureQueriesContext(connection) as twenty:
        html = client.get(url).content.decode()
    assert html.count("data-region=") >= 20 * 2
    assert len(twenty) == len(two)


@pytest.mark.parametrize("page_url", ["/", "/departments/", "/screen/", "/projects/", "/review/"])
def test_pages_keep_their_queries_as_regions_grow(client, city, people, page_url):
    client.force_login(people["luzhai_reviewer"])
    url = f"{page_url}?report={city['luzhai'].pk}&month=9"
    client.get(url)
    cache.clear()  # the pages' content is cached: count what computing it costs
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(18):
        make_county(
            f"测试{n}县",
            f"4502{30 + n}",
            city["city"],
            [("LV-01", "城镇新增就业", "cumulative", 1000, "人", "fgj", "monthly", {9: 1})],
        )
    cache.clear()
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)


# --- The demo stays the demo ----------------------------------------------------------------------
def test_the_demo_refuses_to_add_its_logins_beside_real_regions(city):
    with pytest.raises(DemoRefused, match="鹿寨县"):
        load_demo()
    assert not Department.objects.get(region=city["luzhai"].region, code="fgj").members.exists()
    result = load_demo(beside_real_regions=True)
    assert result["report"] == city["liucheng"]
    luzhai_fgj = Department.objects.get(region=city["luzhai"].region, code="fgj")
    assert luzhai_fgj.leader is None and not luzhai_fgj.members.exists()


# --- The admin: each office sets up its own region ----------------------------------------------
@pytest.fixture
def offices(people):
    for name in ("liucheng_reviewer", "luzhai_reviewer"):
        people[name].is_staff = True
        people[name].save()
    from indicators.demo import ensure_groups

    ensure_groups()
    return people


def test_a_county_office_sees_and_changes_only_its_own_region_in_the_admin(client, city, offices):
    liucheng, luzhai = city["liucheng"], city["luzhai"]
    client.force_login(offices["luzhai_reviewer"])
    listing = client.get("/admin/indicators/indicator/").content.decode()
    assert "地区生产总值增长" in listing and "谋划实施类项目" not in listing
    theirs = Indicator.objects.get(report=liucheng, code="LV-01")
    response = client.post(
        f"/admin/indicators/indicator/{theirs.pk}/change/", {"name": "改掉", "target": "1"}
    )
    assert response.status_code in (302, 404)
    theirs.refresh_from_db()
    assert theirs.name == "城镇新增就业" and theirs.target == 1500
    form = client.get("/admin/indicators/indicator/add/").context["adminform"].form
    assert set(form.fields["report"].queryset) == {luzhai}
    assert set(form.fields["lead_department"].queryset) == set(
        Department.objects.filter(region=luzhai.region)
    )


def test_a_county_office_cannot_load_another_regions_report_workbook(client, city, offices):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from indicators.setup import report_setup_bytes

    data = report_setup_bytes(city["liucheng"])
    client.force_login(offices["luzhai_reviewer"])
    before = Indicator.objects.count(), Indicator.history.count()
    response = client.post(
        "/admin/indicators/report/load/", {"file": SimpleUploadedFile("r.xlsx", data)}
    )
    assert "只能导入本地区的工作报告" in response.content.decode()
    assert (Indicator.objects.count(), Indicator.history.count()) == before
