"""A department's month in Excel: the template a reporter downloads, and its import.

The template holds the rows of the monthly form (``reporting.rows``): the department's targets
on one sheet, its projects on another, with the yellow cells open where the row may change and
everything else locked. The import runs parse -> validate every row -> show -> commit: each row
is checked by the same form the web page builds for it, and written by the workflow gate in one
transaction, all rows or none.

The template is written in the language of the reporter who downloads it, and read in any of the
site's languages: sheets and headers are compared with their msgids' `spellings`, so a template
downloaded in English imports under a Chinese session and the other way round.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation

from indicators import workflow
from indicators.models import LIMIT_KINDS, Department, Indicator, Kind
from indicators.xlsx import (
    FORMULA_REFUSED,
    INPUT,
    INPUT_TEXT,
    MAX_IMPORT_ROWS,
    META_SHEET,
    TEXT,
    WRAP,
    YES,
    Column,
    ExcelImportError,
    Problem,
    Sheet,
    Styled,
    amount,
    cell_text,
    find_sheet,
    is_formula,
    is_word,
    is_yes,
    open_workbook_safely,
    read_choice,
    read_meta,
    workbook_bytes,
)
from projects.models import Project, Stage

from .rows import PROJECT, TARGET, month_rows

MONTHLY_KIND = "county-targets/monthly"
MONTHLY_SHEET = gettext_noop("月度填报")
PROJECT_SHEET = gettext_noop("项目进展")
HELP_MONTHLY_SHEET = gettext_noop("填报说明")


@dataclass(frozen=True)
class Layout:
    """How one kind of row sits in its sheet: the columns, and where each form field is.

    ``sheet`` and ``keys`` (one a column) are msgids; ``columns`` carry the headers as written
    in the active language."""

    kind: object  # reporting.rows.RowKind
    sheet: str
    keys: tuple
    columns: tuple
    fields: dict  # form field -> 0-based column index (the typed-in cells)

    def header(self, name):
        return self.columns[self.fields[name]].header

    def letter(self, name):
        return get_column_letter(self.fields[name] + 1)


def _layout(kind, sheet, specs, fields):
    keys = tuple(key for key, *_rest in specs)
    return Layout(kind, sheet, keys, tuple(Column(_(key), *rest) for key, *rest in specs), fields)


def target_layout():
    return _layout(
        TARGET,
        MONTHLY_SHEET,
        (
            (gettext_noop("编号"), 9),
            (gettext_noop("目标任务"), 26, WRAP),
            (gettext_noop("单位"), 6),
            (gettext_noop("类型"), 7),
            (gettext_noop("年度目标"), 11),
            (gettext_noop("最近已审核累计值"), 12),
            (gettext_noop("截至本月底累计（填写）"), 14, INPUT),
            (gettext_noop("进展情况（填写）"), 34, INPUT_TEXT),
            (gettext_noop("存在问题（填写）"), 30, INPUT_TEXT),
            (gettext_noop("确认数值无误（填“是”）"), 12, INPUT),
        ),
        {"value": 6, "note": 7, "problems": 8, "confirm": 9},
    )


def project_layout():
    return _layout(
        PROJECT,
        PROJECT_SHEET,
        (
            (gettext_noop("项目编号"), 13),
            (gettext_noop("项目名称"), 26, WRAP),
            (gettext_noop("目前阶段"), 10),
            (gettext_noop("本年计划投资（万元）"), 12),
            (gettext_noop("最近已审核（万元）"), 12),
            (gettext_noop("本年累计完成投资（万元，填写）"), 14, INPUT),
            (gettext_noop("项目阶段（有变化时填写）"), 12, INPUT),
            (gettext_noop("开工/竣工日期（填写）"), 12, INPUT_TEXT),
            (gettext_noop("形象进度（填写）"), 30, INPUT_TEXT),
            (gettext_noop("存在问题（填写）"), 26, INPUT_TEXT),
            (gettext_noop("确认数值无误（填“是”）"), 12, INPUT),
        ),
        {
            "investment_completed": 5,
            "stage": 6,
            "stage_date": 7,
            "physical_progress": 8,
            "problems": 9,
            "confirm": 10,
        },
    )


def layouts():
    return (target_layout(), project_layout())


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
        value = getattr(entry, name, None) if entry is not None and name != "confirm" else None
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif name == "stage" and value:
            value = str(Stage(value).label)
        style = layout.columns[layout.fields[name]].style
        if not row.is_editable:
            style = TEXT if name in ("confirm", row.kind.form_class.value_field) else WRAP
        values.append(Styled(value if value not in (None, "") else None, style))
    return tuple(values)


def _validations(layout, rows, first):
    last = first + len(rows) - 1
    if not rows:
        return []
    yes = DataValidation(type="list", formula1=f'"{_(YES)}"', allow_blank=True)
    yes.add(f"{layout.letter('confirm')}{first}:{layout.letter('confirm')}{last}")
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
        return [yes, stages, amount_ok]
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
    return [v for v in (number, percent, yes) if v.sqref]


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
    sheets = []
    for layout, rows in zip(layouts(), (month_of.targets, month_of.projects), strict=True):
        rows = [row for row in rows if row.subject.is_reportable]
        if layout.kind is PROJECT and not rows:
            continue
        title = _(
            "%(region)s%(year)s年%(month)s月%(what)s — %(department)s"
            "（只填黄色单元格；请勿改动表头、编号和行列结构）"
        ) % {
            "region": report.region.name,
            "year": report.year,
            "month": month,
            "what": _("目标任务进展填报") if layout.kind is TARGET else _("项目进展填报"),
            "department": department.name,
        }
        sheets.append(
            Sheet(
                _(layout.sheet),
                list(layout.columns),
                [(*_shown_cells(row), *_input_cells(row, layout)) for row in rows],
                title=title,
                protect=True,
                validations=_validations(layout, rows, 3),
                autofilter=False,
            )
        )
    help_lines = [
        _(
            "“截至本月底累计”填写截至%(month)s月底的累计值，不是当月增量；节点型目标填写完成百分比"
            "（0–100）。项目填写本年1月至%(month)s月底累计完成投资（万元）。"
        )
        % {"month": month},
        _(
            "累计值低于以前月份已审核值时，请在“进展情况”（项目为“形象进度”）中说明原因，并在最后一列"
            "填“是”确认；超过年度目标（项目为本年计划投资）3倍时，也请填“是”确认。"
        ),
        _("项目开工或竣工时，在“项目阶段”中选择新阶段，并填写开工/竣工日期（如 2023-05-10）。"),
        _("空着的行不会导入。上传后系统会先显示预览，确认无误后一次性报送。"),
    ]
    meta = [
        ("kind", MONTHLY_KIND),
        ("version", 2),
        ("region", report.region.name),
        ("year", report.year),
        ("month", month),
        ("department", department.code),
    ]
    return [
        *sheets,
        Sheet(
            _(HELP_MONTHLY_SHEET),
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


def monthly_template_bytes(user, report, month):
    return workbook_bytes(monthly_template_sheets(user, report, month), lock_structure=True)


def template_filename(report, month, department):
    return _("%(region)s%(year)s年%(month)s月填报模板（%(department)s）.xlsx") % {
        "region": report.region,
        "year": report.year,
        "month": month,
        "department": department.short_name,
    }


# --- Reading a filled template ---------------------------------------------------------------


def _check_meta(workbook, report, month, department):
    meta = read_meta(workbook)
    if meta.get("kind") != MONTHLY_KIND or find_sheet(workbook, MONTHLY_SHEET) is None:
        raise ExcelImportError(
            _("这不是本系统下载的月度填报模板。请在“Excel导入”页下载本月模板，填写后再上传。")
        )
    problems = []
    if meta.get("region") != report.region.name or meta.get("year") != str(report.year):
        problems.append(
            _("这是%(region)s%(year)s年的模板，不是%(this_region)s%(this_year)s年的。")
            % {
                "region": meta.get("region", "?"),
                "year": meta.get("year", "?"),
                "this_region": report.region.name,
                "this_year": report.year,
            }
        )
    if meta.get("month") != str(month):
        problems.append(
            _("这是%(other)s月的模板，不能导入为%(month)s月的数据。请下载%(month)s月的模板。")
            % {"other": meta.get("month", "?"), "month": month}
        )
    if meta.get("department") != department.code:
        other = Department.objects.filter(
            region=report.region_id, code=meta.get("department")
        ).first()
        problems.append(
            _("这是%(other)s的模板，不能由%(department)s导入。")
            % {
                "other": other.name if other else meta.get("department", "?"),
                "department": department.name,
            }
        )
    if problems:
        raise ExcelImportError(problems)


def _read_sheet(workbook, layout):
    """The filled rows of one sheet as plain dicts (``row``, ``kind``, ``code``, each field's
    text, ``errors``); the header checked against the template's."""
    columns = layout.columns
    sheet = _(layout.sheet)
    rows = workbook[find_sheet(workbook, layout.sheet)].iter_rows(
        min_row=1, max_col=len(columns) + 1
    )
    next(rows, None)  # the title line
    found = [cell_text(cell.value) for cell in next(rows, ())]
    found += [""] * (len(columns) + 1 - len(found))
    problems = [
        Problem(
            _("表头应为“%(expected)s”，实际为“%(found)s”。请使用未经改动的模板。")
            % {"expected": column.header, "found": found[index]},
            sheet,
            2,
            get_column_letter(index + 1),
        )
        for index, column in enumerate(columns)
        if not is_word(found[index], layout.keys[index])
    ]
    if found[len(columns)]:
        problems.append(
            Problem(
                _("模板多出了一列“%(found)s”。请使用未经改动的模板。")
                % {"found": found[len(columns)]},
                sheet,
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
        row = {"row": number, "kind": layout.kind.key, "errors": []}
        for name, index in (("code", 0), *layout.fields.items()):
            cell = cells[index]
            if cell is not None and is_formula(cell):
                row["errors"].append(
                    (get_column_letter(index + 1), columns[index].header, str(FORMULA_REFUSED))
                )
                row[name] = ""
            else:
                row[name] = cell_text(cell.value if cell is not None else None)
        parsed.append(row)
    return parsed


def read_monthly(workbook, *, report, month, department):
    """Every filled row of both sheets of a monthly template, as plain dicts; the file refused
    if it is not the template of this report, month and department, or its header changed."""
    _check_meta(workbook, report, month, department)
    rows = []
    for layout in layouts():
        if find_sheet(workbook, layout.sheet) is not None:
            rows += _read_sheet(workbook, layout)
    return rows


# --- Checking and writing ---------------------------------------------------------------------


@dataclass
class RowResult:
    """One row of an import, checked: what it would write, or why it cannot."""

    row: int
    code: str
    sheet: str
    subject: object = None
    entry: object = None
    previous: object = None
    form: object = None
    errors: list = field(default_factory=list)
    skipped: bool = False
    raw: dict = field(default_factory=dict)

    def _number(self, entry):
        return entry.number if entry is not None else None

    @property
    def old_value(self):
        return self._number(self.entry)

    @property
    def last_value(self):
        return self._number(self.previous)

    @property
    def new_value(self):
        if self.form is not None and not self.errors:
            return self.form.cleaned_data.get(self.form.value_field)
        return None


@dataclass
class MonthlyImport:
    report: object
    month: int
    department: object
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
        """What the confirm step needs, as plain JSON for the session: the rows as read and the
        version of each row the preview showed."""
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


def _form_data(row, layout, raw):
    """The raw cells as the row's form would receive them from the web page."""
    data = {name: raw.get(name, "") for name in layout.fields}
    if data.get("stage"):
        data["stage"] = read_choice(data["stage"], Stage.choices) or data["stage"]
    data["confirm"] = "on" if is_yes(data["confirm"]) else ""
    data["version"] = raw.get("version", row.version)
    return data


def _unchanged(form, entry):
    """Whether a valid row repeats what is already stored (no attempt to change it)."""
    return all(form.cleaned_data.get(name) == getattr(entry, name) for name in form.typed_fields)


def _foreign(report, codes):
    """{(kind, code)} of the codes that name the report's targets or projects at all (the
    department's own among them)."""
    found = set()
    for kind, model in ((TARGET.key, Indicator), (PROJECT.key, Project)):
        wanted = [code for k, code in codes if k == kind]
        for code in model.objects.filter(report=report, code__in=wanted).values_list(
            "code", flat=True
        ):
            found.add((kind, code))
    return found


def check_monthly(user, report, month, raw_rows):
    """Validate every row with the monthly form's own rules and the gate's own question; returns
    a `MonthlyImport` with each row's problems."""
    month_of = month_rows(user, report, month)
    if month_of.locked:
        raise ExcelImportError(workflow.lock_refusal(month))
    by_layout = {layout.kind.key: layout for layout in layouts()}
    known = {(row.kind.key, row.subject.code): row for row in month_of.all}
    others = _foreign(report, {(raw["kind"], raw.get("code", "")) for raw in raw_rows})
    seen, results = {}, []
    for raw in raw_rows:
        layout = by_layout[raw["kind"]]
        code = raw.get("code", "")
        result = RowResult(raw["row"], code, _(layout.sheet), raw=raw)
        results.append(result)

        def refuse(message, name=None, result=result, layout=layout):
            letter = layout.letter(name) if name else "A"
            header = layout.header(name) if name else layout.columns[0].header
            result.errors.append(Problem(str(message), result.sheet, result.row, letter, header))

        for letter, header, message in raw.get("errors", ()):
            result.errors.append(Problem(message, result.sheet, result.row, letter, header))
        row = known.get((raw["kind"], code))
        if not code:
            refuse(_("编号为空。请不要删除或改动编号列。"))
            continue
        if row is None:
            if (raw["kind"], code) in others:
                # Said without naming it: a reporter may not list other departments' work.
                refuse(_("编号“%(code)s”不是本单位的，不能导入。") % {"code": code})
            else:
                refuse(_("编号“%(code)s”不在本报告中。") % {"code": code})
            continue
        result.subject, result.entry, result.previous = row.subject, row.entry, row.previous
        if not row.subject.is_reportable:
            refuse(row.refusal)
            continue
        if (raw["kind"], code) in seen:
            refuse(
                _("编号“%(code)s”重复：第%(first)s行已经填写过这个编号。")
                % {"code": code, "first": seen[(raw["kind"], code)]}
            )
            continue
        seen[(raw["kind"], code)] = result.row
        if result.errors:
            continue
        if not any(raw.get(name) for name in row.kind.fields):
            result.skipped = True
            continue
        form = result.form = row.bind_values(_form_data(row, layout, raw), submitting=True)
        if not row.is_editable:
            if form.is_valid() and _unchanged(form, row.entry):
                result.skipped = True  # already in, and the file does not try to change it
            else:
                refuse(row.refusal, layout.kind.form_class.value_field)
            continue
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    refuse(message, name if name in layout.fields else None)
    return MonthlyImport(report, month, user.department, results)


def commit_monthly(user, checked):
    """Submit every row of a valid `MonthlyImport` through the gate, all or none.

    Raises ``workflow.WorkflowError`` (nothing written) if a row closed or was changed by
    someone else since the preview."""
    if not checked.is_valid:
        raise workflow.WorkflowError(_("导入内容有错误，未写入任何数据。"))
    rows = checked.to_write
    changes = [
        workflow.Change(
            row.subject, checked.month, row.form.fields_to_save(), row.form.cleaned_data["version"]
        )
        for row in rows
    ]
    try:
        workflow.apply(user, changes, workflow.SUBMIT)
    except workflow.Refused as refusal:
        lines = [
            _("%(sheet)s第%(row)s行（%(code)s）：%(reason)s")
            % {"sheet": rows[i].sheet, "row": rows[i].row, "code": rows[i].code, "reason": reason}
            for i, reason in refusal.reasons.items()
        ]
        raise workflow.WorkflowError(" ".join(lines) + _(" 未写入任何数据。")) from refusal
    return len(rows)


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
