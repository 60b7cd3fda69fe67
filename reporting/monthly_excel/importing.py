"""The monthly template in: read, checked row by row with the rows' own forms, written by the
gate all or nothing."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from indicators import workflow
from indicators.models import Department, Indicator
from indicators.numbers import amount
from indicators.progress import month_label
from indicators.xlsx import (
    FORMULA_REFUSED,
    MAX_IMPORT_ROWS,
    ExcelImportError,
    Problem,
    cell_text,
    find_sheet,
    is_formula,
    is_word,
    open_workbook_safely,
    read_choice,
    read_meta,
)
from projects.models import Project, Stage

from ..rows import PROJECT, TARGET, month_rows
from .layout import (
    MONTHLY_KIND,
    MONTHLY_SHEET,
    TEMPLATE_VERSION,
    layouts,
)

# --- Reading a filled template ---------------------------------------------------------------


def _check_meta(workbook, report, month, department):
    meta = read_meta(workbook)
    if meta.get("kind") != MONTHLY_KIND or find_sheet(workbook, MONTHLY_SHEET) is None:
        raise ExcelImportError(
            _("这不是本系统下载的月度填报模板。请在“Excel导入”页下载本月模板，填写后再上传。")
        )
    if meta.get("version", "").isdigit() and int(meta["version"]) < TEMPLATE_VERSION:
        raise ExcelImportError(
            _(
                "这是旧版的月度填报模板（最后一列为“确认数值无误”）。请重新下载本月模板，填写后再上传。"
            )
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
            _("这是%(other)s的模板，不能导入为%(month)s的数据。请下载%(month)s的模板。")
            % {"other": _template_month(meta.get("month")), "month": month_label(month)}
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


def _template_month(text):
    """The month a template says it is for, in words ("?" when it names none we know)."""
    text = text or ""
    return month_label(int(text)) if text.isdigit() and 1 <= int(text) <= 12 else "?"


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
            raise ExcelImportError(
                _("行数超过%(n)s行，请分批导入。") % {"n": amount(MAX_IMPORT_ROWS, 0)}
            )
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
    unchanged: bool = False  # skipped because the file repeats what is already in
    raw: dict = field(default_factory=dict)
    value_field: str = "value"  # the form field of this kind's figure

    @property
    def typed_value(self):
        """The figure as the file has it (shown beside a refused row)."""
        return self.raw.get(self.value_field, "")

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

    @property
    def flags(self):
        """The plausibility flags of the row's new figure (shown in the preview with its 说明)."""
        if self.form is not None and not self.errors and not self.skipped:
            return self.form.flags or []
        return []

    @property
    def explanation(self):
        return self.form.cleaned_data.get("explanation", "") if self.flags else ""


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
        value_field = layout.kind.form_class.value_field
        result = RowResult(raw["row"], code, _(layout.sheet), raw=raw, value_field=value_field)
        results.append(result)
        for letter, header, message in raw.get("errors", ()):
            result.errors.append(Problem(message, result.sheet, result.row, letter, header))
        row = known.get((raw["kind"], code))
        if _is_open_to_import(result, layout, row, others, seen) and not result.errors:
            _check_values(result, layout, row)
    return MonthlyImport(report, month, user.department, results)


def _refuse(result, layout, message, name=None):
    """A problem on ``result``'s row, in the column of form field ``name`` (else the first)."""
    letter = layout.letter(name) if name else "A"
    header = layout.header(name) if name else layout.columns[0].header
    result.errors.append(Problem(str(message), result.sheet, result.row, letter, header))


def _is_open_to_import(result, layout, row, others, seen):
    """Whether the row's code names one of the department's reportable targets or projects,
    for the first time in the file; refuses it if not. ``row`` is the code's month row."""
    kind, code = result.raw["kind"], result.code
    if not code:
        _refuse(result, layout, _("编号为空。请不要删除或改动编号列。"))
        return False
    if row is None:
        if (kind, code) in others:
            # Said without naming it: a reporter may not list other departments' work.
            _refuse(result, layout, _("编号“%(code)s”不是本单位的，不能导入。") % {"code": code})
        else:
            _refuse(result, layout, _("编号“%(code)s”不在本报告中。") % {"code": code})
        return False
    result.subject, result.entry, result.previous = row.subject, row.entry, row.previous
    if not row.subject.is_reportable:
        _refuse(result, layout, row.refusal)
        return False
    if (kind, code) in seen:
        _refuse(
            result,
            layout,
            _("编号“%(code)s”重复：第%(first)s行已经填写过这个编号。")
            % {"code": code, "first": seen[(kind, code)]},
        )
        return False
    seen[(kind, code)] = result.row
    return True


def _check_values(result, layout, row):
    """The row's figures: skipped when empty or unchanged, else checked by the monthly form."""
    raw = result.raw
    if not any(raw.get(name) for name in row.kind.fields):
        result.skipped = True
        return
    form = result.form = row.bind_values(_form_data(row, layout, raw), submitting=True)
    if not row.is_editable:
        if form.is_valid() and _unchanged(form, row.entry):
            result.skipped = result.unchanged = True  # already in, and not changed
        else:
            _refuse(result, layout, row.refusal, layout.kind.form_class.value_field)
        return
    if not form.is_valid():
        for name, messages in form.errors.items():
            for message in messages:
                _refuse(result, layout, message, name if name in layout.fields else None)


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
