"""Workbooks in and out: the meeting summary, the monthly template and its import, and the
workbook that sets up a report.

Out (STYLE.md, after pretix's ``ListExporter``): each sheet is a `Sheet` whose ``rows`` is a
generator of plain values; `write_workbook` is the one openpyxl *write-only* writer that formats
them, so memory stays flat however long a sheet grows. A value that needs a format of its own
is wrapped in `Styled` (a status word with its colour, an amount in 亿元, a percentage). Every
number in the summary comes from ``Indicator.objects.for_dashboard`` and
``progress.summarise``: the same objects the dashboards show, never recomputed here.

In: every uploaded file goes through `open_workbook_safely` first (size limit, real .xlsx only,
declared uncompressed size checked before openpyxl parses anything, read-only, formulas never
evaluated). The monthly import then runs parse -> validate every row -> show -> commit in one
transaction; each row is checked by the monthly web form's own ``EntryForm``.

Set-up workbook (``manage.py load_report FILE.xlsx`` and the admin upload) -- the layout, also
written on the template's own 说明 sheet:

- sheet ``工作报告``: two columns (项目, 内容) with the rows 地区, 年度, 标题.
- sheet ``板块``: 顺序, 板块名称. One row per section, in report order.
- sheet ``责任单位``: 代码, 名称, 简称, 顺序. ``代码`` is the pinyin abbreviation used for
  logins and templates (fgj); departments are shared by every report and matched by 代码.
- sheet ``目标任务``: 编号, 板块, 顺序, 目标任务, 单位, 类型, 年度目标, 基数, 牵头单位,
  配合单位, 月度计划, 需年终确定, 项目库取数规则, 报告原文. 类型 is one of
  累计型/存量型/节点型/控制型/底线型 (or its code); 牵头单位 and 配合单位 name departments by
  代码 or name (several separated by 、 or ,); 月度计划 is blank (linear m/12) or 12 cumulative
  fractions separated by commas; 需年终确定 is 是 or blank; 项目库取数规则 is blank or one of
  `RegisterRule` (label or code).

Loading matches the report by (地区, 年度), sections by name, departments by 代码 and targets by
编号: loading the same file twice changes nothing, and nothing is ever deleted. A workbook with any
problem is refused whole, with every problem listed.
"""

import datetime
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from . import progress, timeliness
from .models import (
    Department,
    EntryState,
    Indicator,
    Kind,
    ProgressEntry,
    RegisterRule,
    Report,
    Section,
    validate_plan,
)
from .timeliness import department_timeliness

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YI = "亿元"
WAN_PER_YI = Decimal(10000)

# ------------------------------------------------------------------------------------------------
# The writer
# ------------------------------------------------------------------------------------------------

# Style names a column or a `Styled` value may carry.
TEXT, WRAP, INTEGER, DECIMAL, PERCENT, INPUT, INPUT_TEXT, TITLE, HEADER, NOTE = (
    "text",
    "wrap",
    "integer",
    "decimal",
    "percent",
    "input",
    "input_text",
    "title",
    "header",
    "note",
)
STATUS_PREFIX = "status:"

_THIN = Side(style="thin", color="B6BEC7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
_STYLE_SPECS = {
    TEXT: {},
    WRAP: {"alignment": Alignment(wrap_text=True, vertical="top")},
    INTEGER: {"number_format": "#,##0"},
    # 亿元 and every other non-integer amount: two decimals with thousands commas.
    DECIMAL: {"number_format": "#,##0.00"},
    PERCENT: {"number_format": "0.0%"},
    INPUT: {"protection": Protection(locked=False), "fill": _INPUT_FILL},
    INPUT_TEXT: {
        "protection": Protection(locked=False),
        "fill": _INPUT_FILL,
        "alignment": Alignment(wrap_text=True, vertical="top"),
        "number_format": "@",
    },
    TITLE: {"font": Font(bold=True, size=13)},
    HEADER: {
        "font": Font(bold=True),
        "fill": PatternFill("solid", fgColor="EEF1F4"),
        "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "border": Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN),
    },
    NOTE: {"font": Font(italic=True, color="555555")},
}
# Reporting timeliness borrows the status palette: on time reads as done, late as behind.
TIMELINESS_STYLES = {
    timeliness.ON_TIME: STATUS_PREFIX + progress.DONE,
    timeliness.LATE: STATUS_PREFIX + progress.BEHIND,
    timeliness.MISSING: STATUS_PREFIX + progress.FAR_BEHIND,
}
for _status, _colour in progress.STATUS_COLOURS.items():
    _STYLE_SPECS[STATUS_PREFIX + _status] = {
        "fill": PatternFill("solid", fgColor=_colour.lstrip("#").upper()),
        "font": Font(color="FFFFFF", bold=True),
        "alignment": Alignment(horizontal="center"),
    }

# Styles written even on an empty cell: the template's input cells must be unlocked and marked.
KEEP_EMPTY = (INPUT, INPUT_TEXT)

# Text a spreadsheet could take for a formula or a command (=, +, -, @): always written as text.
FORMULA_PREFIXES = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 10
    style: str = TEXT


@dataclass
class Sheet:
    """A sheet to write: a title line, a header row and the rows a generator yields.

    ``rows`` yields sequences of values; a value is written with its column's style unless it is
    a `Styled`. ``notes`` are lines written below the table, outside its filter.
    """

    name: str
    columns: list
    rows: object
    title: str | None = None
    notes: list = field(default_factory=list)
    protect: bool = False
    validations: list = field(default_factory=list)
    state: str = "visible"
    autofilter: bool = True
    printable: bool = True


class Styled:
    """A value with a style of its own, e.g. a status word filled with its colour."""

    __slots__ = ("style", "value")

    def __init__(self, value, style):
        self.value = value
        self.style = style


def clean_text(text):
    """User text as a spreadsheet can hold it: control characters removed (openpyxl refuses
    them), and nothing that Excel would run."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def amount(value, unit=""):
    """A target or actual value: two decimals for 亿元 and fractions, none for whole counts."""
    if value is None:
        return None
    if unit != YI and value == int(value):
        return Styled(value, INTEGER)
    return Styled(value, DECIMAL)


def status_cell(status, cache=None):
    """A status as its word filled with its colour. ``cache`` (a dict kept for one export)
    saves translating the same six words for every row."""
    if cache is not None:
        if status not in cache:
            cache[status] = status_cell(status)
        return cache[status]
    return Styled(str(progress.STATUS_LABELS[status]), STATUS_PREFIX + status)


def display_width(text):
    """Roughly how many Excel width units a text needs: a Chinese character takes two.

    Counted from the UTF-8 length (CJK characters take three bytes, ASCII one), which is
    exact for those two and cheap enough to ask of every cell."""
    text = str(text)
    return len(text) + (len(text.encode()) - len(text)) // 2


class _Writer:
    """Turns plain values into write-only cells; one style array per style name, made once."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.style_arrays = {}

    def style_array(self, ws, name):
        array = self.style_arrays.get(name)
        if array is None:
            cell = Cell(ws, row=1, column=1)
            for attribute, value in _STYLE_SPECS[name].items():
                setattr(cell, attribute, value)
            # Cell styles are indices into the workbook's style tables, the same for every sheet:
            # building them once and handing each cell a copy keeps styling close to free.
            array = self.style_arrays[name] = cell._style
        return array

    def cell(self, ws, value, style, width=0):
        """The value as written: plain where the General format shows it the same, else a cell
        with its style. Styling costs (a styled cell is ~2x a plain one in openpyxl), so a style
        is only given where it changes what the reader sees."""
        if isinstance(value, Styled):
            value, style = value.value, value.style
        if value is None:
            return (
                Cell(ws, 1, 1, None, self.style_array(ws, style)) if style in KEEP_EMPTY else None
            )
        if isinstance(value, str):
            value = clean_text(value)
            if style == TEXT or (
                style == WRAP
                and "\n" not in value
                and (len(value) * 2 <= width or display_width(value) <= width)
            ):
                if not value.startswith(FORMULA_PREFIXES):
                    return value
                style = TEXT
            cell = Cell(ws, 1, 1, value, self.style_array(ws, style))
            # openpyxl stores a string beginning with "=" as a formula: user text never is one.
            cell.data_type = "s"
            return cell
        if style == TEXT or (style == INTEGER and -1000 < value < 1000):
            return value
        return Cell(ws, 1, 1, value, self.style_array(ws, style))

    def write(self, sheet):
        ws = self.workbook.create_sheet(sheet.name)
        ws.sheet_state = sheet.state
        columns = sheet.columns
        last = get_column_letter(len(columns))
        header_row = 2 if sheet.title else 1
        # Everything above the rows (widths, panes, fit-to-page) must be set before the first row.
        for index, column in enumerate(columns, 1):
            width = max(column.width, display_width(column.header) / 2 + 2)
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = f"A{header_row + 1}"
        if sheet.printable:
            ws.sheet_properties.pageSetUpPr.fitToPage = True
        if sheet.title:
            ws.append([self.cell(ws, sheet.title, TITLE)])
        ws.append([self.cell(ws, column.header, HEADER) for column in columns])
        styles = [(column.style, column.width) for column in columns]
        count = 0
        cell = self.cell
        for row in sheet.rows:
            ws.append([cell(ws, value, *style) for value, style in zip(row, styles, strict=True)])
            count += 1
        last_row = header_row + count
        if sheet.notes:
            ws.append([])
            for note in sheet.notes:
                ws.append([self.cell(ws, note, NOTE)])
        # What follows the rows in the sheet's XML: filter, protection, validation, printing.
        if sheet.autofilter:
            ws.auto_filter.ref = f"A{header_row}:{last}{last_row}"
        for validation in sheet.validations:
            ws.data_validations.append(validation)
        if sheet.protect:
            ws.protection.sheet = True
            ws.protection.formatColumns = False  # people may widen a column to read it
            ws.protection.formatRows = False
        if sheet.printable:
            ws.page_setup.orientation = "landscape"
            ws.page_setup.paperSize = 9  # A4
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0  # as many pages down as it takes
            ws.print_title_rows = f"1:{header_row}"
            ws.print_options.horizontalCentered = True
            ws.page_margins.left = ws.page_margins.right = 0.4
        return ws


def write_workbook(sheets, out, *, lock_structure=False):
    """Write ``sheets`` to ``out`` (a path or a binary file) with one write-only workbook."""
    workbook = Workbook(write_only=True)
    writer = _Writer(workbook)
    for sheet in sheets:
        writer.write(sheet)
    if lock_structure:
        # Hidden sheets stay hidden and sheets cannot be renamed, added or removed.
        workbook.security = WorkbookProtection(lockStructure=True)
    workbook.save(out)
    return out


def workbook_bytes(sheets, **options):
    buffer = BytesIO()
    write_workbook(sheets, buffer, **options)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------
# The meeting summary
# ------------------------------------------------------------------------------------------------

SUMMARY_SHEETS = ("总览", "指标明细", "滞后事项", "项目清单", "报送情况")


def summary_title(report, month, now, what):
    return _(
        "%(region)s%(year)s年政府工作报告目标任务%(what)s（截至%(month)s月底）　制表时间：%(made)s"
    ) % {
        "region": report.region,
        "year": report.year,
        "what": what,
        "month": month,
        "made": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }


def section_groups(indicators):
    """(section, members) in report order, for indicators already ordered by section."""
    groups = {}
    for indicator in indicators:
        groups.setdefault(indicator.section, []).append(indicator)
    return list(groups.items())


def overview_columns():
    return [
        Column(_("板块"), 18),
        Column(_("目标数"), 8, INTEGER),
        Column(_("已完成"), 8, INTEGER),
        Column(_("达到序时进度"), 10, INTEGER),
        Column(_("滞后"), 8, INTEGER),
        Column(_("严重滞后"), 8, INTEGER),
        Column(_("无数据"), 8, INTEGER),
        Column(_("待年终确定"), 9, INTEGER),
        Column(_("平均完成率"), 10, PERCENT),
        Column(_("序时进度"), 10, PERCENT),
    ]


def _summary_row(name, summary):
    counts = summary.counts
    return (
        name,
        summary.total,
        counts[progress.DONE],
        counts[progress.ON_TRACK],
        counts[progress.BEHIND],
        counts[progress.FAR_BEHIND],
        counts[progress.NO_DATA],
        counts[progress.YEAR_END],
        summary.average_completion,
        summary.average_expected,
    )


def overview_rows(indicators):
    for section, members in section_groups(indicators):
        yield _summary_row(section.name, progress.summarise(i.progress for i in members))
    yield _summary_row(_("合计"), progress.summarise(i.progress for i in indicators))


def verdict(month, summary):
    counts = summary.counts
    text = _(
        "截至%(month)s月底，%(total)s项目标中已完成%(done)s项，达到序时进度%(on_track)s项，"
        "滞后%(behind)s项，严重滞后%(far)s项，无数据%(none)s项"
    ) % {
        "month": month,
        "total": summary.total,
        "done": counts[progress.DONE],
        "on_track": counts[progress.ON_TRACK],
        "behind": counts[progress.BEHIND],
        "far": counts[progress.FAR_BEHIND],
        "none": counts[progress.NO_DATA],
    }
    if counts[progress.YEAR_END]:
        text += _("，待年终确定%(n)s项") % {"n": counts[progress.YEAR_END]}
    return text + "。"


def detail_columns(month):
    return [
        Column(_("板块"), 14),
        Column(_("编号"), 8),
        Column(_("目标任务"), 24, WRAP),
        Column(_("单位"), 6),
        Column(_("年度目标"), 11),
        Column(_("截至%(month)s月底") % {"month": month}, 11),
        Column(_("完成率"), 8, PERCENT),
        Column(_("序时进度"), 8, PERCENT),
        Column(_("状态"), 11),
        Column(_("进度对比"), 25),
        Column(_("牵头单位"), 12),
        Column(_("进展情况"), 30, WRAP),
        Column(_("存在问题"), 30, WRAP),
    ]


def detail_row(indicator, statuses=None):
    """One indicator of ``for_dashboard`` (or anything shaped like it) as a 指标明细 row."""
    judged = indicator.progress
    return (
        indicator.section.name,
        indicator.code,
        indicator.name,
        indicator.unit,
        amount(indicator.target, indicator.unit),
        amount(judged.actual, indicator.unit),
        judged.completion,
        judged.expected,
        status_cell(judged.status, statuses),
        progress.gap_phrase(judged, indicator.kind, indicator.unit),
        str(indicator.lead_department),
        indicator.latest_note or "",
        indicator.latest_problems or "",
    )


def detail_rows(indicators):
    statuses = {}
    for indicator in indicators:
        yield detail_row(indicator, statuses)


def behind_columns():
    return [
        Column(_("编号"), 8),
        Column(_("目标任务"), 24, WRAP),
        Column(_("状态"), 11),
        Column(_("完成率"), 8, PERCENT),
        Column(_("序时进度"), 8, PERCENT),
        Column(_("进度对比"), 20, WRAP),
        Column(_("牵头单位"), 12),
        Column(_("分管县领导"), 10),
        Column(_("存在问题"), 40, WRAP),
    ]


def behind_rows(indicators, leaders):
    """Far behind first, then behind, each in report order."""
    for status in (progress.FAR_BEHIND, progress.BEHIND):
        for indicator in indicators:
            judged = indicator.progress
            if judged.status != status:
                continue
            yield (
                indicator.code,
                indicator.name,
                status_cell(status),
                judged.completion,
                judged.expected,
                progress.gap_phrase(judged, indicator.kind, indicator.unit),
                str(indicator.lead_department),
                leaders.get(indicator.lead_department_id, ""),
                indicator.latest_problems or "",
            )


def project_columns(month):
    return [
        Column(_("项目编号"), 12),
        Column(_("项目名称"), 30, WRAP),
        Column(_("类别"), 8),
        Column(_("建设性质"), 8),
        Column(_("项目阶段"), 12),
        Column(_("牵头单位"), 12),
        Column(_("总投资（亿元）"), 12, DECIMAL),
        Column(_("本年计划投资（亿元）"), 12, DECIMAL),
        Column(_("本年完成投资（亿元，截至%(month)s月底）") % {"month": month}, 14, DECIMAL),
    ]


def project_rows(report, month):
    """Every project of the register with this year's investment as of ``month``, the same
    approved figures the register-derived targets add up."""
    from projects.models import Project, ProjectProgress
    from projects.register import with_investment

    stage_then = ProjectProgress.objects.filter(
        project=OuterRef("pk"), month__lte=month, state=EntryState.APPROVED
    ).exclude(stage="")
    projects = (
        with_investment(Project.objects.filter(report=report), month)
        .annotate(stage_then=Subquery(stage_then.order_by("-month").values("stage")[:1]))
        .select_related("lead_department")
        .order_by("code")
    )
    stages = dict(Project.Stage.choices)
    for project in projects.iterator(chunk_size=2000):
        invested = project.invested
        yield (
            project.code,
            project.name,
            project.get_category_display(),
            project.get_build_type_display(),
            str(stages.get(project.stage_then or project.stage, "")),
            str(project.lead_department),
            project.total_investment / WAN_PER_YI,
            project.planned_investment / WAN_PER_YI,
            None if invested is None else invested / WAN_PER_YI,
        )


def timeliness_columns(month):
    return [
        Column(_("责任单位"), 14),
        Column(_("分管县领导"), 10),
        Column(_("应报目标数"), 8, INTEGER),
        *(Column(_("%(m)s月") % {"m": m}, 9) for m in range(1, month + 1)),
        Column(_("逾期或未报月数"), 10, INTEGER),
    ]


def timeliness_rows(table, month):
    """Departments x months from ``timeliness.department_timeliness``: the same cells the
    /departments/ page shows, each a word filled with its colour."""
    for row in table:
        leader = row.department.leader
        yield (
            str(row.department),
            leader.display_name if leader else "",
            row.due,
            *(timeliness_cell(cell) for cell in row.months[:month]),
            row.months_behind(until=month),
        )


def timeliness_cell(cell):
    style = TIMELINESS_STYLES.get(cell.state)
    return Styled(str(cell.label), style) if style else str(cell.label)


def summary_sheets(report, month, *, now=None, today=None):
    """The five sheets of the meeting summary as of ``month``, in the order they print."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    indicators = Indicator.objects.for_dashboard(report, month)
    leaders = {
        department.pk: department.leader.display_name if department.leader else ""
        for department in Department.objects.select_related("leader")
    }
    summary = progress.summarise(i.progress for i in indicators)
    title = summary_title(report, month, now, _("进展汇总"))
    return [
        Sheet(
            "总览",
            overview_columns(),
            overview_rows(indicators),
            title=title,
            notes=[verdict(month, summary)],
        ),
        Sheet("指标明细", detail_columns(month), detail_rows(indicators), title=title),
        Sheet("滞后事项", behind_columns(), behind_rows(indicators, leaders), title=title),
        Sheet("项目清单", project_columns(month), project_rows(report, month), title=title),
        Sheet(
            "报送情况",
            timeliness_columns(month),
            timeliness_rows(department_timeliness(report, today), month),
            title=title,
        ),
    ]


def write_summary(report, month, out, *, now=None, today=None):
    return write_workbook(summary_sheets(report, month, now=now, today=today), out)


def summary_filename(report, month):
    return f"{report.region}{report.year}年目标任务进展汇总（截至{month}月底）.xlsx"


# ------------------------------------------------------------------------------------------------
# Untrusted files
# ------------------------------------------------------------------------------------------------

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_ZIP_MEMBERS = 500


@dataclass(frozen=True)
class Problem:
    """Why (part of) a workbook was refused, and where: sheet, row and column when known."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""  # a column letter
    header: str = ""

    @property
    def place(self):
        parts = []
        if self.sheet:
            parts.append(_("工作表“%(sheet)s”") % {"sheet": self.sheet})
        if self.row:
            parts.append(_("第%(row)s行") % {"row": self.row})
        if self.column:
            parts.append(_("%(column)s列") % {"column": self.column})
            if self.header:
                parts.append(f"（{self.header}）")
        return "".join(parts)

    def __str__(self):
        place = self.place
        return f"{place}：{self.message}" if place else self.message


class ExcelImportError(Exception):
    """A workbook refused whole; ``problems`` lists every reason found."""

    def __init__(self, problems):
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
        super().__init__("; ".join(str(p) for p in self.problems))


def max_upload_bytes():
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_uncompressed_bytes():
    return getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 10 * max_upload_bytes())


def _megabytes(size):
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def open_workbook_safely(uploaded_file):
    """Open an uploaded .xlsx for reading without trusting it; raises `ExcelImportError`.

    ``uploaded_file`` is a Django upload or any binary file object (``name`` is checked when it
    has one). Refused: over the size limit (``settings.IMPORT_MAX_BYTES``, default 5 MB), empty,
    anything but a real .xlsx package (a renamed CSV, an .xls, a macro workbook), and a zip whose
    declared uncompressed size is too large (a zip bomb) -- checked before openpyxl parses any
    XML. Python's zipfile never inflates a member past its declared size, so the check holds.
    The workbook is opened read-only with formulas as formulas (``data_only=False``): nothing is
    evaluated, and callers refuse formula cells where they expect a value. Close it when done.
    """
    limit = max_upload_bytes()
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise ExcelImportError(
            _("文件太大（%(size)s MB），上限为%(limit)s MB。")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise ExcelImportError(_("文件太大，上限为%(limit)s MB。") % {"limit": _megabytes(limit)})
    if not data:
        raise ExcelImportError(_("文件是空的，请选择填写好的Excel文件。"))
    name = str(getattr(uploaded_file, "name", "") or "")
    not_xlsx = _("不是Excel工作簿（.xlsx）文件。请用Excel打开模板，填写后按 .xlsx 格式保存再上传。")
    if name and not name.lower().endswith(".xlsx"):
        raise ExcelImportError(not_xlsx)
    if not data.startswith(b"PK\x03\x04"):
        raise ExcelImportError(not_xlsx)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ExcelImportError(not_xlsx) from None
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ExcelImportError(not_xlsx)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ExcelImportError(_("不接受含宏的工作簿，请另存为普通的 .xlsx 文件。"))
    if len(members) > MAX_ZIP_MEMBERS or (
        sum(member.file_size for member in members) > max_uncompressed_bytes()
    ):
        raise ExcelImportError(_("文件解压后过大，可能不是正常的Excel文件，已拒绝。"))
    try:
        return load_workbook(BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:
        raise ExcelImportError(
            _("无法读取该文件。请确认它是用Excel（或WPS）保存的 .xlsx 工作簿。")
        ) from None


def is_formula(cell):
    value = cell.value
    return cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula))


FORMULA_REFUSED = _("不接受公式，请直接填写数值（可复制后“选择性粘贴—数值”）。")


def cell_text(value):
    """A cell's value as the text a form field would receive: numbers as Excel shows them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel keeps 15 significant digits: 0.3 must not come back as 0.30000000000000004.
        text = format(value, ".15g")
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value).strip()


# ------------------------------------------------------------------------------------------------
# Monthly numbers in: the template, then parse -> validate -> show -> commit
# ------------------------------------------------------------------------------------------------

MONTHLY_KIND = "county-targets/monthly"
MONTHLY_SHEET = "月度填报"
HELP_MONTHLY_SHEET = "填报说明"
META_SHEET = "_meta"
MAX_IMPORT_ROWS = 20000


def monthly_columns():
    return [
        Column(_("编号"), 9),
        Column(_("目标任务"), 26, WRAP),
        Column(_("单位"), 6),
        Column(_("类型"), 7),
        Column(_("年度目标"), 11),
        Column(_("最近已审核累计值"), 12),
        Column(_("截至本月底累计（填写）"), 14, INPUT),
        Column(_("进展情况（填写）"), 34, INPUT_TEXT),
        Column(_("存在问题（填写）"), 30, INPUT_TEXT),
        Column(_("确认数值无误（填“是”）"), 12, INPUT),
    ]


# Where each EntryForm field sits in the template (0-based column index).
FIELD_COLUMNS = {"value": 6, "note": 7, "problems": 8, "confirm": 9}
CODE_COLUMN = 0
YES = ("是", "yes", "y", "true", "1", "√", "✓")


def monthly_template_sheets(user, report, month):
    """The template a reporter fills for ``month``: their department's non-derived targets."""
    from indicators.views.reporting import previous_approved

    department = user.department
    indicators = list(
        Indicator.objects.for_report(report).filter(lead_department=department, register_rule="")
    )
    ids = [i.pk for i in indicators]
    entries = {
        e.indicator_id: e for e in ProgressEntry.objects.filter(indicator_id__in=ids, month=month)
    }
    previous = previous_approved(ids, month)
    rows = []
    limited = []
    for indicator in indicators:
        entry = entries.get(indicator.pk)
        last = previous.get(indicator.pk)
        rows.append(
            (
                indicator.code,
                indicator.name,
                indicator.unit,
                indicator.get_kind_display(),
                amount(indicator.target, indicator.unit),
                amount(last.value if last else None, indicator.unit),
                *_input_cells(entry),
            )
        )
        limited.append(indicator.kind == Kind.MILESTONE or indicator.unit.strip() in ("%", "％"))
    first, last_row = 3, 2 + len(rows)
    validations = []
    if rows:
        number = DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("请填写数值"),
            error=_("请填写不小于0的数字（截至月底的累计值，不是当月增量）。"),
            promptTitle=_("截至本月底累计"),
            prompt=_("填写截至月底的累计值；节点型填完成百分比（0–100）。"),
            showInputMessage=True,
        )
        percent = DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2="100",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("请填写百分比"),
            error=_("节点型目标和百分比指标须填写0到100之间的数字。"),
        )
        for row, is_limited in zip(range(first, last_row + 1), limited, strict=True):
            (percent if is_limited else number).add(f"G{row}")
        confirm = DataValidation(type="list", formula1=f'"{YES[0]}"', allow_blank=True)
        confirm.add(f"J{first}:J{last_row}")
        validations = [v for v in (number, percent, confirm) if v.sqref]
    title = _(
        "%(region)s%(year)s年%(month)s月目标任务进展填报 — %(department)s"
        "（只填黄色单元格；请勿改动表头、编号和行列结构）"
    ) % {
        "region": report.region,
        "year": report.year,
        "month": month,
        "department": department.name,
    }
    meta = [
        ("kind", MONTHLY_KIND),
        ("version", 1),
        ("region", report.region),
        ("year", report.year),
        ("month", month),
        ("department", department.code),
    ]
    help_lines = [
        _(
            "“截至本月底累计”填写截至%(month)s月底的累计值，不是当月增量；节点型目标填写完成百分比（0–100）。"
        )
        % {"month": month},
        _(
            "累计值低于以前月份已审核值时，请在“进展情况”中说明原因；超过年度目标3倍时，请在最后一列填“是”确认。"
        ),
        _("空着“截至本月底累计”的行不会导入。上传后系统会先显示预览，确认无误后一次性报送。"),
    ]
    return [
        Sheet(
            MONTHLY_SHEET,
            monthly_columns(),
            iter(rows),
            title=title,
            protect=True,
            validations=validations,
            autofilter=False,
        ),
        Sheet(
            HELP_MONTHLY_SHEET,
            [Column(_("填报说明"), 110, WRAP)],
            ((line,) for line in help_lines),
            autofilter=False,
        ),
        Sheet(
            META_SHEET,
            [Column("key", 12), Column("value", 30)],
            iter(meta),
            state="veryHidden",
            autofilter=False,
            printable=False,
        ),
    ]


def _input_cells(entry):
    """The four cells a reporter fills: open for a new, draft or returned entry; a submitted or
    approved one is shown as it stands and stays locked."""
    if entry is not None and not entry.is_editable_by_reporter:
        locked = (amount(entry.value), Styled(entry.note, WRAP), Styled(entry.problems, WRAP))
        return (*locked, Styled(None, TEXT))
    return (
        Styled(entry.value if entry else None, INPUT),
        Styled(entry.note if entry else "", INPUT_TEXT),
        Styled(entry.problems if entry else "", INPUT_TEXT),
        Styled(None, INPUT),
    )


def _unchanged(entry, raw):
    """Whether a row repeats what is already submitted or approved (not an attempt to change)."""
    try:
        value = Decimal(raw.get("value") or "")
    except ArithmeticError:
        return False
    return (
        value == entry.value
        and raw.get("note", "") == entry.note.strip()
        and raw.get("problems", "") == entry.problems.strip()
    )


def monthly_template_bytes(user, report, month):
    return workbook_bytes(monthly_template_sheets(user, report, month), lock_structure=True)


def template_filename(report, month, department):
    return f"{report.region}{report.year}年{month}月填报模板（{department.short_name}）.xlsx"


def read_meta(workbook):
    if META_SHEET not in workbook.sheetnames:
        return {}
    meta = {}
    for row in workbook[META_SHEET].iter_rows(max_col=2, max_row=50, values_only=True):
        if row and row[0] is not None:
            meta[str(row[0])] = cell_text(row[1]) if len(row) > 1 else ""
    return meta


def read_monthly(workbook, *, report, month, department):
    """The filled rows of a monthly template, as plain dicts; the file refused if it is not the
    template of this report, month and department, or if its header was changed.

    Each row: ``row`` (sheet row number), ``code``, ``value``/``note``/``problems`` (text as a
    form would receive it), ``confirm`` (bool) and ``errors`` (cell problems: formulas).
    """
    meta = read_meta(workbook)
    if meta.get("kind") != MONTHLY_KIND or MONTHLY_SHEET not in workbook.sheetnames:
        raise ExcelImportError(
            _("这不是本系统下载的月度填报模板。请在“Excel导入”页下载本月模板，填写后再上传。")
        )
    problems = []
    if meta.get("region") != report.region or meta.get("year") != str(report.year):
        problems.append(
            _("这是%(region)s%(year)s年的模板，不是%(this_region)s%(this_year)s年的。")
            % {
                "region": meta.get("region", "?"),
                "year": meta.get("year", "?"),
                "this_region": report.region,
                "this_year": report.year,
            }
        )
    if meta.get("month") != str(month):
        problems.append(
            _("这是%(other)s月的模板，不能导入为%(month)s月的数据。请下载%(month)s月的模板。")
            % {"other": meta.get("month", "?"), "month": month}
        )
    if meta.get("department") != department.code:
        other = Department.objects.filter(code=meta.get("department")).first()
        problems.append(
            _("这是%(other)s的模板，不能由%(department)s导入。")
            % {
                "other": other.name if other else meta.get("department", "?"),
                "department": department.name,
            }
        )
    if problems:
        raise ExcelImportError(problems)

    columns = monthly_columns()
    ws = workbook[MONTHLY_SHEET]
    rows = ws.iter_rows(min_row=1, max_col=len(columns) + 1)
    next(rows, None)  # the title line
    header = next(rows, ())
    found = [cell_text(cell.value) for cell in header]
    found += [""] * (len(columns) + 1 - len(found))
    for index, column in enumerate(columns):
        if found[index] != column.header:
            letter = get_column_letter(index + 1)
            problems.append(
                Problem(
                    _("表头应为“%(expected)s”，实际为“%(found)s”。请使用未经改动的模板。")
                    % {"expected": column.header, "found": found[index]},
                    MONTHLY_SHEET,
                    2,
                    letter,
                )
            )
    if found[len(columns)]:
        problems.append(
            Problem(
                _("模板多出了一列“%(found)s”。请使用未经改动的模板。")
                % {"found": found[len(columns)]},
                MONTHLY_SHEET,
                2,
                get_column_letter(len(columns) + 1),
            )
        )
    if problems:
        raise ExcelImportError(problems)

    parsed = []
    for number, cells in enumerate(rows, 3):
        if number - 2 > MAX_IMPORT_ROWS:
            raise ExcelImportError(_("行数超过%(n)s行，请分批导入。") % {"n": MAX_IMPORT_ROWS})
        cells = list(cells) + [None] * (len(columns) - len(cells))
        if all(c is None or c.value is None or cell_text(c.value) == "" for c in cells):
            continue
        row = {"row": number, "errors": []}
        for name, index in (("code", CODE_COLUMN), *FIELD_COLUMNS.items()):
            cell = cells[index]
            if cell is not None and is_formula(cell):
                row["errors"].append(
                    (get_column_letter(index + 1), columns[index].header, str(FORMULA_REFUSED))
                )
                row[name] = ""
            else:
                row[name] = cell_text(cell.value if cell is not None else None)
        row["confirm"] = row["confirm"].strip().lower() in YES
        parsed.append(row)
    return parsed


@dataclass
class RowResult:
    """One row of an import, checked: what it would write, or why it cannot."""

    row: int
    code: str
    indicator: Indicator | None = None
    entry: ProgressEntry | None = None
    previous: ProgressEntry | None = None
    form: object = None
    errors: list = field(default_factory=list)
    skipped: bool = False
    raw: dict = field(default_factory=dict)

    @property
    def old_value(self):
        return self.entry.value if self.entry else None

    @property
    def last_value(self):
        return self.previous.value if self.previous else None

    @property
    def new_value(self):
        if self.form is not None and not self.errors:
            return self.form.cleaned_data.get("value")
        return None


@dataclass
class MonthlyImport:
    report: Report
    month: int
    department: Department
    rows: list

    @property
    def problems(self):
        return [problem for row in self.rows for problem in row.errors]

    @property
    def is_valid(self):
        return not self.problems and any(not row.skipped for row in self.rows)

    @property
    def to_write(self):
        return [row for row in self.rows if not row.skipped]

    def payload(self):
        """What the confirm step needs, as plain JSON for the session."""
        return {
            "report": self.report.pk,
            "month": self.month,
            "department": self.department.pk,
            "rows": [
                {
                    **{k: v for k, v in row.raw.items() if k != "errors"},
                    "version": row.entry.version if row.entry else 0,
                }
                for row in self.to_write
            ],
        }


def check_monthly(user, report, month, raw_rows):
    """Validate every row with the monthly form's own rules; raises `ExcelImportError` when the
    whole month is closed (locked), else returns a `MonthlyImport` with each row's errors."""
    from indicators.forms import EntryForm
    from indicators.views.reporting import previous_approved

    from . import workflow

    if workflow.is_locked(report, month):
        raise ExcelImportError(
            _("%(month)s月已被督查室锁定，不能再导入。如需修改请联系督查室。") % {"month": month}
        )
    columns = monthly_columns()
    headers = {name: columns[index].header for name, index in FIELD_COLUMNS.items()}
    letters = {name: get_column_letter(index + 1) for name, index in FIELD_COLUMNS.items()}
    code_letter, code_header = get_column_letter(CODE_COLUMN + 1), columns[CODE_COLUMN].header
    codes = {row["code"] for row in raw_rows if row.get("code")}
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(report=report, code__in=codes).select_related(
            "lead_department"
        )
    }
    ids = [i.pk for i in indicators.values()]
    entries = {
        e.indicator_id: e for e in ProgressEntry.objects.filter(indicator_id__in=ids, month=month)
    }
    previous = previous_approved(ids, month)
    seen = {}
    results = []
    for raw in raw_rows:
        number, code = raw["row"], raw.get("code", "")
        result = RowResult(number, code, raw=raw)
        results.append(result)

        def refuse(message, column=code_letter, header=code_header, result=result):
            result.errors.append(Problem(str(message), MONTHLY_SHEET, result.row, column, header))

        for letter, header, message in raw.get("errors", ()):
            refuse(message, letter, header)
        if not code:
            refuse(_("编号为空。请不要删除或改动编号列。"))
            continue
        indicator = indicators.get(code)
        if indicator is None:
            refuse(_("编号“%(code)s”不是本报告的目标任务。") % {"code": code})
            continue
        result.indicator = indicator
        if indicator.lead_department_id != user.department_id:
            refuse(
                _("“%(code)s %(name)s”由%(department)s牵头，不是本单位的目标任务，不能导入。")
                % {"code": code, "name": indicator.name, "department": indicator.lead_department}
            )
            continue
        if indicator.is_derived:
            refuse(_("“%(code)s”的数值由项目库自动计算，不需要填报。") % {"code": code})
            continue
        if code in seen:
            refuse(
                _("编号“%(code)s”重复：第%(first)s行已经填写过这个编号。")
                % {"code": code, "first": seen[code]}
            )
            continue
        seen[code] = number
        if result.errors:
            continue
        if not (raw.get("value") or raw.get("note") or raw.get("problems")):
            result.skipped = True
            continue
        entry = entries.get(indicator.pk)
        result.entry = entry
        result.previous = previous.get(indicator.pk)
        if entry is not None and not entry.is_editable_by_reporter and _unchanged(entry, raw):
            result.skipped = True  # already in, and the file does not try to change it
            continue
        try:
            workflow.next_state(entry.state if entry else None, workflow.SUBMIT)
        except workflow.WorkflowError as error:
            refuse(str(error), letters["value"], headers["value"])
            continue
        data = {
            "value": raw.get("value", ""),
            "note": raw.get("note", ""),
            "problems": raw.get("problems", ""),
            "confirm": "on" if raw.get("confirm") else "",
            "version": raw.get("version", entry.version if entry else 0),
        }
        form = EntryForm(data, indicator=indicator, previous=result.previous, submitting=True)
        result.form = form
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    if name in letters:
                        refuse(message, letters[name], headers[name])
                    else:
                        refuse(message, "", "")
    return MonthlyImport(report, month, user.department, results)


def commit_monthly(user, checked):
    """Write every row of a valid `MonthlyImport` as submitted, all or none.

    Raises ``workflow.WorkflowError`` (nothing written) if the month was locked or a row was
    changed by someone else since the preview.
    """
    from . import workflow

    if not checked.is_valid:
        raise workflow.WorkflowError(_("导入内容有错误，未写入任何数据。"))
    with transaction.atomic():
        if workflow.is_locked(checked.report, checked.month):
            raise workflow.WorkflowError(
                _("%(month)s月已被督查室锁定，不能再导入。") % {"month": checked.month}
            )
        for row in checked.to_write:
            entry = row.entry or ProgressEntry(indicator=row.indicator, month=checked.month)
            data = row.form.cleaned_data
            try:
                workflow.record(
                    entry,
                    user,
                    workflow.SUBMIT,
                    fields={name: data[name] for name in ("value", "note", "problems")},
                    version=data["version"],
                )
            except workflow.WorkflowError as error:
                raise workflow.WorkflowError(
                    _("第%(row)s行（%(code)s）：%(error)s 未写入任何数据。")
                    % {"row": row.row, "code": row.code, "error": error}
                ) from error
    return len(checked.to_write)


def import_monthly(user, report, month, uploaded_file):
    """Parse and check an uploaded template (the preview step); raises `ExcelImportError`."""
    workbook = open_workbook_safely(uploaded_file)
    try:
        raw_rows = read_monthly(workbook, report=report, month=month, department=user.department)
    finally:
        workbook.close()
    if not raw_rows:
        raise ExcelImportError(_("模板中没有找到任何填写的行。"))
    return check_monthly(user, report, month, raw_rows)


# ------------------------------------------------------------------------------------------------
# A new report in: the set-up workbook (layout in the module docstring and on its 说明 sheet)
# ------------------------------------------------------------------------------------------------

SETUP_KIND = "county-targets/report"
REPORT_SHEET, SECTION_SHEET, DEPARTMENT_SHEET, INDICATOR_SHEET, HELP_SHEET = (
    "工作报告",
    "板块",
    "责任单位",
    "目标任务",
    "说明",
)
REPORT_KEYS = ("地区", "年度", "标题")
SECTION_HEADERS = ("顺序", "板块名称")
DEPARTMENT_HEADERS = ("代码", "名称", "简称", "顺序")
INDICATOR_HEADERS = (
    "编号",
    "板块",
    "顺序",
    "目标任务",
    "单位",
    "类型",
    "年度目标",
    "基数",
    "牵头单位",
    "配合单位",
    "月度计划",
    "需年终确定",
    "项目库取数规则",
    "报告原文",
)
LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")

SETUP_HELP = [
    "本工作簿用于建立一份政府工作报告的板块、责任单位和目标任务"
    "（manage.py load_report 文件名.xlsx，或在管理后台“政府工作报告”页点击“从Excel导入”）。",
    "表头在每个工作表的第1行，数据从第2行开始；请不要改动表头和工作表名称。",
    "【工作报告】两列：项目、内容；依次填写 地区（如 柳城县）、年度（如 2024）、标题。",
    "【板块】顺序（数字）、板块名称。",
    "【责任单位】代码（拼音缩写，如 fgj，用于账号和填报模板，一经使用不要更改）、"
    "名称（全称）、简称、顺序。"
    "责任单位按代码匹配，各年度的报告共用。",
    "【目标任务】每行一项：编号（报告内唯一，如 PP-01）、板块（须在【板块】中）、"
    "顺序、目标任务、单位、"
    "类型、年度目标、基数（可空）、牵头单位、配合单位、月度计划、需年终确定、项目库取数规则、报告原文。",
    "类型：累计型（全年逐月累加）、存量型（达到的总量）、节点型（完成百分比0–100，年度目标填100）、"
    "控制型（不超过目标，如失业率）、底线型（不低于目标，如增速）。",
    "牵头单位、配合单位填写责任单位的代码或名称；配合单位有多个时用顿号或逗号分隔。",
    "月度计划：留空表示按月平均（m/12）；否则填写12个逐月累计比例（0–1，逐月不减），用逗号分隔，"
    "如 0.1,0.3,0.55,0.75,0.85,0.9,0.92,0.94,0.96,0.98,1,1。",
    "需年终确定：年终才能确定完成情况的填“是”，否则留空。",
    "项目库取数规则：数值由项目库自动计算的指标填写规则名称（见下），否则留空。",
    "规则名称：" + "、".join(str(label) for label in RegisterRule.labels),
    "导入规则：报告按“地区+年度”匹配，板块按名称、责任单位按代码、目标任务按编号匹配；"
    "已存在的更新，不存在的新建，从不删除。同一文件导入两次，第二次不做任何改动。",
    "只要有一处错误，整份文件都不会导入，系统会列出全部问题及其所在的工作表、行和列。",
]


def _plain(value):
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def report_setup_sheets(report=None):
    """The set-up workbook: ``report``'s catalogue, or a blank template when None."""
    sections, departments, indicators = [], [], []
    if report is not None:
        sections = list(report.sections.order_by("order", "id"))
        indicators = list(
            Indicator.objects.for_report(report).prefetch_related("cooperating_departments")
        )
        used = {i.lead_department_id for i in indicators} | {
            d.pk for i in indicators for d in i.cooperating_departments.all()
        }
        departments = list(Department.objects.filter(pk__in=used))
    report_rows = [
        ("地区", report.region if report else ""),
        ("年度", report.year if report else None),
        ("标题", report.title if report else ""),
    ]
    indicator_rows = (
        (
            i.code,
            i.section.name,
            i.order,
            i.name,
            i.unit,
            i.get_kind_display(),
            _plain(i.target),
            _plain(i.baseline),
            i.lead_department.code,
            "、".join(d.code for d in i.cooperating_departments.all()),
            ",".join(_plain(Decimal(str(v))) for v in i.monthly_plan) if i.monthly_plan else "",
            "是" if i.is_year_end_only else "",
            i.get_register_rule_display() if i.register_rule else "",
            i.source_quote,
        )
        for i in indicators
    )
    # Amounts are written as text so a target of 392.73 is read back exactly as typed.
    widths = (9, 14, 6, 26, 7, 8, 11, 9, 10, 14, 24, 10, 18, 40)
    styles = {3: WRAP, 13: WRAP}
    return [
        Sheet(
            HELP_SHEET,
            [Column("说明", 120, WRAP)],
            ((line,) for line in SETUP_HELP),
            autofilter=False,
        ),
        Sheet(REPORT_SHEET, [Column("项目", 10), Column("内容", 40)], iter(report_rows)),
        Sheet(
            SECTION_SHEET,
            [Column(SECTION_HEADERS[0], 8, INTEGER), Column(SECTION_HEADERS[1], 24)],
            ((s.order, s.name) for s in sections),
        ),
        Sheet(
            DEPARTMENT_SHEET,
            [Column(h, w) for h, w in zip(DEPARTMENT_HEADERS, (10, 28, 14, 8), strict=True)],
            ((d.code, d.name, d.short_name, d.order) for d in departments),
        ),
        Sheet(
            INDICATOR_SHEET,
            [
                Column(h, w, styles.get(n, TEXT))
                for n, (h, w) in enumerate(zip(INDICATOR_HEADERS, widths, strict=True))
            ],
            indicator_rows,
        ),
        Sheet(
            META_SHEET,
            [Column("key", 12), Column("value", 30)],
            iter([("kind", SETUP_KIND), ("version", 1)]),
            state="hidden",
            autofilter=False,
            printable=False,
        ),
    ]


def report_setup_bytes(report=None):
    return workbook_bytes(report_setup_sheets(report))


class _SheetReader:
    """Rows of one set-up sheet as dicts by header, collecting problems with their places."""

    def __init__(self, workbook, name, headers, problems):
        self.name, self.headers, self.problems = name, headers, problems
        self.rows = []
        if name not in workbook.sheetnames:
            problems.append(Problem(_("缺少工作表“%(sheet)s”。") % {"sheet": name}))
            return
        rows = workbook[name].iter_rows(max_col=len(headers) + 1)
        header = [cell_text(c.value) for c in next(rows, ())]
        header += [""] * (len(headers) - len(header))
        bad = False
        for index, expected in enumerate(headers):
            if header[index] != expected:
                self.problem(
                    1,
                    index,
                    _("表头应为“%(expected)s”，实际为“%(found)s”。")
                    % {"expected": expected, "found": header[index]},
                )
                bad = True
        if bad:
            return
        for number, cells in enumerate(rows, 2):
            if number > MAX_IMPORT_ROWS:
                self.problem(number, None, _("行数过多。"))
                break
            cells = list(cells)[: len(headers)]
            cells += [None] * (len(headers) - len(cells))
            values = {}
            for index, cell in enumerate(cells):
                if cell is not None and is_formula(cell):
                    self.problem(number, index, _("不接受公式，请直接填写内容。"))
                    values[headers[index]] = ""
                else:
                    values[headers[index]] = cell_text(cell.value if cell is not None else None)
            if any(values.values()):
                self.rows.append((number, values))

    def problem(self, row, index, message):
        column = get_column_letter(index + 1) if index is not None else ""
        header = self.headers[index] if index is not None else ""
        self.problems.append(Problem(str(message), self.name, row, column, header))

    def column(self, header):
        return self.headers.index(header)


def _number(reader, row, header, text, *, required=True):
    if text == "":
        if required:
            reader.problem(row, reader.column(header), _("不能为空。"))
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except ArithmeticError:
        reader.problem(row, reader.column(header), _("“%(text)s”不是数字。") % {"text": text})
        return None
    if not value.is_finite():
        reader.problem(row, reader.column(header), _("“%(text)s”不是数字。") % {"text": text})
        return None
    return value


def _integer(reader, row, header, text, default):
    if text == "":
        return default
    value = _number(reader, row, header, text)
    if value is None:
        return default
    if value != value.to_integral_value() or value < 0:
        reader.problem(row, reader.column(header), _("须为不小于0的整数。"))
        return default
    return int(value)


def _field_errors(reader, row, instance, mapping, exclude):
    """Model field validation (lengths, choices, digits), reported on the sheet's columns."""
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            header = mapping.get(name)
            index = reader.column(header) if header else None
            for message in messages:
                reader.problem(row, index, message)


def _choice(text, choices):
    """The code for a choice given by its label or its code, or None."""
    for code, label in choices:
        if text in (code, str(label)):
            return code
    return None


@dataclass
class ReportPlan:
    """What a set-up workbook would create or change, checked and ready to apply."""

    report: dict
    sections: list  # (order, name)
    departments: list  # dicts of code, name, short_name, order
    indicators: list  # dicts of Indicator fields by name, with section/lead/cooperating names


def read_report_workbook(workbook):
    """Read and check a whole set-up workbook; raises `ExcelImportError` listing every problem."""
    problems = []
    meta = read_meta(workbook)
    if meta and meta.get("kind") not in ("", SETUP_KIND):
        raise ExcelImportError(_("这不是工作报告设置工作簿（可能是月度填报模板）。"))

    # 工作报告
    info = _SheetReader(workbook, REPORT_SHEET, ("项目", "内容"), problems)
    values = {}
    for number, row in info.rows:
        key = row["项目"]
        if key not in REPORT_KEYS:
            info.problem(number, 0, _("应为 地区、年度 或 标题。"))
        values[key] = (number, row["内容"])
    report = {}
    for key, attribute in zip(REPORT_KEYS, ("region", "year", "title"), strict=True):
        number, text = values.get(key, (None, ""))
        if not text and info.name in workbook.sheetnames:
            info.problem(number, 1, _("请填写%(key)s。") % {"key": key})
        report[attribute] = text
    if report["year"]:
        year = _integer(info, values["年度"][0], "内容", report["year"], None)
        report["year"] = year
        if year is not None and not 2000 <= year <= 2100:
            info.problem(values["年度"][0], 1, _("年度须在2000到2100之间。"))
    if all(report.values()):
        _field_errors(info, None, Report(**report), {"region": "内容", "title": "内容"}, ["year"])
    existing = (
        Report.objects.filter(region=report["region"], year=report["year"]).first()
        if report["region"] and isinstance(report["year"], int)
        else None
    )

    # 板块
    sheet = _SheetReader(workbook, SECTION_SHEET, SECTION_HEADERS, problems)
    sections, section_names = [], set()
    for number, row in sheet.rows:
        name = row["板块名称"]
        order = _integer(sheet, number, "顺序", row["顺序"], len(sections) + 1)
        if not name:
            sheet.problem(number, 1, _("板块名称不能为空。"))
            continue
        if name in section_names:
            sheet.problem(number, 1, _("板块“%(name)s”重复。") % {"name": name})
            continue
        _field_errors(
            sheet, number, Section(name=name, order=order), {"name": "板块名称"}, ["report"]
        )
        section_names.add(name)
        sections.append((order, name))

    # 责任单位
    sheet = _SheetReader(workbook, DEPARTMENT_SHEET, DEPARTMENT_HEADERS, problems)
    departments, lookup = [], {}
    stored = {d.code: d for d in Department.objects.all()}
    stored_names = {d.name: d.code for d in stored.values()}
    for department in stored.values():
        for key in (department.code, department.name, department.short_name):
            lookup.setdefault(key, department.code)
    in_file = set()
    for number, row in sheet.rows:
        code, name = row["代码"], row["名称"]
        values = {
            "code": code,
            "name": name,
            "short_name": row["简称"] or name,
            "order": _integer(sheet, number, "顺序", row["顺序"], len(departments) + 1),
        }
        mapping = {"code": "代码", "name": "名称", "short_name": "简称"}
        _field_errors(sheet, number, Department(**values), mapping, ["leader"])
        if code in in_file:
            sheet.problem(number, 0, _("代码“%(code)s”重复。") % {"code": code})
            continue
        if stored_names.get(name, code) != code:
            sheet.problem(
                number,
                1,
                _("名称“%(name)s”已被代码为“%(other)s”的单位使用。")
                % {"name": name, "other": stored_names[name]},
            )
        in_file.add(code)
        departments.append(values)
        for key in (code, name, values["short_name"]):
            lookup[key] = code

    # 目标任务
    sheet = _SheetReader(workbook, INDICATOR_SHEET, INDICATOR_HEADERS, problems)
    indicators, codes = [], {}
    stored_indicators = (
        {i.code: i for i in Indicator.objects.filter(report=existing)} if existing else {}
    )
    for number, row in sheet.rows:
        col = sheet.column
        code = row["编号"]
        if not code:
            sheet.problem(number, col("编号"), _("编号不能为空。"))
        elif code in codes:
            sheet.problem(
                number,
                col("编号"),
                _("编号“%(code)s”重复：第%(first)s行已有。") % {"code": code, "first": codes[code]},
            )
        else:
            codes[code] = number
        if row["板块"] not in section_names:
            sheet.problem(
                number, col("板块"), _("板块“%(name)s”不在“板块”表中。") % {"name": row["板块"]}
            )
        kind = _choice(row["类型"], Kind.choices)
        if kind is None:
            sheet.problem(
                number,
                col("类型"),
                _("类型应为 累计型、存量型、节点型、控制型 或 底线型。"),
            )
        target = _number(sheet, number, "年度目标", row["年度目标"])
        baseline = _number(sheet, number, "基数", row["基数"], required=False)
        lead = lookup.get(row["牵头单位"])
        if lead is None:
            sheet.problem(
                number,
                col("牵头单位"),
                _("牵头单位“%(name)s”不在“责任单位”表中。") % {"name": row["牵头单位"]},
            )
        cooperating = []
        for part in LIST_SEPARATORS.split(row["配合单位"]):
            if not part:
                continue
            if part not in lookup:
                sheet.problem(
                    number,
                    col("配合单位"),
                    _("配合单位“%(name)s”不在“责任单位”表中。") % {"name": part},
                )
            else:
                cooperating.append(lookup[part])
        plan = None
        if row["月度计划"]:
            parts = [p for p in re.split(r"[,，;；\s]+", row["月度计划"]) if p]
            try:
                plan = [float(Decimal(p)) for p in parts]
                validate_plan(plan)
            except (ArithmeticError, ValueError):
                sheet.problem(number, col("月度计划"), _("月度计划须为12个数字。"))
            except ValidationError as error:
                for message in error.messages:
                    sheet.problem(number, col("月度计划"), message)
        year_end_text = row["需年终确定"].strip().lower()
        if year_end_text not in ("", "是", "否", "true", "false", "1", "0", "y", "n"):
            sheet.problem(number, col("需年终确定"), _("请填写“是”或留空。"))
        rule = ""
        if row["项目库取数规则"]:
            rule = _choice(row["项目库取数规则"], RegisterRule.choices)
            if rule is None:
                sheet.problem(
                    number,
                    col("项目库取数规则"),
                    _("未知的取数规则“%(rule)s”，请见“说明”表。") % {"rule": row["项目库取数规则"]},
                )
                rule = ""
        fields = {
            "code": code,
            "order": _integer(sheet, number, "顺序", row["顺序"], len(indicators) + 1),
            "name": row["目标任务"],
            "unit": row["单位"],
            "kind": kind or "",
            "target": target,
            "baseline": baseline,
            "source_quote": row["报告原文"],
            "monthly_plan": plan,
            "is_year_end_only": year_end_text in ("是", "true", "1", "y"),
            "register_rule": rule,
        }
        candidate = stored_indicators.get(code) or Indicator()
        original = {name: getattr(candidate, name) for name in fields}
        for name, value in fields.items():
            setattr(candidate, name, value)
        mapping = {
            "code": "编号",
            "order": "顺序",
            "name": "目标任务",
            "unit": "单位",
            "kind": "类型",
            "target": "年度目标",
            "baseline": "基数",
            "source_quote": "报告原文",
            "monthly_plan": "月度计划",
            "register_rule": "项目库取数规则",
        }
        exclude = ["report", "section", "lead_department"]
        if kind is None:
            exclude.append("kind")
        if target is None:
            exclude.append("target")
        _field_errors(sheet, number, candidate, mapping, exclude)
        if target is not None and kind:
            try:
                candidate.clean()  # ratio targets above 0; a stored target's kind kept
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    for message in messages:
                        sheet.problem(number, col(mapping.get(name, "编号")), message)
        for name, value in original.items():  # leave the stored row untouched until applied
            setattr(candidate, name, value)
        indicators.append(
            {
                **fields,
                "section": row["板块"],
                "lead": lead,
                "cooperating": sorted(set(cooperating)),
            }
        )
    if problems:
        raise ExcelImportError(problems)
    if not indicators:
        raise ExcelImportError(_("“目标任务”表中没有任何目标任务。"))
    return ReportPlan(report, sections, departments, indicators)


@transaction.atomic
def apply_report_plan(plan):
    """Create or update everything in ``plan``; returns counts of created and changed rows."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}

    def upsert(model, lookup, values):
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            instance = model.objects.create(**lookup, **values)
            counts["created"] += 1
            return instance
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
        if changed:
            for name in changed:
                setattr(instance, name, values[name])
            instance.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        return instance

    info = plan.report
    report = upsert(
        Report, {"region": info["region"], "year": info["year"]}, {"title": info["title"]}
    )
    departments = {}
    for values in plan.departments:
        values = dict(values)
        code = values.pop("code")
        departments[code] = upsert(Department, {"code": code}, values)
    missing = {i["lead"] for i in plan.indicators} | {
        c for i in plan.indicators for c in i["cooperating"]
    }
    for department in Department.objects.filter(code__in=missing - departments.keys()):
        departments[department.code] = department
    sections = {
        name: upsert(Section, {"report": report, "name": name}, {"order": order})
        for order, name in plan.sections
    }
    for values in plan.indicators:
        values = dict(values)
        cooperating = [departments[c] for c in values.pop("cooperating")]
        values["section"] = sections[values.pop("section")]
        values["lead_department"] = departments[values.pop("lead")]
        code = values.pop("code")
        before = counts["updated"] + counts["created"]
        indicator = upsert(Indicator, {"report": report, "code": code}, values)
        wanted = {d.pk for d in cooperating}
        if set(indicator.cooperating_departments.values_list("pk", flat=True)) != wanted:
            indicator.cooperating_departments.set(cooperating)
            if counts["updated"] + counts["created"] == before:
                counts["unchanged"] -= 1
                counts["updated"] += 1
    counts["report"] = report
    return counts


def load_report_file(uploaded_file):
    """Check and load a set-up workbook, all or nothing; raises `ExcelImportError`."""
    workbook = open_workbook_safely(uploaded_file)
    try:
        plan = read_report_workbook(workbook)
    finally:
        workbook.close()
    return apply_report_plan(plan)
