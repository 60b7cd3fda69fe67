"""The register workbook in: setting up projects and their monthly investment.

Every file goes through ``indicators.xlsx.open_workbook_safely`` first (size, zip bomb, real
.xlsx, formulas never evaluated). Then, as for the indicator imports: parse -> validate every row
-> commit in one transaction. Each monthly row is checked by the web form's own
`ProjectProgressForm` and written by the workflow gate, so a number or a move refused on the page
is refused in a workbook too. A workbook
with any problem is refused whole, with every problem listed by sheet, row and column.

Layout (either sheet may be left out, not both):

- ``项目库``: 项目编号, 项目名称, 类别, 建设性质, 项目阶段, 开工日期, 竣工日期, 总投资（万元）,
  本年计划投资（万元）, 牵头单位, 所属工程, 招商引资项目, 签约日期, 投资方来源地. Projects are
  matched by 项目编号 within the report: new ones are created, others updated (with history);
  nothing is deleted. 项目阶段 and its dates are the registration (where the project stood before
  the year's monthly reports); approved reports move it on. Choices by label or code (实施类 /
  implementation); 牵头单位 by 代码, name or short name; 招商引资项目 是 or blank; dates as
  2023-03-01, 2023/3/1 or Excel dates.
- ``月度投资``: 项目编号, 月份, 本年累计完成投资（万元）, 项目阶段, 开工/竣工日期, 形象进度,
  存在问题, 说明 (the explanation a flagged figure needs; optional, as is the
  确认数值无误 column of older workbooks, read and ignored). Each row is submitted for review
  by the office on the department's behalf (``approve=True``: submitted and approved at once,
  which moves the register's stages; for loading a register mid-year).

Sheet and column names are msgids: they are read in any of the site's languages
(``indicators.xlsx.spellings``), as are the choice labels and 是.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from indicators import workflow
from indicators.checks import figures
from indicators.models import Department, EntryState
from indicators.progress import month_label
from indicators.xlsx import (
    ExcelImportError,
    Problem,
    SheetReader,
    field_errors,
    find_sheet,
    is_yes,
    listing,
    open_workbook_safely,
    read_choice,
    read_number,
)

from .forms import ProjectProgressForm
from .models import BuildType, Category, Project, ProjectProgress, Stage

SETUP_SHEET = gettext_noop("项目库")
SETUP_HEADERS = [
    gettext_noop("项目编号"),
    gettext_noop("项目名称"),
    gettext_noop("类别"),
    gettext_noop("建设性质"),
    gettext_noop("项目阶段"),
    gettext_noop("开工日期"),
    gettext_noop("竣工日期"),
    gettext_noop("总投资（万元）"),
    gettext_noop("本年计划投资（万元）"),
    gettext_noop("牵头单位"),
    gettext_noop("所属工程"),
    gettext_noop("招商引资项目"),
    gettext_noop("签约日期"),
    gettext_noop("投资方来源地"),
]
# Model field -> the header it is read from, to report a model's own validation on its column.
SETUP_FIELDS = {
    "code": "项目编号",
    "name": "项目名称",
    "category": "类别",
    "build_type": "建设性质",
    "registered_stage": "项目阶段",
    "registered_start_date": "开工日期",
    "registered_completion_date": "竣工日期",
    "total_investment": "总投资（万元）",
    "planned_investment": "本年计划投资（万元）",
    "programme": "所属工程",
    "signed_on": "签约日期",
    "investor_origin": "投资方来源地",
}
MONTHLY_SHEET = gettext_noop("月度投资")
# The monthly form's field -> its column: the sheet's columns after the project and the month.
FORM_FIELDS = {
    "investment_completed": gettext_noop("本年累计完成投资（万元）"),
    "stage": gettext_noop("项目阶段"),
    "stage_date": gettext_noop("开工/竣工日期"),
    "physical_progress": gettext_noop("形象进度"),
    "problems": gettext_noop("存在问题"),
}
EXPLANATION = gettext_noop("说明")
MONTHLY_HEADERS = [gettext_noop("项目编号"), gettext_noop("月份"), *FORM_FIELDS.values()]
# Optional: workbooks made before the plausibility checks have no 说明, and their 确认数值无误
# column (the confirmation it replaced) is read and ignored.
MONTHLY_OPTIONAL = [EXPLANATION, gettext_noop("确认数值无误")]
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass
class RegisterPlan:
    """A checked workbook: projects to create or update, monthly rows to record."""

    projects: list = field(default_factory=list)  # field values by name, one dict a project
    progress: list = field(default_factory=list)  # dicts: code, month, fields (ProjectProgress)


def parse_date(text):
    """A date as a clerk types it (or as cell_text gives an Excel date), or None if unreadable."""
    text = text.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        text = text[:10]
    match = DATE_PATTERN.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _date(reader, row, header, text):
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        reader.problem(row, header, _("“%(text)s”不是日期，请写成2023-03-01。") % {"text": text})
    return day


def _department(departments, text):
    for department in departments:
        if text in (department.code, department.name, department.short_name):
            return department
    return None


def read_setup(reader, report, departments, plan):
    seen = set()
    for row, values in reader.rows:
        code = values["项目编号"]
        if code in seen:
            reader.problem(row, 0, _("项目编号“%(code)s”重复。") % {"code": code})
            continue
        seen.add(code)
        fields = {"name": values["项目名称"]}
        for header, name, choices in (
            ("类别", "category", Category.choices),
            ("建设性质", "build_type", BuildType.choices),
            ("项目阶段", "registered_stage", Stage.choices),
        ):
            fields[name] = read_choice(values[header], choices)
            if fields[name] is None and (values[header] or name != "registered_stage"):
                labels = listing(label for _code, label in choices)
                reader.problem(row, header, _("须为以下之一：%(labels)s。") % {"labels": labels})
        fields["registered_stage"] = fields["registered_stage"] or Stage.PLANNED
        fields["registered_start_date"] = _date(reader, row, "开工日期", values["开工日期"])
        fields["registered_completion_date"] = _date(reader, row, "竣工日期", values["竣工日期"])
        fields["signed_on"] = _date(reader, row, "签约日期", values["签约日期"])
        fields["total_investment"] = read_number(
            reader, row, "总投资（万元）", values["总投资（万元）"]
        )
        fields["planned_investment"] = read_number(
            reader, row, "本年计划投资（万元）", values["本年计划投资（万元）"], required=False
        ) or Decimal(0)
        department = _department(departments, values["牵头单位"])
        if department is None:
            reader.problem(
                row,
                "牵头单位",
                _("没有找到责任单位“%(text)s”，请填写其代码、全称或简称。")
                % {"text": values["牵头单位"]},
            )
        fields["lead_department"] = department
        fields["programme"] = values["所属工程"]
        fields["is_promoted"] = is_yes(values["招商引资项目"])
        fields["investor_origin"] = values["投资方来源地"]
        _check_project(reader, row, report, code, fields)
        plan.projects.append({"code": code, **fields})


def _check_project(reader, row, report, code, fields):
    """The model's own rules (amounts, choices, lengths, and a registration that reads one way
    everywhere: ``Project.clean``), reported on the sheet's columns."""
    for header, name in (
        ("总投资（万元）", "total_investment"),
        ("本年计划投资（万元）", "planned_investment"),
    ):
        if fields[name] is not None and fields[name] < 0:
            reader.problem(row, header, _("不能为负数。"))
    candidate = Project(report=report, code=code, **fields)
    exclude = ["report", "lead_department", "category", "build_type", "registered_stage"]
    exclude += [name for name, value in fields.items() if value is None]
    field_errors(reader, row, candidate, SETUP_FIELDS, exclude)
    if fields["registered_stage"]:
        try:
            candidate.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    reader.problem(row, SETUP_FIELDS.get(name), message)


def read_monthly(reader, report, projects, plan, *, approve):
    """Check each monthly row with ProjectProgressForm against the register as it will be."""
    planned = _planned_register(report, projects, plan)
    approved, current = _stored_progress(report)
    for project in planned.values():
        # Where each project stands once the registration is applied (before this file's rows).
        project.stage, project.start_date, project.completion_date = project.stages_after(
            approved.get(project.code, {}).values()
        )
    rows = _monthly_rows(reader, planned, current)
    # The plausibility checks' history of every row, read once.
    checking = figures.load((planned[code], month) for _n, code, month, _v, _e in rows)
    # In month order, so an approved import sees each month as the next one will.
    for number, code, month, values, existing in sorted(rows, key=lambda r: (r[1], r[2])):
        project = planned[code]
        earlier = [m for m in approved.get(code, {}) if m < month]
        previous = approved[code][max(earlier)] if earlier else None
        form = _progress_form(values, project, month, previous, existing, checking)
        if not form.is_valid():
            for name, messages in form.errors.items():
                header = FORM_FIELDS.get(name, EXPLANATION if name == "explanation" else None)
                index = header if header else None
                for message in messages:
                    reader.problem(number, index, message)
            continue
        plan.progress.append(
            {
                "code": code,
                "month": month,
                "fields": form.fields_to_save(),
                "version": form.cleaned_data["version"],
            }
        )
        if approve:
            _approve_in_plan(reader, number, project, month, form, approved)


def _planned_register(report, projects, plan):
    """{code: project} as the register will be once the file's registrations are applied
    (unsaved)."""
    planned = {}
    for values in plan.projects:
        project = projects.get(values["code"]) or Project(report=report)
        for name, value in values.items():
            setattr(project, name, value)
        planned[values["code"]] = project
    for existing in projects.values():
        planned.setdefault(existing.code, existing)
    return planned


def _stored_progress(report):
    """The report's monthly rows: ({code: {month: row}} of the approved ones, {(code, month):
    row} of all)."""
    approved = {}
    current = {}
    for row in ProjectProgress.objects.filter(project__report=report).select_related("project"):
        current[(row.project.code, row.month)] = row
        if row.state == EntryState.APPROVED:
            approved.setdefault(row.project.code, {})[row.month] = row
    return approved, current


def _monthly_rows(reader, planned, current):
    """The sheet's rows that name a project, a month and an entry open to submission, as
    (row number, code, month, values, stored row or None); the others are reported."""
    seen = set()
    rows = []
    for number, values in reader.rows:
        code = values["项目编号"]
        project = planned.get(code)
        if project is None:
            reader.problem(number, 0, _("项目库中没有项目“%(code)s”。") % {"code": code})
            continue
        month = _month(reader, number, values["月份"])
        if month is None:
            continue
        if (code, month) in seen:
            reader.problem(
                number,
                1,
                _("%(code)s 的%(month)s重复。") % {"code": code, "month": month_label(month)},
            )
            continue
        seen.add((code, month))
        existing = current.get((code, month))
        refusal = workflow.state_refusal(existing, workflow.SUBMIT) if existing else None
        if refusal:
            reader.problem(number, 1, refusal)
            continue
        rows.append((number, code, month, values, existing))
    return rows


def _progress_form(values, project, month, previous, existing, checking):
    """The monthly form bound to a sheet row, as the web form would be on submitting."""
    data = {name: values[header] for name, header in FORM_FIELDS.items()}
    data["stage"] = read_choice(data["stage"], Stage.choices) or data["stage"]
    data["stage_date"] = _form_date(data["stage_date"])
    data["explanation"] = values[EXPLANATION]
    return ProjectProgressForm(
        {**data, "version": existing.version if existing else 0},
        subject=project,
        month=month,
        previous=previous,
        entry=existing,
        submitting=True,
        checking=checking,
    )


def _approve_in_plan(reader, number, project, month, form, approved):
    """Count the row as approved, so that the project's next month is checked against it."""
    row = ProjectProgress(month=month, **form.fields_to_save())
    approved.setdefault(project.code, {})[month] = row
    try:
        project.stage, project.start_date, project.completion_date = project.stages_after(
            approved[project.code].values()
        )
    except ValidationError as error:
        for message in error.messages:
            reader.problem(number, "项目阶段", message)


def _form_date(text):
    day = parse_date(text) if text else None
    return day.isoformat() if day else text


def _month(reader, row, text):
    value = read_number(reader, row, "月份", text)
    if value is None:
        return None
    if value != value.to_integral_value() or not 1 <= value <= 12:
        reader.problem(row, 1, _("月份须为1到12的整数。"))
        return None
    return int(value)


def read_register_workbook(workbook, report, *, approve=False):
    """Read and check a whole register workbook; raises `ExcelImportError` with every problem."""
    problems = []
    has_setup = find_sheet(workbook, SETUP_SHEET) is not None
    has_monthly = find_sheet(workbook, MONTHLY_SHEET) is not None
    if not has_setup and not has_monthly:
        raise ExcelImportError(
            _("工作簿中没有“%(setup)s”或“%(monthly)s”工作表。")
            % {"setup": _(SETUP_SHEET), "monthly": _(MONTHLY_SHEET)}
        )
    plan = RegisterPlan()
    projects = {p.code: p for p in Project.objects.filter(report=report)}
    if has_setup:
        reader = SheetReader(workbook, SETUP_SHEET, SETUP_HEADERS, problems)
        read_setup(reader, report, list(Department.objects.filter(region=report.region_id)), plan)
    if has_monthly:
        reader = SheetReader(
            workbook, MONTHLY_SHEET, MONTHLY_HEADERS, problems, optional=MONTHLY_OPTIONAL
        )
        if not problems:
            read_monthly(reader, report, projects, plan, approve=approve)
    if problems:
        raise ExcelImportError(problems)
    if not plan.projects and not plan.progress:
        raise ExcelImportError(_("工作簿中没有可导入的行。"))
    return plan


def apply_register_plan(plan, report, user, *, approve=False):
    """Write a checked plan in one transaction; returns counts. Raises `ExcelImportError`.

    Projects are saved with their registration and where it puts them now; monthly rows go
    through the workflow gate as ``user`` (the office, recording on departments' behalf)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "progress": 0}
    try:
        with transaction.atomic():
            projects = {p.code: p for p in Project.objects.filter(report=report)}
            for values in plan.projects:
                project = projects.get(values["code"]) or Project(report=report)
                changed = [n for n, v in values.items() if getattr(project, n, None) != v]
                if project.pk and not changed:
                    counts["unchanged"] += 1
                    continue
                counts["updated" if project.pk else "created"] += 1
                for name, value in values.items():
                    setattr(project, name, value)
                project.stage, project.start_date, project.completion_date = (
                    project.current_stages()
                )
                project._history_user = user
                project.full_clean(exclude=["report"])
                project.save()
                projects[project.code] = project
            items = sorted(plan.progress, key=lambda i: (i["code"], i["month"]))
            changes = [
                workflow.Change(
                    projects[item["code"]], item["month"], item["fields"], item["version"]
                )
                for item in items
            ]
            workflow.apply(user, changes, workflow.SUBMIT)
            if approve:
                workflow.apply(
                    user, [workflow.Change(c.subject, c.month) for c in changes], workflow.APPROVE
                )
            counts["progress"] = len(changes)
    except workflow.Refused as refusal:
        raise ExcelImportError(
            [
                Problem(
                    _("%(code)s %(month)s：%(reason)s")
                    % {
                        "code": items[index]["code"],
                        "month": month_label(items[index]["month"]),
                        "reason": reason,
                    }
                )
                for index, reason in refusal.reasons.items()
            ]
        ) from refusal
    except (ValidationError, workflow.WorkflowError) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        raise ExcelImportError([Problem(m) for m in messages]) from error
    return counts


def load_register_file(uploaded_file, report, user, *, approve=False, dry_run=False):
    """Check and load a register workbook, all or nothing; raises `ExcelImportError`."""
    workbook = open_workbook_safely(uploaded_file)
    try:
        plan = read_register_workbook(workbook, report, approve=approve)
    finally:
        workbook.close()
    if dry_run:
        return {
            "projects": len(plan.projects),
            "progress": len(plan.progress),
        }
    return apply_register_plan(plan, report, user, approve=approve)
