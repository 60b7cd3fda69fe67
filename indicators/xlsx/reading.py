"""Untrusted workbooks in: guarded opening, reading sheets by header, problems with their places."""

import datetime
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from .. import numbers
from .words import MAX_IMPORT_ROWS, META_SHEET, XLSX_CONTENT_TYPE, find_sheet, is_word, listing

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
