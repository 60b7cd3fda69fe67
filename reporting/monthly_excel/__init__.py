"""A department's month in Excel: the template a reporter downloads, and its import.

The template holds the rows of the monthly form (``reporting.rows``): the department's targets
on one sheet, its projects on another, with the yellow cells open where the row may change and
everything else locked. The import runs parse -> validate every row -> show -> commit: each row
is checked by the same form the web page builds for it, and written by the workflow gate in one
transaction, all rows or none.

The template is written in the language of the reporter who downloads it, and read in any of the
site's languages: sheets and headers are compared with their msgids' `spellings`, so a template
downloaded in English imports under a Chinese session and the other way round.

``layout``: the sheets and their columns; ``template``: the workbook out; ``importing``: in.
"""

from .importing import MonthlyImport, check_monthly, commit_monthly, import_monthly, read_monthly
from .layout import (
    HELP_MONTHLY_SHEET,
    MONTHLY_KIND,
    MONTHLY_SHEET,
    PROJECT_SHEET,
    layouts,
    project_layout,
    target_layout,
)
from .template import monthly_template_bytes, monthly_template_sheets, template_filename

__all__ = [
    "HELP_MONTHLY_SHEET",
    "MONTHLY_KIND",
    "MONTHLY_SHEET",
    "PROJECT_SHEET",
    "MonthlyImport",
    "check_monthly",
    "commit_monthly",
    "import_monthly",
    "layouts",
    "monthly_template_bytes",
    "monthly_template_sheets",
    "project_layout",
    "read_monthly",
    "target_layout",
    "template_filename",
]
