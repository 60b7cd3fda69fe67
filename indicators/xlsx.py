"""Workbooks in and out, whatever they hold: the one write-only writer, and the guarded reading
of untrusted uploads. The summary (``reporting.summary``), the monthly template and import
(``reporting.monthly_excel``), the report set-up (``indicators.setup``), the register
(``projects.excel``) and the users workbook all build on these.

Out (STYLE.md, after pretix's ``ListExporter``): each sheet is a `Sheet` whose ``rows`` is a
generator of plain values; `write_workbook` is the one openpyxl *write-only* writer that formats
them, so memory stays flat however long a sheet grows. A value that needs a format of its own
is wrapped in `Styled` (a status word with its colour, an amount, a percentage).

In: every uploaded file goes through `open_workbook_safely` first (size limit, real .xlsx only,
declared uncompressed size checked before openpyxl parses anything, read-only, formulas never
evaluated); `SheetReader` reads one sheet's rows by header, recording each `Problem` with its
sheet, row and column, so a file is refused whole with every problem listed.

Languages: sheet names, headers and the fixed words in cells (是, choice labels such as 累计型)
are written in the language of the person downloading, and read in any language the site offers
(`spellings`), so a template downloaded in English imports under a Chinese session and the other
way round. The code names them by their Chinese msgid, which is also the key of every row read.
"""

import datetime
import functools
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from itertools import repeat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.http import HttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from . import numbers, progress

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
META_SHEET = "_meta"
MAX_IMPORT_ROWS = 20000
YES = "是"  # a msgid: what a template asks for in a confirmation cell
YES_WORDS = ("yes", "y", "true", "1", "√", "✓")
YI = "亿元"

# ------------------------------------------------------------------------------------------------
# Words in every language
# ------------------------------------------------------------------------------------------------


def normalise(text):
    """A cell's text as words are compared: spaces collapsed, case ignored."""
    return " ".join(str(text).split()).casefold()


def _in_every_language(label):
    names = {normalise(label)} if isinstance(label, str) else set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(normalise(_(label) if isinstance(label, str) else label))
    return frozenset(names)


@functools.cache
def _cached_spellings(msgid):
    return _in_every_language(msgid)


def spellings(label):
    """Every way ``label`` may be written in a workbook, normalised: a msgid (the Chinese word)
    and its translation in each of settings.LANGUAGES; for a lazy label (a model choice), its
    text in each language."""
    if isinstance(label, str):
        return _cached_spellings(label)
    return _in_every_language(label)


def is_word(text, label):
    """Whether a cell's ``text`` is ``label`` in any of the site's languages."""
    return normalise(text) in spellings(label)


def is_yes(text):
    """A confirmation cell: 是 or yes in any language, or one of the usual marks."""
    return is_word(text, YES) or normalise(text) in YES_WORDS


def find_sheet(workbook, name):
    """The name the workbook gives the sheet called ``name`` (a msgid) in some language, or
    None."""
    wanted = spellings(name)
    return next((n for n in workbook.sheetnames if normalise(n) in wanted), None)


def listing(items):
    """Items in a sentence: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    return pgettext("between the items of a list", "、").join(str(item) for item in items)


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
for _status, _colour in progress.STATUS_COLOURS.items():
    _STYLE_SPECS[STATUS_PREFIX + _status] = {
        "fill": PatternFill("solid", fgColor=_colour.lstrip("#").upper()),
        "font": Font(color="FFFFFF", bold=True),
        "alignment": Alignment(horizontal="center"),
    }

# Styles written even on an empty cell: the template's input cells must be unlocked and marked.
KEEP_EMPTY = (INPUT, INPUT_TEXT)

DATE_TYPES = (datetime.date, datetime.time, datetime.timedelta)

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
    footer: str = ""  # printed at the foot's left (the as-of month), beside 第N页 共M页


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


# Printing (A4 landscape, one page wide): the sheets are laid out to fit at full size, so text
# prints at the font's own size (11 pt) and never shrinks below 9 pt; long text wraps inside its
# cell, and each row is made tall enough for its longest wrapped cell (Excel does not grow rows
# by itself, and LibreOffice keeps a height it is given).
PRINT_WIDTH = 140  # Excel width units across A4 landscape inside 1 cm margins at 100 %
LINE_POINTS = 15.5  # one 11 pt line with CJK glyphs, with LibreOffice's and Excel's leading
PAGE_FOOTER = gettext_noop("第&P页 共&N页")  # &P: this page, &N: the number of pages


def wrapped_lines(text, width):
    """How many lines ``text`` takes in a wrapping cell ``width`` units wide."""
    usable = max(width - 1.5, 1)
    return sum(max(1, -(-display_width(part) // usable)) for part in str(text).split("\n"))


def row_height(values, widths):
    """The height (points) a row needs for its wrapping cells: {index: width} in ``widths``."""
    lines = 1
    for index, width in widths.items():
        value = values[index]
        if isinstance(value, Styled):
            value = value.value
        if isinstance(value, str) and value:
            lines = max(lines, wrapped_lines(value, width))
    return None if lines == 1 else lines * LINE_POINTS + 2


def split_to_width(text, width):
    """A long note as lines that each fit ``width`` units, so a printout never cuts it."""
    lines, line = [], ""
    for char in text:
        if display_width(line + char) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def display_width(text):
    """Roughly how many Excel width units a text needs: a Chinese character takes two.

    Counted from the UTF-8 length (CJK characters take three bytes, ASCII one), which is
    exact for those two and cheap enough to ask of every cell."""
    text = str(text)
    return len(text) + (len(text.encode()) - len(text)) // 2


class _SheetCell(Cell):
    """A write-only cell reused down a column with a fixed style: whether it is styled and its
    style's index in the workbook, which openpyxl would work out again for every cell written,
    are worked out once."""

    __slots__ = ("has_style", "style_id")


class _Column:
    """One column's cells for a whole sheet: a plain one and one per style, made once and reused
    row after row (each row is serialised before the next is filled), so writing a row costs
    setting values, not building cells."""

    __slots__ = ("index", "plain", "style", "styled", "width", "worksheet", "writer")

    def __init__(self, writer, worksheet, index, style, width):
        self.writer, self.worksheet = writer, worksheet
        self.index, self.style, self.width = index, style, width
        self.plain = self._cell(None)
        self.styled = {}

    def _cell(self, style):
        cell = _SheetCell(self.worksheet, row=1, column=self.index)
        if style is not None:
            cell._style = StyleArray(self.writer.style_array(self.worksheet, style))
        cell.has_style = cell._style is not None and any(cell._style)
        if cell.has_style:
            cell.style_id = self.worksheet.parent._cell_styles.add(cell._style)
        return cell

    def _fresh(self, value, style, row):
        """A cell of its own for a date or time, to which openpyxl gives a number format."""
        array = None if style == TEXT else self.writer.style_array(self.worksheet, style)
        return Cell(self.worksheet, row=row, column=self.index, value=value, style_array=array)

    def cell(self, value, row):
        """The cell for ``value`` in row ``row``, or None for nothing to write. A style is only
        given where it changes what the reader sees (a styled cell is ~2x a plain one)."""
        style = self.style
        if type(value) is Styled:
            value, style = value.value, value.style
        if value is None:
            if style not in KEEP_EMPTY:
                return None
            cell = self._styled(style)
            cell._value = None
            cell.row = row
            return cell
        if type(value) is str:
            value = clean_text(value)
            if style == TEXT or (
                style == WRAP
                and "\n" not in value
                and (len(value) * 2 <= self.width or display_width(value) <= self.width)
            ):
                if not value.startswith(FORMULA_PREFIXES):
                    cell = self.plain
                    cell.value = value
                    cell.row = row
                    return cell
                style = TEXT
            cell = self._styled(style) if style != TEXT else self.plain
            cell.value = value
            # openpyxl stores a string beginning with "=" as a formula: user text never is one.
            cell.data_type = "s"
            cell.row = row
            return cell
        if isinstance(value, DATE_TYPES):
            return self._fresh(value, style, row)
        if style == TEXT or (style == INTEGER and -1000 < value < 1000):
            cell = self.plain
            cell.value = value
        else:
            cell = self._styled(style)
            cell.value = value
        cell.row = row
        return cell

    def _styled(self, style):
        cell = self.styled.get(style)
        if cell is None:
            cell = self.styled[style] = self._cell(style)
        return cell


class _Heights:
    """`row_height` for row after row of one sheet: short single-line text needs one line
    without measuring it, and each height's row attributes are made once."""

    def __init__(self, wrapping):
        self.wrapping = [(index, width, max(width - 1.5, 1)) for index, width in wrapping.items()]
        self.made = {}

    def attributes(self, values):
        lines = 1
        for index, width, usable in self.wrapping:
            value = values[index]
            if type(value) is Styled:
                value = value.value
            if not isinstance(value, str) or not value:
                continue
            if len(value) * 2 <= usable and "\n" not in value:
                continue  # one line, whatever its characters
            lines = max(lines, wrapped_lines(value, width))
        if lines == 1:
            return None
        made = self.made.get(lines)
        if made is None:
            height = lines * LINE_POINTS + 2  # as row_height says
            made = self.made[lines] = {"ht": safe_string(height), "customHeight": "1"}
        return made


def _rows_of(ws):
    """What ``ws.append`` runs for a write-only sheet, taking ready cells instead of values:
    each row list is serialised as it is sent (openpyxl 3.1's own protocol, pinned)."""
    writer = ws._writer
    xf = writer.xf.send(True)
    with xf.element("sheetData"):
        row = 1
        try:
            while True:
                cells = yield
                writer.write_row(xf, cells, row)
                row += 1
        except GeneratorExit:
            pass
    writer.xf.send(None)


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
        wrapping = {}
        if sheet.printable:
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            wrapping = {i: c.width for i, c in enumerate(columns) if c.style == WRAP}
            # The header wraps in its cell: tall enough that it never runs into the title or
            # the first row.
            headers = [c.header for c in columns]
            ws.row_dimensions[header_row].height = row_height(
                headers, {i: c.width for i, c in enumerate(columns)}
            )
            if sheet.title:
                ws.row_dimensions[1].height = 22
        ws._get_writer()
        ws._rows = out = _rows_of(ws)
        next(out)
        cells = [
            _Column(self, ws, index, column.style, column.width)
            for index, column in enumerate(columns, 1)
        ]
        first = cells[0]
        number = 1
        if sheet.title:
            out.send([first.cell(Styled(sheet.title, TITLE), number)])
            number += 1
        headers = (Styled(column.header, HEADER) for column in columns)
        out.send([cell.cell(header, number) for cell, header in zip(cells, headers, strict=True)])
        width = len(cells)
        dimensions = ws.row_dimensions
        heights = _Heights(wrapping)
        for row in sheet.rows:
            number += 1
            if len(row) != width:
                raise ValueError(f"{sheet.name}: a row of {len(row)} values for {width} columns")
            height = heights.attributes(row) if wrapping else None
            if height:
                # The row's height as the row writer reads it (what a RowDimension holds), set
                # just for this row: a RowDimension a row would cost more than the row and grow
                # memory with the sheet.
                dimensions[number] = height
            out.send(
                [
                    cell
                    for cell in map(_Column.cell, cells, row, repeat(number, width))
                    if cell is not None
                ]
            )
            if height:
                del dimensions[number]
        last_row = number
        if sheet.notes:
            out.send([])
            number += 1
            total = sum(c.width for c in columns)
            for note in sheet.notes:
                for line in split_to_width(note, min(total, PRINT_WIDTH) - 4):
                    number += 1
                    out.send([first.cell(Styled(line, NOTE), number)])
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
            ws.oddFooter.center.text = _(PAGE_FOOTER)
            ws.oddFooter.center.size = 10
            if sheet.footer:
                ws.oddFooter.left.text = sheet.footer
                ws.oddFooter.left.size = 10
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
        # Each part carries its own separator in a language that needs one (", row 3"); the
        # leading one is dropped.
        parts = []
        if self.sheet:
            parts.append(_("工作表“%(sheet)s”") % {"sheet": self.sheet})
        if self.row:
            parts.append(_("第%(row)s行") % {"row": self.row})
        if self.column:
            parts.append(_("%(column)s列") % {"column": self.column})
            if self.header:
                parts.append(_("（%(header)s）") % {"header": self.header})
        place = "".join(parts).lstrip(", ")
        return place[:1].upper() + place[1:]

    def __str__(self):
        place = self.place
        if not place:
            return str(self.message)
        return _("%(place)s：%(message)s") % {"place": place, "message": self.message}


class ExcelImportError(Exception):
    """A workbook refused whole; ``problems`` lists every reason found, each once."""

    def __init__(self, problems):
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
        self.problems = list(dict.fromkeys(problems))
        super().__init__("; ".join(str(p) for p in self.problems))


def xlsx_response(data, filename):
    """A workbook as a download named ``filename`` (Chinese names included)."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@contextmanager
def command_file(path):
    """A workbook named on a management command's line, opened for reading: a missing file or a
    refused workbook becomes one CommandError listing every problem."""
    try:
        with open(path, "rb") as file:
            yield file
    except FileNotFoundError as error:
        raise CommandError(f"No such file: {path}") from error
    except ExcelImportError as error:
        lines = "\n".join(f"  - {problem}" for problem in error.problems)
        raise CommandError(
            f"{path} was not loaded ({len(error.problems)} problems):\n{lines}"
        ) from error


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


FORMULA_REFUSED = gettext_lazy("不接受公式，请直接填写数值（可复制后“选择性粘贴—数值”）。")


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
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()  # a date typed into a cell: Excel stores it at midnight
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value).strip()


def read_meta(workbook):
    if META_SHEET not in workbook.sheetnames:
        return {}
    meta = {}
    for row in workbook[META_SHEET].iter_rows(max_col=2, max_row=50, values_only=True):
        if row and row[0] is not None:
            meta[str(row[0])] = cell_text(row[1]) if len(row) > 1 else ""
    return meta


class SheetReader:
    """Rows of one sheet as dicts by header, collecting problems with their places.

    ``name`` and ``headers`` are msgids: the sheet and its columns are found by their name in
    any of the site's languages (`spellings`), columns in any order, and each row is a dict keyed
    by the msgids. ``optional`` headers may be missing (a workbook made before they existed still
    loads). A sheet whose header lacks a required column or has one it does not know is one
    problem for that sheet, and its rows are not read; the caller goes on with the other sheets,
    so every sheet's problems are listed at once. Problems name sheets and columns in the
    language of the page that lists them.
    """

    def __init__(self, workbook, name, headers, problems, optional=()):
        self.name, self.problems = _(name), problems
        self.headers = tuple(headers) + tuple(optional)
        self.rows = []
        self.is_read = False
        self.positions = {}
        found_name = find_sheet(workbook, name)
        if found_name is None:
            problems.append(Problem(_("缺少工作表“%(sheet)s”。") % {"sheet": self.name}))
            return
        rows = workbook[found_name].iter_rows(max_col=len(self.headers) + 20)
        found = [cell_text(c.value) for c in next(rows, ())]
        while found and not found[-1]:
            found.pop()
        unknown = []
        for index, text in enumerate(found):
            header = next((h for h in self.headers if is_word(text, h)), None) if text else None
            if header is not None:
                self.positions[header] = index
            elif text:
                unknown.append(text)
        missing = [_(h) for h in headers if h not in self.positions]
        if missing or unknown or "" in found:
            parts = []
            if missing:
                parts.append(_("缺少列：%(names)s") % {"names": listing(missing)})
            if unknown:
                parts.append(_("无法识别的列：%(names)s") % {"names": listing(unknown)})
            if "" in found:
                parts.append(_("有的列没有表头"))
            problems.append(
                Problem(
                    _("表头有误（%(parts)s），本表未读取。请使用模板中的列名：%(expected)s。")
                    % {
                        "parts": pgettext("between the clauses of a sentence", "；").join(parts),
                        "expected": listing(_(h) for h in headers),
                    },
                    self.name,
                    1,
                )
            )
            return
        self.is_read = True
        for number, cells in enumerate(rows, 2):
            if number > MAX_IMPORT_ROWS:
                self.problem(number, None, _("行数过多。"))
                break
            cells = list(cells)
            values = dict.fromkeys(self.headers, "")
            for header, index in self.positions.items():
                cell = cells[index] if index < len(cells) else None
                if cell is not None and is_formula(cell):
                    self.problem(number, header, _("不接受公式，请直接填写内容。"))
                else:
                    values[header] = cell_text(cell.value if cell is not None else None)
            if any(values.values()):
                self.rows.append((number, values))

    def problem(self, row, where, message):
        """Record ``message`` at ``row`` and the column ``where`` names: a header (msgid), or the
        index of one among the sheet's headers (None: the whole row)."""
        header = self.headers[where] if isinstance(where, int) else (where or "")
        index = self.positions.get(header)
        column = get_column_letter(index + 1) if index is not None else ""
        shown = _(header) if header else ""
        self.problems.append(Problem(str(message), self.name, row, column, shown))


def read_number(reader, row, header, text, *, required=True):
    """The number in a cell (read by ``numbers.parse``, as the forms read it), or None with the
    problem recorded on the reader."""
    try:
        value = numbers.parse(text)
    except ValueError as error:
        reader.problem(row, header, _("“%(text)s”：%(error)s") % {"text": text, "error": error})
        return None
    if value is None and required:
        reader.problem(row, header, _("不能为空。"))
    return value


def read_integer(reader, row, header, text, default):
    if text == "":
        return default
    value = read_number(reader, row, header, text)
    if value is None:
        return default
    if value != value.to_integral_value() or value < 0:
        reader.problem(row, header, _("须为不小于0的整数。"))
        return default
    return int(value)


def field_errors(reader, row, instance, mapping, exclude):
    """Model field validation (lengths, choices, digits), reported on the sheet's columns."""
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            header = mapping.get(name)
            index = header if header else None
            for message in messages:
                reader.problem(row, index, message)


def read_choice(text, choices):
    """The code for a choice given by its code or its label in any of the site's languages, or
    None."""
    for code, label in choices:
        if text == code or is_word(text, label):
            return code
    return None
