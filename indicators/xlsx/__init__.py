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

from .reading import (
    FORMULA_REFUSED,
    ExcelImportError,
    Problem,
    SheetReader,
    cell_text,
    command_file,
    field_errors,
    is_formula,
    open_workbook_safely,
    read_choice,
    read_integer,
    read_meta,
    read_number,
    xlsx_response,
)
from .words import (
    MAX_IMPORT_ROWS,
    META_SHEET,
    XLSX_CONTENT_TYPE,
    YES,
    YI,
    find_sheet,
    is_word,
    is_yes,
    listing,
    spellings,
)
from .writing import (
    DECIMAL,
    FORMULA_PREFIXES,
    INPUT,
    INPUT_TEXT,
    INTEGER,
    PERCENT,
    STATUS_PREFIX,
    TEXT,
    WRAP,
    Column,
    Sheet,
    Styled,
    amount,
    row_height,
    workbook_bytes,
    write_workbook,
)

__all__ = [
    "DECIMAL",
    "FORMULA_PREFIXES",
    "FORMULA_REFUSED",
    "INPUT",
    "INPUT_TEXT",
    "INTEGER",
    "MAX_IMPORT_ROWS",
    "META_SHEET",
    "PERCENT",
    "STATUS_PREFIX",
    "TEXT",
    "WRAP",
    "XLSX_CONTENT_TYPE",
    "YES",
    "YI",
    "Column",
    "ExcelImportError",
    "Problem",
    "Sheet",
    "SheetReader",
    "Styled",
    "amount",
    "cell_text",
    "command_file",
    "field_errors",
    "find_sheet",
    "is_formula",
    "is_word",
    "is_yes",
    "listing",
    "open_workbook_safely",
    "read_choice",
    "read_integer",
    "read_meta",
    "read_number",
    "row_height",
    "spellings",
    "workbook_bytes",
    "write_workbook",
    "xlsx_response",
]
