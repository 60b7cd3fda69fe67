"""The one write-only writer: sheets as row generators, formatted once per style."""

import datetime
from dataclasses import dataclass, field
from io import BytesIO
from itertools import repeat

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection

from .. import progress
from .words import YI

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
        header_row = 2 if sheet.title else 1
        wrapping = _set_up(ws, sheet, header_row)
        ws._get_writer()
        ws._rows = out = _rows_of(ws)
        next(out)
        cells = [
            _Column(self, ws, index, column.style, column.width)
            for index, column in enumerate(sheet.columns, 1)
        ]
        number = _write_head(out, sheet, cells)
        last_row = _write_rows(out, ws.row_dimensions, sheet, cells, number, wrapping)
        _write_notes(out, sheet, cells[0], last_row)
        _finish(ws, sheet, header_row, last_row)
        return ws


def _set_up(ws, sheet, header_row):
    """Everything above the rows (widths, panes, fit-to-page), which must be set before the
    first row; returns the widths of the columns that wrap, by index (empty unless printable)."""
    columns = sheet.columns
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
    return wrapping


def _write_head(out, sheet, cells):
    """The title (if any) and the header; returns the header's row number."""
    number = 1
    if sheet.title:
        out.send([cells[0].cell(Styled(sheet.title, TITLE), number)])
        number += 1
    headers = (Styled(column.header, HEADER) for column in sheet.columns)
    out.send([cell.cell(header, number) for cell, header in zip(cells, headers, strict=True)])
    return number


def _write_rows(out, dimensions, sheet, cells, number, wrapping):
    """The sheet's rows below row ``number``; returns the last row's number."""
    width = len(cells)
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
    return number


def _write_notes(out, sheet, first, number):
    """The notes below the rows after ``number``, an empty row apart, in the first column."""
    if sheet.notes:
        out.send([])
        number += 1
        total = sum(c.width for c in sheet.columns)
        for note in sheet.notes:
            for line in split_to_width(note, min(total, PRINT_WIDTH) - 4):
                number += 1
                out.send([first.cell(Styled(line, NOTE), number)])


def _finish(ws, sheet, header_row, last_row):
    """What follows the rows in the sheet's XML: filter, protection, validation, printing."""
    if sheet.autofilter:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(sheet.columns))}{last_row}"
    for validation in sheet.validations:
        ws.data_validations.append(validation)
    if sheet.protect:
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # people may widen a column to read it
        ws.protection.formatRows = False
    if sheet.printable:
        _set_up_printing(ws, sheet, header_row)


def _set_up_printing(ws, sheet, header_row):
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
