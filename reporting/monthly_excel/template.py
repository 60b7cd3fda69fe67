"""The monthly template out: the rows of the form, yellow where they may change."""

import datetime

from django.utils.translation import gettext as _
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.models import LIMIT_KINDS, Kind
from indicators.progress import month_label, year_month_label
from indicators.xlsx import (
    META_SHEET,
    TEXT,
    WRAP,
    Column,
    Sheet,
    Styled,
    amount,
    workbook_bytes,
)
from projects.models import Stage

from ..rows import PROJECT, TARGET, month_rows
from .layout import (
    HELP_MONTHLY_SHEET,
    MONTHLY_KIND,
    TEMPLATE_VERSION,
    layouts,
)

# --- The template ----------------------------------------------------------------------------


def _shown_cells(row):
    """The read-only cells before a row's inputs."""
    subject, last = row.subject, row.previous
    if row.kind is TARGET:
        return (
            subject.code,
            subject.name,
            subject.unit,
            subject.get_kind_display(),
            amount(subject.target, subject.unit),
            amount(last.value if last else None, subject.unit),
        )
    return (
        subject.code,
        subject.name,
        subject.get_stage_display(),
        amount(subject.planned_investment),
        amount(last.investment_completed if last else None),
    )


def _input_cells(row, layout):
    """The typed-in cells: open (yellow) where the row may change, else shown as it stands."""
    entry = row.entry
    values = []
    for name in layout.fields:
        value = getattr(entry, name, None) if entry is not None else None
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif name == "stage" and value:
            value = str(Stage(value).label)
        style = layout.columns[layout.fields[name]].style
        if not row.is_editable:
            style = TEXT if name == row.kind.form_class.value_field else WRAP
        values.append(Styled(value if value not in (None, "") else None, style))
    return tuple(values)


def _validations(layout, rows, first):
    last = first + len(rows) - 1
    if not rows:
        return []
    if layout.kind is PROJECT:
        stages = DataValidation(
            type="list", formula1='"' + ",".join(str(label) for label in Stage.labels) + '"'
        )
        stages.allow_blank = True
        stages.add(f"{layout.letter('stage')}{first}:{layout.letter('stage')}{last}")
        amount_ok = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        amount_ok.error = _("请填写不小于0的数字（万元，本年累计）。")
        amount_ok.showErrorMessage = True
        column = layout.letter("investment_completed")
        amount_ok.add(f"{column}{first}:{column}{last}")
        return [stages, amount_ok]
    number = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("请填写数值"),
        error=_("请填写不小于0的数字（截至月底的累计值，不是当月增量）。"),
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
    column = layout.letter("value")
    # A floor or a ceiling may read negative: the form checks it, no validation here.
    free = {n for n, row in enumerate(rows, first) if row.subject.kind in LIMIT_KINDS}
    limited = {
        number_row
        for number_row, row in enumerate(rows, first)
        if number_row not in free
        and (row.subject.kind == Kind.MILESTONE or row.subject.unit.strip() in ("%", "％"))
    }
    # Whole runs of rows at once: adding cell by cell costs a scan of the cells added so far.
    number.sqref = MultiCellRange(
        _runs(column, (n for n in range(first, last + 1) if n not in limited and n not in free))
    )
    percent.sqref = MultiCellRange(_runs(column, sorted(limited)))
    return [v for v in (number, percent) if v.sqref]


def _runs(column, numbers):
    """ "G3:G9 G12" for rows 3-9 and 12 of column G (``numbers`` ascending)."""
    ranges, start, end = [], None, None
    for number in numbers:
        if start is not None and number == end + 1:
            end = number
            continue
        if start is not None:
            ranges.append(f"{column}{start}:{column}{end}" if end > start else f"{column}{start}")
        start = end = number
    if start is not None:
        ranges.append(f"{column}{start}:{column}{end}" if end > start else f"{column}{start}")
    return " ".join(ranges)


def monthly_template_sheets(user, report, month):
    """The template a reporter fills for ``month``: their department's rows of the month."""
    department = user.department
    month_of = month_rows(user, report, month)
    return [
        *_entry_sheets(report, month, department, month_of),
        _help_sheet(month),
        _meta_sheet(report, month, department),
    ]


def _entry_sheets(report, month, department, month_of):
    """A sheet of targets and one of projects (left out when the department has none)."""
    sheets = []
    for layout, rows in zip(layouts(), (month_of.targets, month_of.projects), strict=True):
        rows = [row for row in rows if row.subject.is_reportable]
        if layout.kind is PROJECT and not rows:
            continue
        sheets.append(
            Sheet(
                _(layout.sheet),
                list(layout.columns),
                [(*_shown_cells(row), *_input_cells(row, layout)) for row in rows],
                title=_entry_title(report, month, department, layout),
                protect=True,
                validations=_validations(layout, rows, 3),
                autofilter=False,
            )
        )
    return sheets


def _entry_title(report, month, department, layout):
    return _(
        "%(region)s%(year_month)s%(what)s — %(department)s"
        "（只填黄色单元格；请勿改动表头、编号和行列结构）"
    ) % {
        "region": report.region.name,
        "year_month": year_month_label(report.year, month),
        "what": _("目标任务进展填报") if layout.kind is TARGET else _("项目进展填报"),
        "department": department.name,
    }


def _help_sheet(month):
    help_lines = [
        _(
            "“截至本月底累计”填写截至%(month)s底的累计值，不是当月增量；节点型目标填写完成百分比"
            "（0–100）。项目填写本年1月至%(month)s底累计完成投资（万元）。"
        )
        % {"month": month_label(month)},
        _(
            "系统会核对数值是否合理：累计值低于以前月份已审核值、本月增幅远超以往、超过年度目标"
            "（项目为本年计划投资）数倍、小数位多于单位允许等。有校验提示的行，请在最后一列"
            "“说明”中写明原因，否则不能报送；预览中会列出每行的提示。"
        ),
        _("项目开工或竣工时，在“项目阶段”中选择新阶段，并填写开工/竣工日期（如 2023-05-10）。"),
        _("空着的行不会导入。上传后系统会先显示预览，确认无误后一次性报送。"),
    ]
    return Sheet(
        _(HELP_MONTHLY_SHEET),
        [Column(_("填报说明"), 110, WRAP)],
        ((line,) for line in help_lines),
        autofilter=False,
    )


def _meta_sheet(report, month, department):
    """The hidden sheet that tells the import whose template, for which month, this is."""
    meta = [
        ("kind", MONTHLY_KIND),
        ("version", TEMPLATE_VERSION),
        ("region", report.region.name),
        ("year", report.year),
        ("month", month),
        ("department", department.code),
    ]
    return Sheet(
        META_SHEET,
        [Column("key", 12), Column("value", 30)],
        iter(meta),
        state="veryHidden",
        autofilter=False,
        printable=False,
    )


def monthly_template_bytes(user, report, month):
    return workbook_bytes(monthly_template_sheets(user, report, month), lock_structure=True)


def template_filename(report, month, department):
    return _("%(region)s%(year_month)s填报模板（%(department)s）.xlsx") % {
        "region": report.region,
        "year_month": year_month_label(report.year, month),
        "department": department.short_name,
    }
