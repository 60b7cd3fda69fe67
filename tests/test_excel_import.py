"""Monthly numbers in from Excel: template, preview, confirm; and every bad input refused with
the database unchanged (row counts and values compared before and after)."""

import re
import zipfile
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators import setup, xlsx
from indicators.models import EntryState, Indicator, MonthLock, ProgressEntry
from reporting import monthly_excel as excel
from tests.conftest import approve, make_project

MONTH = 10
PAGE = reverse("reporting:import")
TEMPLATE = reverse("reporting:import-template")


def snapshot():
    """Everything an import could change: entries with their values and states, and history."""
    return (
        ProgressEntry.objects.count(),
        ProgressEntry.history.count(),
        sorted(
            ProgressEntry.objects.values_list("indicator__code", "month", "value", "state", "note")
        ),
    )


def template(client, user, month=MONTH):
    client.force_login(user)
    response = client.get(TEMPLATE, {"year": 2023, "month": month})
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    return response.content


def fill(data, values=None, edit=None):
    """The template with values typed in: {code: value or (value, note, problems, 说明)}."""
    workbook = load_workbook(BytesIO(data))
    ws = workbook[excel.MONTHLY_SHEET]
    for row in range(3, ws.max_row + 1):
        code = ws.cell(row=row, column=1).value
        if values and code in values:
            given = values[code]
            given = given if isinstance(given, tuple) else (given,)
            for column, value in zip((7, 8, 9, 10), given, strict=False):
                ws.cell(row=row, column=column).value = value
    if edit:
        edit(ws)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def row_of(ws, code):
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=1).value == code)


def upload(client, data, month=MONTH, name="填报.xlsx"):
    file = SimpleUploadedFile(name, data, content_type=xlsx.XLSX_CONTENT_TYPE)
    return client.post(PAGE, {"year": 2023, "month": month, "file": file})


def confirm(client, response):
    token = response.context["token"]
    assert token
    return client.post(PAGE, {"token": token})


def problems_of(response):
    """Every problem shown: whole-file ones and each row's, as text."""
    shown = [str(p) for p in response.context["problems"]]
    checked = response.context["checked"]
    if checked:
        shown += [str(p) for p in checked.problems]
    return shown


def refused(client, data, *, month=MONTH, name="填报.xlsx", expect):
    """Upload, assert the refusal mentions ``expect`` and that nothing was written."""
    before = snapshot()
    response = upload(client, data, month=month, name=name)
    assert response.status_code == 400
    shown = problems_of(response)
    assert any(expect in p for p in shown), shown
    assert not response.context["token"]
    assert snapshot() == before
    return shown


# --- Who may -----------------------------------------------------------------------------------


def test_leader_and_reviewer_cannot_import(client, leader, reviewer):
    for user in (leader, reviewer):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.get(TEMPLATE, {"year": 2023, "month": MONTH}).status_code == 403


def test_anonymous_is_sent_to_login(client, report):
    assert client.get(PAGE).status_code == 302
    assert client.get(TEMPLATE, {"year": 2023, "month": 1}).status_code == 302


def test_reporter_sees_the_import_page(client, fgj):
    client.force_login(fgj)
    response = client.get(PAGE, {"year": 2023, "month": MONTH})
    assert response.status_code == 200
    assert "下载10月填报模板" in response.content.decode()


# --- The template ------------------------------------------------------------------------------


def test_template_lists_own_non_derived_targets_with_last_values(client, rsj):
    approve(Indicator.objects.get(code="LV-01"), 9, 1263)
    workbook = load_workbook(BytesIO(template(client, rsj)))
    assert workbook.sheetnames == [excel.MONTHLY_SHEET, excel.HELP_MONTHLY_SHEET, xlsx.META_SHEET]
    ws = workbook[excel.MONTHLY_SHEET]
    assert [c.value for c in ws[2]] == [c.header for c in excel.target_layout().columns]
    rows = list(ws.iter_rows(min_row=3, max_col=6, values_only=True))
    codes = [r[0] for r in rows]
    assert codes == ["LV-01", "LV-02", "LV-03"]
    assert rows[0][1:6] == ("城镇新增就业", "人", "累计型", 1500, 1263)
    meta = dict(workbook[xlsx.META_SHEET].iter_rows(values_only=True))
    assert meta["department"] == "rsj" and meta["month"] == MONTH and meta["year"] == 2023
    assert workbook[xlsx.META_SHEET].sheet_state == "veryHidden"
    assert workbook.security.lockStructure


def test_template_is_protected_with_input_cells_open_and_validated(client, fgj):
    workbook = load_workbook(BytesIO(template(client, fgj)))
    ws = workbook[excel.MONTHLY_SHEET]
    assert ws.protection.sheet
    assert ws["A3"].value == "EC-05"  # only 发改局's own typed targets: its PP-* are derived
    assert ws["A3"].protection.locked and ws["E3"].protection.locked
    for letter in "GHIJ":
        assert not ws[f"{letter}3"].protection.locked
    ranges = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    value_rule = next(dv for ref, dv in ranges.items() if "G3" in ref)
    assert value_rule.type == "decimal"
    assert (value_rule.formula1, value_rule.formula2) == ("0", "100")  # milestones: 0-100


# --- Good input --------------------------------------------------------------------------------


def test_reporter_previews_then_confirms_and_every_row_is_submitted(client, rsj):
    data = fill(template(client, rsj), {"LV-01": (1300, "新增就业1300人", ""), "LV-02": 4.2})
    before = snapshot()
    preview = upload(client, data)
    assert preview.status_code == 200
    assert snapshot() == before  # a preview writes nothing
    checked = preview.context["checked"]
    assert checked.is_valid
    by_code = {row.code: row for row in checked.rows}
    assert by_code["LV-01"].new_value == Decimal("1300")
    assert by_code["LV-03"].skipped
    page = preview.content.decode()
    assert "— → 1,300" in page and "未填写，跳过" in page
    # Each row names its target, as the file does beside the code.
    (shown,) = re.findall(
        r'<tr data-row="\d+"[^>]*>\s*<td[^>]*>\d+</td>\s*<td>LV-01</td>\s*<td>(.*?)</td>', page
    )
    assert shown == Indicator.objects.get(code="LV-01").name

    response = confirm(client, preview)
    assert response.status_code == 302
    entries = {e.indicator.code: e for e in ProgressEntry.objects.select_related("indicator")}
    assert set(entries) == {"LV-01", "LV-02"}
    assert entries["LV-01"].value == Decimal("1300")
    assert entries["LV-01"].note == "新增就业1300人"
    assert entries["LV-02"].value == Decimal("4.2")
    for entry in entries.values():
        assert entry.state == EntryState.SUBMITTED
        assert entry.month == MONTH
        assert entry.submitted_by == rsj
        assert entry.history.count() == 1
        assert entry.history.first().history_user == rsj
    # The same preview cannot be confirmed twice.
    again = client.post(PAGE, {"token": preview.context["token"]})
    assert again.status_code == 302
    assert ProgressEntry.objects.count() == 2


def test_a_draft_from_the_web_form_is_submitted_with_the_imported_value(client, rsj):
    indicator = Indicator.objects.get(code="LV-01")
    draft = ProgressEntry.objects.create(indicator=indicator, month=MONTH, value=10)
    preview = upload(client, fill(template(client, rsj), {"LV-01": 20}))
    assert "10 → 20" in preview.content.decode()
    confirm(client, preview)
    draft.refresh_from_db()
    assert (draft.value, draft.state, draft.version) == (20, EntryState.SUBMITTED, 2)


def test_rows_already_submitted_come_back_locked_and_are_left_alone(client, rsj):
    confirm(client, upload(client, fill(template(client, rsj), {"LV-01": 1300})))
    data = template(client, rsj)
    ws = load_workbook(BytesIO(data))[excel.MONTHLY_SHEET]
    assert ws["G3"].value == 1300
    for letter in "GHIJ":
        assert ws[f"{letter}3"].protection.locked
    assert not ws["G4"].protection.locked
    preview = upload(client, fill(data, {"LV-02": 4.1}))
    by_code = {row.code: row for row in preview.context["checked"].rows}
    assert by_code["LV-01"].skipped and not by_code["LV-02"].skipped
    assert "与已报送的相同，跳过" in preview.content.decode()
    confirm(client, preview)
    assert ProgressEntry.objects.get(indicator__code="LV-01").history.count() == 1
    assert ProgressEntry.objects.get(indicator__code="LV-02").value == Decimal("4.1")


def test_a_value_above_three_times_the_target_needs_an_explanation(client, rsj):
    data = template(client, rsj)
    refused(client, fill(data, {"LV-01": 5000}), expect="超过3倍")
    reason = "含返乡创业带动就业"
    preview = upload(client, fill(data, {"LV-01": (5000, "", "", reason)}))
    assert preview.status_code == 200
    row = next(row for row in preview.context["checked"].rows if row.code == "LV-01")
    assert [flag.rule for flag in row.flags] == ["beyond_target"]
    assert "说明：" + reason in preview.content.decode()
    confirm(client, preview)
    entry = ProgressEntry.objects.get()
    assert (entry.value, entry.explanation) == (5000, reason)
    assert [flag["rule"] for flag in entry.flags] == ["beyond_target"]


def test_a_cumulative_value_below_an_approved_month_needs_an_explanation(client, rsj):
    approve(Indicator.objects.get(code="LV-01"), 9, 1263, note="9月")
    data = template(client, rsj)
    refused(client, fill(data, {"LV-01": 1200}), expect="低于9月已审核")
    # a progress note is not the 说明
    refused(client, fill(data, {"LV-01": (1200, "9月数据重复统计")}), expect="低于9月已审核")
    preview = upload(client, fill(data, {"LV-01": (1200, "", "", "9月数据重复统计，已核减")}))
    assert preview.context["checked"].is_valid


# --- Bad input: the whole file -----------------------------------------------------------------


def test_not_an_xlsx_is_refused(client, rsj):
    client.force_login(rsj)
    refused(client, "编号,数值\nLV-01,1\n".encode(), name="填报.xlsx", expect="不是Excel工作簿")
    refused(client, b"PK\x03\x04 not really a zip", expect="不是Excel工作簿")
    refused(client, b"\xd0\xcf\x11\xe0 old xls", name="old.xls", expect="不是Excel工作簿")


def test_an_empty_file_is_refused(client, rsj):
    client.force_login(rsj)
    before = snapshot()
    response = upload(client, b"")
    assert response.status_code == 400
    assert "文件是空的" in response.content.decode()
    assert snapshot() == before


def test_an_oversized_file_is_refused(client, rsj, settings):
    data = fill(template(client, rsj), {"LV-01": 1300})
    settings.IMPORT_MAX_BYTES = len(data) - 1
    refused(client, data, expect="文件太大")


def test_a_zip_bomb_is_refused_before_parsing(client, rsj):
    client.force_login(rsj)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    refused(client, buffer.getvalue(), expect="解压后过大")


def test_another_months_template_is_refused(client, rsj):
    data = fill(template(client, rsj, month=9), {"LV-01": 1300})
    refused(client, data, month=MONTH, expect="这是9月的模板")


def test_another_departments_template_is_refused(client, fgj, rsj):
    data = fill(template(client, fgj), {"EC-05": 50})
    client.force_login(rsj)
    refused(client, data, expect="这是县发展和改革局的模板")


def test_a_workbook_that_is_not_our_template_is_refused(client, rsj):
    client.force_login(rsj)
    refused(client, setup.report_setup_bytes(None), expect="不是本系统下载的月度填报模板")


def test_a_changed_header_is_refused(client, rsj):
    def rename(ws):
        ws["G2"] = "本月数"

    shown = refused(client, fill(template(client, rsj), {"LV-01": 1}, rename), expect="表头应为")
    assert any("第2行G列" in p for p in shown)


def test_a_locked_month_is_refused(client, rsj, reviewer, report):
    data = fill(template(client, rsj), {"LV-01": 1300})
    MonthLock.objects.create(report=report, month=MONTH, locked_by=reviewer)
    refused(client, data, expect="10月已被督查室锁定")


def test_a_lock_between_preview_and_confirm_writes_nothing(client, rsj, reviewer, report):
    preview = upload(client, fill(template(client, rsj), {"LV-01": 1300, "LV-02": 4}))
    assert preview.context["checked"].is_valid
    MonthLock.objects.create(report=report, month=MONTH, locked_by=reviewer)
    before = snapshot()
    response = confirm(client, preview)
    assert response.status_code == 400
    assert "已被督查室锁定" in response.content.decode()
    assert snapshot() == before


# --- Bad input: a row --------------------------------------------------------------------------


def row_refused(client, user, values=None, edit=None, *, expect, column="G"):
    data = fill(template(client, user), values, edit)
    shown = refused(client, data, expect=expect)
    assert any("工作表“月度填报”第" in p and f"{column}列" in p for p in shown), shown
    return shown


def test_an_unknown_code_is_refused(client, rsj):
    def change(ws):
        ws.cell(row=row_of(ws, "LV-01"), column=1).value = "LV-99"

    row_refused(client, rsj, {"LV-01": 1, "LV-02": 4}, change, expect="LV-99", column="A")


def test_another_departments_code_is_refused(client, rsj):
    def change(ws):
        ws.cell(row=row_of(ws, "LV-01"), column=1).value = "EC-05"

    row_refused(client, rsj, {"LV-01": 50}, change, expect="不是本单位的", column="A")


def test_a_derived_code_is_refused(client, fgj):
    def change(ws):
        ws.cell(row=row_of(ws, "EC-05"), column=1).value = "PP-01"

    row_refused(client, fgj, {"EC-05": 50}, change, expect="项目库自动计算", column="A")


def test_a_non_numeric_value_is_refused(client, rsj):
    row_refused(client, rsj, {"LV-01": "很多", "LV-02": 4}, expect="请只填写数字")
    # The preview shows what was typed beside the refusal, so the clerk finds the cell.
    response = upload(client, fill(template(client, rsj), {"LV-01": "很多", "LV-02": 4}))
    assert '<td class="num">很多</td>' in response.content.decode()


def test_a_negative_value_is_refused(client, rsj):
    row_refused(client, rsj, {"LV-01": -5, "LV-02": 4}, expect="不能为负数")


def test_a_milestone_of_150_is_refused(client, fgj):
    row_refused(client, fgj, {"EC-05": 150, "EC-06": 50}, expect="0到100之间")


def test_the_same_code_twice_is_refused(client, rsj):
    def change(ws):
        ws.cell(row=row_of(ws, "LV-02"), column=1).value = "LV-01"

    shown = row_refused(client, rsj, {"LV-01": 10, "LV-02": 20}, change, expect="重复", column="A")
    assert any("第3行已经填写过" in p for p in shown)


def test_a_formula_where_a_number_belongs_is_refused(client, rsj):
    row_refused(client, rsj, {"LV-01": "=1000+300", "LV-02": 4}, expect="不接受公式")


def test_an_entry_already_submitted_is_refused(client, rsj):
    indicator = Indicator.objects.get(code="LV-01")
    ProgressEntry.objects.create(
        indicator=indicator, month=MONTH, value=5, state=EntryState.SUBMITTED
    )
    row_refused(client, rsj, {"LV-01": 10}, expect="已报送")


def test_every_row_error_is_listed_at_once(client, rsj, fgj):
    data = fill(template(client, rsj), {"LV-01": -1, "LV-02": "abc", "LV-03": "=1"})
    shown = refused(client, data, expect="不能为负数")
    assert len(shown) == 3
    assert any("第4行G列" in p and "请只填写数字" in p for p in shown)


def test_a_refused_project_row_shows_its_name_and_what_was_typed(client, fgj, report):
    project = make_project(report)
    data = template(client, fgj)
    workbook = load_workbook(BytesIO(data))
    ws = workbook[excel.PROJECT_SHEET]
    (row,) = [r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=1).value == "T-001"]
    ws.cell(row=row, column=6).value = "一万七千"
    out = BytesIO()
    workbook.save(out)
    before = snapshot()
    response = upload(client, out.getvalue())
    assert response.status_code == 400
    page = response.content.decode()
    assert f"<td>{project.name}</td>" in page
    assert '<td class="num">一万七千</td>' in page
    assert snapshot() == before
