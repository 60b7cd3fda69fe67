"""A new report in: the set-up workbook, `manage.py load_report` and the admin upload.

The round trip builds the workbook for the shipped 2023 report, loads it into an empty database
and compares every field with fixtures/targets-2023.csv (and the fixture it was made from).
"""

import csv
import json
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from indicators import setup as excel
from indicators.models import Department, Indicator, Report, Section, User
from indicators.xlsx import ExcelImportError
from tests.conftest import approve

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def counts():
    return (
        Report.objects.count(),
        Section.objects.count(),
        Department.objects.count(),
        Indicator.objects.count(),
        Indicator.history.count(),
    )


def empty_database():
    Indicator.cooperating_departments.through.objects.all().delete()
    Indicator.objects.all().delete()
    Section.objects.all().delete()
    Report.objects.all().delete()
    Department.objects.all().delete()
    Indicator.history.all().delete()
    assert counts() == (0, 0, 0, 0, 0)


def load(data, name="报告.xlsx"):
    return excel.load_report_file(SimpleUploadedFile(name, data))


def edit(data, change):
    workbook = load_workbook(BytesIO(data))
    change(workbook)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def workbook_2023(report):
    """The set-up workbook of the shipped 2023 report, then an empty database."""
    data = excel.report_setup_bytes(report)
    empty_database()
    return data


def test_round_trip_of_the_2023_report_matches_the_seed_catalogue(workbook_2023):
    result = load(workbook_2023)
    assert result["created"] == 1 + 5 + 11 + 40  # report, sections, departments, targets
    report = Report.objects.get()
    assert (report.region.name, report.year, report.title) == (
        "柳城县",
        2023,
        "2023年柳城县政府工作报告",
    )
    assert list(report.sections.values_list("order", "name")) == [
        (1, "项目谋划与建设"),
        (2, "招商引资"),
        (3, "城市建设"),
        (4, "生态建设"),
        (5, "民生事业"),
    ]
    with open(FIXTURES / "targets-2023.csv", encoding="utf-8") as seed:
        rows = list(csv.DictReader(seed))
    indicators = {
        i.code: i
        for i in Indicator.objects.select_related("section", "lead_department").prefetch_related(
            "cooperating_departments"
        )
    }
    assert list(indicators) == [row["code"] for row in rows]
    for row in rows:
        indicator = indicators[row["code"]]
        assert indicator.section.name == row["section"]
        assert indicator.name == row["name"]
        assert indicator.kind == row["kind"]
        assert indicator.target == Decimal(row["target"])
        assert indicator.unit == row["unit"]
        assert bool(indicator.register_rule) == bool(row["register_rule"])
        assert indicator.lead_department.name == row["suggested_lead_department"]
        assert indicator.source_quote == row["source_quote"]
    # Every other field, against the fixture the 2023 report was loaded from.
    fixture = json.loads((FIXTURES / "liucheng-2023.json").read_text(encoding="utf-8"))
    departments = {
        item["pk"]: item["fields"]["code"]
        for item in fixture
        if item["model"] == "indicators.department"
    }
    for item in fixture:
        if item["model"] == "indicators.department":
            department = Department.objects.get(code=item["fields"]["code"])
            assert department.name == item["fields"]["name"]
            assert department.short_name == item["fields"]["short_name"]
            assert department.order == item["fields"]["order"]
        if item["model"] != "indicators.indicator":
            continue
        fields = item["fields"]
        indicator = indicators[fields["code"]]
        assert indicator.order == fields["order"]
        assert indicator.baseline == fields["baseline"]
        assert indicator.monthly_plan == fields["monthly_plan"]
        assert indicator.is_year_end_only == fields["is_year_end_only"]
        assert indicator.register_rule == fields["register_rule"]
        assert indicator.lead_department.code == departments[fields["lead_department"]]
        assert sorted(d.code for d in indicator.cooperating_departments.all()) == sorted(
            departments[pk] for pk in fields["cooperating_departments"]
        )


def test_loading_the_same_file_twice_changes_nothing(workbook_2023):
    load(workbook_2023)
    before = counts()
    stored = list(Indicator.objects.order_by("code").values())
    result = load(workbook_2023)
    assert (result["created"], result["updated"]) == (0, 0)
    assert counts() == before
    assert list(Indicator.objects.order_by("code").values()) == stored


def test_a_changed_target_is_updated_in_place_with_history(workbook_2023):
    load(workbook_2023)
    ids = dict(Indicator.objects.values_list("code", "pk"))

    def raise_target(workbook):
        ws = workbook["目标任务"]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "LV-01")
        ws.cell(row=row, column=7).value = "1600"

    result = load(edit(workbook_2023, raise_target))
    assert (result["created"], result["updated"]) == (0, 1)
    indicator = Indicator.objects.get(code="LV-01")
    assert indicator.pk == ids["LV-01"] and indicator.target == 1600
    assert indicator.history.count() == 2


def test_a_monthly_plan_is_read_as_any_number_is_typed(workbook_2023):
    load(workbook_2023)
    wide = "，".join(["０．０８"] * 11 + ["１"])  # as a Chinese input method types them

    def type_plan(workbook, plan):
        ws = workbook["目标任务"]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "LV-01")
        ws.cell(row=row, column=11).value = plan

    load(edit(workbook_2023, lambda workbook: type_plan(workbook, wide)))
    assert Indicator.objects.get(code="LV-01").monthly_plan == [0.08] * 11 + [1.0]
    # What the one parser refuses is refused here too: an exponent is no plan.
    with pytest.raises(ExcelImportError, match="月度计划"):
        load(edit(workbook_2023, lambda w: type_plan(w, ",".join(["8e-2"] * 11 + ["1"]))))


def test_a_bad_workbook_is_refused_whole_with_every_problem_listed(workbook_2023):
    def spoil(workbook):
        ws = workbook["目标任务"]
        ws["F2"] = "增长型"  # unknown kind
        ws["B3"] = "不存在的板块"
        ws["A4"] = "PP-01"  # the same code twice
        ws["G5"] = "-3"  # negative target
        ws["G6"] = "=1+1"  # a formula
        ws["I7"] = "xyz"  # unknown department
        ws["K8"] = "0.5,0.2"  # not 12 fractions

    before = counts()
    with pytest.raises(ExcelImportError) as refused:
        load(edit(workbook_2023, spoil))
    problems = [str(p) for p in refused.value.problems]
    expected = [
        "第2行F列（类型）",
        "第3行B列（板块）",
        "第4行A列（编号）",
        "第5行G列（年度目标）",
        "第6行G列（年度目标）：不接受公式",
        "第7行I列（牵头单位）",
        "第8行K列（月度计划）",
    ]
    for place in expected:
        assert any(place in p for p in problems), (place, problems)
    assert all(p.startswith("工作表“目标任务”") for p in problems)
    assert counts() == before == (0, 0, 0, 0, 0)


def test_a_published_reports_workbook_cannot_change_a_targets_kind(report):
    """A target with entries keeps its kind: its report is published (figures are entered only
    then), and a published report is never overwritten by a workbook."""
    approve(Indicator.objects.get(code="LV-01"), 1, 100)
    data = excel.report_setup_bytes(report)

    def change_kind(workbook):
        ws = workbook["目标任务"]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "LV-01")
        ws.cell(row=row, column=6).value = "存量型"

    before = list(Indicator.objects.order_by("code").values())
    with pytest.raises(ExcelImportError) as refused:
        load(edit(data, change_kind))
    assert "已发布（执行），不能再用工作簿覆盖" in str(refused.value)
    assert list(Indicator.objects.order_by("code").values()) == before


def test_not_an_xlsx_is_refused(db):
    with pytest.raises(ExcelImportError, match="不是Excel工作簿"):
        load(b"code,name\nPP-01,x\n", name="report.xlsx")


def test_the_blank_template_documents_the_layout(db):
    workbook = load_workbook(BytesIO(excel.report_setup_bytes(None)))
    assert workbook.sheetnames[:5] == ["说明", "工作报告", "板块", "责任单位", "目标任务"]
    headers = [c.value for c in workbook["目标任务"][1]]
    assert headers == [*excel.INDICATOR_HEADERS, *excel.INDICATOR_OPTIONAL]
    help_text = "\n".join(str(r[0]) for r in workbook["说明"].iter_rows(values_only=True))
    for word in (
        "累计型",
        "月度计划",
        "项目库取数规则",
        "配合单位",
        "导入两次",
        "报送频率",
        "容差",
    ):
        assert word in help_text
    # Loading the blank template refuses it with a message, and creates nothing.
    with pytest.raises(ExcelImportError) as refused:
        excel.load_report_file(SimpleUploadedFile("blank.xlsx", excel.report_setup_bytes(None)))
    assert "请填写地区" in str(refused.value)


def test_load_report_command(workbook_2023, tmp_path):
    path = tmp_path / "2023.xlsx"
    path.write_bytes(workbook_2023)
    call_command("load_report", str(path))
    assert Indicator.objects.count() == 40
    call_command("load_report", str(path))
    assert Indicator.objects.count() == 40
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="was not loaded"):
        call_command("load_report", str(bad))


def test_load_report_command_writes_a_template(report, tmp_path):
    path = tmp_path / "next.xlsx"
    call_command("load_report", str(path), "--template", "--from-year", "2023")
    assert load_workbook(path)["目标任务"].max_row == 41


# --- The admin upload ----------------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("t-admin", password="pw-for-tests-1")


def test_admin_uploads_a_report_workbook(client, admin_user, workbook_2023):
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:indicators_report_changelist"))
    assert reverse("admin:indicators_report_load") in changelist.content.decode()
    file = SimpleUploadedFile("2023.xlsx", workbook_2023)
    response = client.post(reverse("admin:indicators_report_load"), {"file": file})
    assert response.status_code == 302
    assert Indicator.objects.count() == 40


def test_admin_upload_lists_every_problem_and_loads_nothing(client, admin_user, workbook_2023):
    client.force_login(admin_user)

    def spoil(workbook):
        workbook["目标任务"]["F2"] = "增长型"
        workbook["目标任务"]["G3"] = "很多"

    file = SimpleUploadedFile("bad.xlsx", edit(workbook_2023, spoil))
    response = client.post(reverse("admin:indicators_report_load"), {"file": file})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第2行F列（类型）" in page and "第3行G列（年度目标）" in page
    assert counts()[:4] == (0, 0, 0, 0)


def test_admin_downloads_the_blank_template(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:indicators_report_template"))
    assert response.status_code == 200
    assert load_workbook(BytesIO(response.content)).sheetnames[0] == "说明"


def test_non_staff_cannot_reach_the_admin_upload(client, leader, fgj):
    for user in (leader, fgj):
        client.force_login(user)
        response = client.get(reverse("admin:indicators_report_load"))
        assert response.status_code == 403  # signed in, but the admin is the office's


def test_demo_reviewer_may_load_a_report_in_the_admin(client, db):
    from indicators.demo import ensure_groups, ensure_user

    ensure_groups()
    reviewer = ensure_user("t-office", group="reviewer", staff=True)
    client.force_login(reviewer)
    assert client.get("/admin/indicators/report/load/").status_code == 200
    leader = ensure_user("t-leader2", group="leader")
    leader.is_staff = True
    leader.save()
    client.force_login(leader)
    assert client.get("/admin/indicators/report/load/").status_code == 403


# --- Another region's report, and workbooks made before regions ---------------------------------
def as_region(name, code):
    """A change that makes the workbook another county's (with its division code)."""

    def change(workbook):
        sheet = workbook["工作报告"]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "地区":
                row[1].value = name
            if row[0].value == "标题":
                row[1].value = f"2023年{name}政府工作报告"
            if row[0].value == "行政区划代码":
                row[1].value = code

    return change


def test_another_regions_report_loads_beside_the_first_with_its_own_departments(report):
    data = edit(excel.report_setup_bytes(report), as_region("鹿寨县", "450223"))
    result = load(data)
    luzhai = result["report"]
    assert (luzhai.region.name, luzhai.region.code, luzhai.year) == ("鹿寨县", "450223", 2023)
    assert Report.objects.filter(year=2023).count() == 2
    assert Department.objects.filter(region=luzhai.region, code="fgj").exists()
    assert Department.objects.filter(region=report.region, code="fgj").exists()
    assert {i.lead_department.region_id for i in luzhai.indicators.all()} == {luzhai.region_id}
    before = counts()
    assert load(data)["created"] == 0 and counts() == before  # twice: nothing changes


def test_a_renamed_column_is_one_message_and_the_other_sheets_are_still_checked(workbook_2023):
    def change(workbook):
        sheet = workbook["目标任务"]
        column = next(c for c in sheet[1] if c.value == "年度目标")
        column.value = "目标值"
        sections = workbook["板块"]
        sections.cell(row=3, column=2).value = sections.cell(row=2, column=2).value

    with pytest.raises(ExcelImportError) as refused:
        load(edit(workbook_2023, change))
    problems = [str(p) for p in refused.value.problems]
    header = [p for p in problems if "目标任务" in p and "表头" in p]
    assert len(header) == 1 and "缺少列：年度目标" in header[0] and "目标值" in header[0]
    assert any("板块" in p and "重复" in p for p in problems)
    assert not any("不在“板块”表中" in p for p in problems)
    assert len(problems) == len(set(problems))
    assert counts() == (0, 0, 0, 0, 0)


def test_a_workbook_made_before_frequency_and_tolerance_still_loads(workbook_2023):
    def change(workbook):
        sheet = workbook["目标任务"]
        for header in ("容差", "报送频率"):
            index = next(c.column for c in sheet[1] if c.value == header)
            sheet.delete_cols(index)

    result = load(edit(workbook_2023, change))
    indicators = result["report"].indicators.all()
    assert indicators.count() == 40
    assert {(i.frequency, i.tolerance) for i in indicators} == {("monthly", None)}


def test_frequency_and_tolerance_round_trip_through_the_workbook(report):
    gdp = report.indicators.get(code="LV-02")
    gdp.frequency, gdp.tolerance = "quarterly", Decimal("15")
    gdp.save()
    data = excel.report_setup_bytes(report)
    empty_database()
    load(data)
    loaded = Indicator.objects.get(code="LV-02")
    assert (loaded.frequency, loaded.tolerance) == ("quarterly", Decimal("15"))


def test_the_admin_report_list_shows_the_year_as_a_year(client, admin_user, report):
    client.force_login(admin_user)
    page = client.get("/admin/indicators/report/").content.decode()
    assert ">2023<" in page and "2,023" not in page
