"""The set-up workbook in: one reader per sheet, every problem listed, then applied whole."""

import functools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import numbers
from ..models import (
    Department,
    Frequency,
    Indicator,
    Kind,
    Region,
    RegisterRule,
    Report,
    Section,
    validate_plan,
)
from ..xlsx import (
    ExcelImportError,
    SheetReader,
    field_errors,
    is_word,
    is_yes,
    listing,
    open_workbook_safely,
    read_choice,
    read_integer,
    read_meta,
    read_number,
)
from .layout import (
    DEPARTMENT_HEADERS,
    DEPARTMENT_SHEET,
    INDICATOR_HEADERS,
    INDICATOR_OPTIONAL,
    INDICATOR_SHEET,
    LIST_SEPARATORS,
    NO,
    REGION_KEYS,
    REPORT_HEADERS,
    REPORT_KEYS,
    REPORT_SHEET,
    SECTION_HEADERS,
    SECTION_SHEET,
    SETUP_KIND,
)
from .rules import apply_rules, read_rules


@dataclass
class ReportPlan:
    """What a set-up workbook would create or change, checked and ready to apply."""

    report: dict
    sections: list  # (order, name)
    departments: list  # dicts of code, name, short_name, order
    indicators: list  # dicts of Indicator fields by name, with section/lead/cooperating names
    rules: list | None = None  # the 校验规则 sheet's rules (None: no such sheet, rules kept)


def read_report_workbook(workbook, regions=None):
    """Read and check a whole set-up workbook, one reader per sheet; raises `ExcelImportError`
    listing every problem of every sheet.

    ``regions``: ids of the regions the person loading it may set up (None: any, and a new
    region may be created, or an existing one moved). A workbook of any other region is refused
    before anything of that region is read, so no problem names its departments or targets; and
    only an administrator changes where a region sits (its parent, level and code)."""
    meta = read_meta(workbook)
    if meta and meta.get("kind") not in ("", SETUP_KIND):
        raise ExcelImportError(_("这不是工作报告设置工作簿（可能是月度填报模板）。"))
    problems = []
    report, existing = _read_report(workbook, problems)
    if regions is not None:
        _check_region_scope(report, regions, problems)
    refuse_published(existing)
    sections, sections_read = _read_sections(workbook, problems)
    departments, lookup, departments_read = _read_departments(
        workbook, problems, report["region_fields"]["stored"]
    )
    # A sheet that could not be read is one problem; its absence is not repeated on every
    # target that names a section or a department.
    known = {
        "sections": {name for _order, name in sections} if sections_read else None,
        "departments": lookup if departments_read else None,
    }
    indicators, indicators_read = _read_indicators(workbook, problems, existing, known)
    rules = read_rules(workbook, problems, existing, indicators if indicators_read else None)
    if problems:
        raise ExcelImportError(problems)
    if not indicators:
        raise ExcelImportError(_("“目标任务”表中没有任何目标任务。"))
    return ReportPlan(report, sections, departments, indicators, rules)


def _read_report(workbook, problems):
    """工作报告: the report's fields (region by name, year, title) and its region's (code,
    level, parent), and the stored region and report they name (or None)."""
    info = SheetReader(workbook, REPORT_SHEET, REPORT_HEADERS, problems)
    values = {}
    for number, row in info.rows:
        key = next((k for k in REPORT_KEYS + REGION_KEYS if is_word(row["项目"], k)), None)
        if key is None:
            info.problem(number, 0, _("应为 地区、年度、标题、行政区划代码、级别 或 上级地区。"))
        values[key or row["项目"]] = (number, row["内容"])
    report = {}
    for key, attribute in zip(REPORT_KEYS, ("region", "year", "title"), strict=True):
        number, text = values.get(key, (None, ""))
        if not text and info.is_read:
            info.problem(number, 1, _("请填写%(key)s。") % {"key": _(key)})
        report[attribute] = text
    if report["year"]:
        year = read_integer(info, values["年度"][0], "内容", report["year"], None)
        report["year"] = year
        if year is not None and not 2000 <= year <= 2100:
            info.problem(values["年度"][0], 1, _("年度须在2000到2100之间。"))
    if report["title"]:
        field_errors(
            info,
            values["标题"][0],
            Report(title=report["title"]),
            {"title": "内容"},
            ["region", "year"],
        )
    region = _read_region(info, values, report["region"])
    existing = (
        Report.objects.filter(region=region["stored"], year=report["year"]).first()
        if region["stored"] and isinstance(report["year"], int)
        else None
    )
    report["region_fields"] = region
    return report, existing


def _check_region_scope(report, regions, problems):
    """Refuse a workbook of a region outside ``regions``, or one that would move its region."""
    fields = report["region_fields"]
    stored = fields["stored"]
    if stored is None and problems:
        raise ExcelImportError(problems)  # no region named: its sheet's own problems
    if stored is None or stored.pk not in regions:
        raise ExcelImportError(
            _("这是“%(region)s”的工作报告：只能导入本地区的工作报告。")
            % {"region": report["region"]}
        )
    moved = [
        name
        for name in ("code", "level", "parent")
        if name in fields and fields[name] is not None and fields[name] != getattr(stored, name)
    ]
    if moved:
        raise ExcelImportError(
            _(
                "地区的上级地区、级别和行政区划代码只能由系统管理员修改，请删去或改回工作簿中的这几行。"
            )
        )


def refuse_published(report):
    """A workbook sets up a report in 筹备 (or a new one); a published report's targets change
    one by one, where each change is seen and recorded, never by overwriting them whole."""
    if report is None or not report.is_published:
        return
    State = Report.State
    # The workbook may be meant for next year (downloaded from this one): say how.
    next_year = _("要以它为基础建立新一年度的报告，请把“工作报告”表中的年度改为新的年度后再导入。")
    if report.state == State.ARCHIVED:
        raise ExcelImportError(
            [_("“%(report)s”已归档，不能再用工作簿覆盖。") % {"report": report.title}, next_year]
        )
    if report.state == State.ACTIVE:
        message = _(
            "“%(report)s”已发布（%(state)s），不能再用工作簿覆盖。调整个别目标请在“目标任务”中"
            "逐项修改；尚未填报任何数据时，可先将其退回筹备。"
        )
    else:
        message = _(
            "“%(report)s”已发布（%(state)s），不能再用工作簿覆盖。调整个别目标请在“目标任务”中"
            "逐项修改。"
        )
    fields = {"report": report.title, "state": report.get_state_display()}
    raise ExcelImportError([message % fields, next_year])


def _read_region(info, values, name):
    """The region a report belongs to: found by name, or set up from the optional rows."""
    stored = Region.objects.filter(name=name).first() if name else None
    fields = {"name": name}
    number, code = values.get("行政区划代码", (None, ""))
    if code:
        fields["code"] = code
    number_level, level = values.get("级别", (None, ""))
    if level:
        fields["level"] = read_choice(level, Region.Level.choices)
        if fields["level"] is None:
            labels = listing(Region.Level.labels)
            info.problem(number_level, 1, _("级别应为 %(labels)s。") % {"labels": labels})
    number_parent, parent = values.get("上级地区", (None, ""))
    if parent:
        fields["parent"] = Region.objects.filter(name=parent).first()
        if fields["parent"] is None:
            info.problem(
                number_parent,
                1,
                _("上级地区“%(name)s”还没有建立，请先导入上级地区。") % {"name": parent},
            )
    candidate = Region(**{k: v for k, v in fields.items() if v is not None})
    exclude = ["parent"] + (["name"] if stored else [])
    if name:
        field_errors(info, number, candidate, {"code": "内容", "name": "内容"}, exclude)
    return {"stored": stored, **fields}


def _read_sections(workbook, problems):
    """板块: [(order, name)] in the sheet's order."""
    sheet = SheetReader(workbook, SECTION_SHEET, SECTION_HEADERS, problems)
    sections, names = [], set()
    for number, row in sheet.rows:
        name = row["板块名称"]
        order = read_integer(sheet, number, "顺序", row["顺序"], len(sections) + 1)
        if not name:
            sheet.problem(number, 1, _("板块名称不能为空。"))
            continue
        if name in names:
            sheet.problem(number, 1, _("板块“%(name)s”重复。") % {"name": name})
            continue
        field_errors(
            sheet, number, Section(name=name, order=order), {"name": "板块名称"}, ["report"]
        )
        names.add(name)
        sections.append((order, name))
    return sections, sheet.is_read


def _read_departments(workbook, problems, region):
    """责任单位: the region's departments to create or update, and {code, name or short name:
    code} for every department a target may name (the region's stored ones and the file's)."""
    sheet = SheetReader(workbook, DEPARTMENT_SHEET, DEPARTMENT_HEADERS, problems)
    departments, lookup = [], {}
    stored = {d.code: d for d in Department.objects.filter(region=region)} if region else {}
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
            "order": read_integer(sheet, number, "顺序", row["顺序"], len(departments) + 1),
        }
        mapping = {"code": "代码", "name": "名称", "short_name": "简称"}
        field_errors(sheet, number, Department(**values), mapping, ["leader", "region"])
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
    return departments, lookup, sheet.is_read


# Indicator field -> the 目标任务 column it is read from, to report model validation in place.
INDICATOR_COLUMNS = {
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
    "frequency": "报送频率",
    "tolerance": "容差",
    "awaits_annual_statistics": "待统计年报",
}
NO_WORDS = ("no", "n", "false", "0")


def _read_indicators(workbook, problems, existing, known):
    """目标任务: one dict of Indicator fields a row, with its section, lead and cooperating
    departments by name/code; each checked by the model's own validation. ``known``: the
    section names and the department lookup, None where their sheet could not be read. Returns
    (the targets, whether the sheet could be read)."""
    sheet = SheetReader(
        workbook, INDICATOR_SHEET, INDICATOR_HEADERS, problems, optional=INDICATOR_OPTIONAL
    )
    section_names, lookup = known["sections"], known["departments"]
    indicators, codes = [], {}
    stored = {i.code: i for i in Indicator.objects.filter(report=existing)} if existing else {}
    for number, row in sheet.rows:
        code = row["编号"]
        _check_code(sheet, number, code, codes)
        if section_names is not None and row["板块"] not in section_names:
            sheet.problem(
                number, "板块", _("板块“%(name)s”不在“板块”表中。") % {"name": row["板块"]}
            )
        kind = read_choice(row["类型"], Kind.choices)
        if kind is None:
            sheet.problem(number, "类型", _("类型应为 累计型、存量型、节点型、控制型 或 底线型。"))
        target = read_number(sheet, number, "年度目标", row["年度目标"])
        lead = _read_lead(sheet, number, row["牵头单位"], lookup)
        fields = {
            "code": code,
            "order": read_integer(sheet, number, "顺序", row["顺序"], len(indicators) + 1),
            "name": row["目标任务"],
            "unit": row["单位"],
            "kind": kind or "",
            "target": target,
            "baseline": read_number(sheet, number, "基数", row["基数"], required=False),
            "source_quote": row["报告原文"],
            "monthly_plan": _read_plan(sheet, number, row["月度计划"]),
            "is_year_end_only": _read_yes(sheet, number, "需年终确定", row["需年终确定"]),
            "awaits_annual_statistics": _read_yes(sheet, number, "待统计年报", row["待统计年报"]),
            "register_rule": _read_rule(sheet, number, row["项目库取数规则"]),
            "frequency": _read_frequency(sheet, number, row["报送频率"]),
            "tolerance": read_number(sheet, number, "容差", row["容差"], required=False),
        }
        _check_indicator(sheet, number, stored.get(code) or Indicator(), fields)
        indicators.append(
            {
                **fields,
                "section": row["板块"],
                "lead": lead,
                "cooperating": _read_cooperating(sheet, number, row["配合单位"], lookup or {}),
            }
        )
    return indicators, sheet.is_read


def _check_code(sheet, number, code, codes):
    """A target's 编号: given, and unique in the sheet (``codes``: code -> its first row)."""
    if not code:
        sheet.problem(number, "编号", _("编号不能为空。"))
    elif code in codes:
        sheet.problem(
            number,
            "编号",
            _("编号“%(code)s”重复：第%(first)s行已有。") % {"code": code, "first": codes[code]},
        )
    else:
        codes[code] = number


def _read_lead(sheet, number, text, lookup):
    """The lead department's code (None, unchecked, when the departments could not be read)."""
    if lookup is None:
        return None
    lead = lookup.get(text)
    if lead is None:
        sheet.problem(
            number, "牵头单位", _("牵头单位“%(name)s”不在“责任单位”表中。") % {"name": text}
        )
    return lead


def _read_yes(sheet, number, column, text):
    """A yes-or-blank column (需年终确定, 待统计年报): “是” (or yes) or left empty (or no)."""
    text = text.strip()
    answer = is_yes(text)
    if not (answer or text == "" or is_word(text, NO) or text.lower() in NO_WORDS):
        sheet.problem(number, column, _("请填写“是”或留空。"))
    return answer


def _read_frequency(sheet, number, text):
    if not text:
        return Frequency.MONTHLY
    frequency = read_choice(text, Frequency.choices)
    if frequency is None:
        labels = listing(Frequency.labels)
        sheet.problem(number, "报送频率", _("报送频率应为 %(labels)s。") % {"labels": labels})
        return Frequency.MONTHLY
    return frequency


def _read_cooperating(sheet, number, text, lookup):
    cooperating = []
    for part in LIST_SEPARATORS.split(text):
        if not part:
            continue
        if part not in lookup:
            sheet.problem(
                number,
                "配合单位",
                _("配合单位“%(name)s”不在“责任单位”表中。") % {"name": part},
            )
        else:
            cooperating.append(lookup[part])
    return sorted(set(cooperating))


def _read_plan(sheet, number, text):
    if not text:
        return None
    parts = [p for p in re.split(r"[,，;；\s]+", text) if p]
    try:
        # Typed as any number is (full-width digits too), through the one parser.
        plan = [float(numbers.parse(p)) for p in parts]
        validate_plan(plan)
    except (ArithmeticError, ValueError):
        sheet.problem(number, "月度计划", _("月度计划须为12个数字。"))
        return None
    except ValidationError as error:
        for message in error.messages:
            sheet.problem(number, "月度计划", message)
        return None
    return plan


def _read_rule(sheet, number, text):
    if not text:
        return ""
    rule = read_choice(text, RegisterRule.choices)
    if rule is None:
        sheet.problem(
            number,
            "项目库取数规则",
            _("未知的取数规则“%(rule)s”，请见“说明”表。") % {"rule": text},
        )
        return ""
    return rule


def _check_indicator(sheet, number, candidate, fields):
    """The model's own validation of a row, reported on its columns; ``candidate`` (the stored
    target, or a new one) is left as it was."""
    original = {name: getattr(candidate, name) for name in fields}
    for name, value in fields.items():
        setattr(candidate, name, value)
    exclude = ["report", "section", "lead_department"]
    exclude += [name for name in ("kind", "target") if fields[name] in (None, "")]
    field_errors(sheet, number, candidate, INDICATOR_COLUMNS, exclude)
    if fields["target"] is not None and fields["kind"]:
        try:
            candidate.clean()  # ratio targets above 0; a stored target's kind kept
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = INDICATOR_COLUMNS.get(name, "编号")
                for message in messages:
                    sheet.problem(number, column, message)
    for name, value in original.items():
        setattr(candidate, name, value)


def _upsert(counts, model, lookup, values):
    """The ``model`` row ``lookup`` finds, created or updated to ``values``; counted."""
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


@transaction.atomic
def apply_report_plan(plan):
    """Create or update everything in ``plan``; returns counts of created and changed rows."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    upsert = functools.partial(_upsert, counts)
    info = plan.report
    region_fields = {k: v for k, v in info["region_fields"].items() if k not in ("stored", "name")}
    region = upsert(Region, {"name": info["region"]}, region_fields)
    # Checked again under the row's lock: the report may have been published since it was read.
    refuse_published(
        Report.objects.select_for_update().filter(region=region, year=info["year"]).first()
    )
    report = upsert(Report, {"region": region, "year": info["year"]}, {"title": info["title"]})
    departments = {}
    for values in plan.departments:
        values = dict(values)
        code = values.pop("code")
        departments[code] = upsert(Department, {"region": region, "code": code}, values)
    missing = {i["lead"] for i in plan.indicators} | {
        c for i in plan.indicators for c in i["cooperating"]
    }
    for department in Department.objects.filter(
        region=region, code__in=missing - departments.keys()
    ):
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
    if plan.rules is not None:
        apply_rules(report, plan.rules, counts)
    counts["report"] = report
    return counts


def load_report_file(uploaded_file, regions=None):
    """Check and load a set-up workbook, all or nothing; raises `ExcelImportError`. A report
    the workbook names that does not exist yet is created in 筹备; one in 筹备 is updated; a
    published one (执行, 收尾, 归档) is refused (`refuse_published`).

    ``regions``: ids of the regions the person loading it may set up (None: any, and a new
    region may be created); a workbook of any other region is refused."""
    workbook = open_workbook_safely(uploaded_file)
    try:
        plan = read_report_workbook(workbook, regions)
    finally:
        workbook.close()
    return apply_report_plan(plan)
