"""A new report in: the set-up workbook of sections, departments and targets
(``manage.py load_report FILE.xlsx`` and the admin upload), and the same workbook out as a blank
template or a filled copy of an existing report. The layout is also written on the workbook's own
说明 sheet:

- sheet ``工作报告``: two columns (项目, 内容) with the rows 地区, 年度, 标题.
- sheet ``板块``: 顺序, 板块名称. One row per section, in report order.
- sheet ``责任单位``: 代码, 名称, 简称, 顺序. ``代码`` is the pinyin abbreviation used for
  logins and templates (fgj); departments are shared by every report and matched by 代码.
- sheet ``目标任务``: 编号, 板块, 顺序, 目标任务, 单位, 类型, 年度目标, 基数, 牵头单位,
  配合单位, 月度计划, 需年终确定, 项目库取数规则, 报告原文. 类型 is one of
  累计型/存量型/节点型/控制型/底线型 (or its code); 牵头单位 and 配合单位 name departments by
  代码 or name (several separated by 、 or ,); 月度计划 is blank (linear m/12) or 12 cumulative
  fractions separated by commas; 需年终确定 is 是 or blank; 项目库取数规则 is blank or one of
  `RegisterRule` (label or code).

Loading matches the report by (地区, 年度), sections by name, departments by 代码 and targets by
编号: loading the same file twice changes nothing, and nothing is ever deleted. Each sheet has its
own reader; a workbook with any problem is refused whole, with every problem listed.

The names above are the msgids: a workbook is written in the downloader's language and read in
any of the site's (``indicators.xlsx.spellings``).
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import (
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
from .numbers import plain
from .xlsx import (
    INTEGER,
    META_SHEET,
    TEXT,
    WRAP,
    YES,
    Column,
    ExcelImportError,
    Sheet,
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
    workbook_bytes,
)

SETUP_KIND = "county-targets/report"
REPORT_SHEET, SECTION_SHEET, DEPARTMENT_SHEET, INDICATOR_SHEET, HELP_SHEET = (
    gettext_noop("工作报告"),
    gettext_noop("板块"),
    gettext_noop("责任单位"),
    gettext_noop("目标任务"),
    gettext_noop("说明"),
)
REPORT_HEADERS = (gettext_noop("项目"), gettext_noop("内容"))
REPORT_KEYS = (gettext_noop("地区"), gettext_noop("年度"), gettext_noop("标题"))
# Optional rows of 工作报告 that set up the region itself (a workbook without them still loads).
REGION_KEYS = (gettext_noop("行政区划代码"), gettext_noop("级别"), gettext_noop("上级地区"))
SECTION_HEADERS = (gettext_noop("顺序"), gettext_noop("板块名称"))
DEPARTMENT_HEADERS = (
    gettext_noop("代码"),
    gettext_noop("名称"),
    gettext_noop("简称"),
    gettext_noop("顺序"),
)
INDICATOR_HEADERS = (
    gettext_noop("编号"),
    gettext_noop("板块"),
    gettext_noop("顺序"),
    gettext_noop("目标任务"),
    gettext_noop("单位"),
    gettext_noop("类型"),
    gettext_noop("年度目标"),
    gettext_noop("基数"),
    gettext_noop("牵头单位"),
    gettext_noop("配合单位"),
    gettext_noop("月度计划"),
    gettext_noop("需年终确定"),
    gettext_noop("项目库取数规则"),
    gettext_noop("报告原文"),
)
# Columns added later: a workbook made before them still loads (monthly, the system's tolerance).
INDICATOR_OPTIONAL = (gettext_noop("报送频率"), gettext_noop("容差"))
NO = gettext_noop("否")
LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")


def setup_help():
    """The 说明 sheet, in the language of the person downloading."""
    return [
        _(
            "本工作簿用于建立一份政府工作报告的板块、责任单位和目标任务"
            "（manage.py load_report 文件名.xlsx，或在管理后台“政府工作报告”页点击“从Excel导入”）。"
        ),
        _("表头在每个工作表的第1行，数据从第2行开始；请不要改动表头和工作表名称。"),
        _(
            "【工作报告】两列：项目、内容；依次填写 地区（如 柳城县）、年度（如 2024）、标题；"
            "可选的 行政区划代码（6位数字，如 450222）、级别（县（市、区）、市 或 省）、"
            "上级地区（如 柳州市，须已建立）用于建立该地区。"
            "同一服务器可以有多个地区，按地区名称匹配。"
        ),
        _("【板块】顺序（数字）、板块名称。"),
        _(
            "【责任单位】代码（拼音缩写，如 fgj，用于账号和填报模板，一经使用不要更改）、"
            "名称（全称）、简称、顺序。"
            "责任单位属于本地区，按代码匹配，本地区各年度的报告共用。"
        ),
        _(
            "【目标任务】每行一项：编号（报告内唯一，如 PP-01）、板块（须在【板块】中）、"
            "顺序、目标任务、单位、"
            "类型、年度目标、基数（可空）、牵头单位、配合单位、月度计划、需年终确定、项目库取数规则、报告原文、"
            "报送频率、容差（最后两列可省略）。"
        ),
        _(
            "类型：累计型（全年逐月累加）、存量型（达到的总量）、节点型（完成百分比0–100，年度目标填100）、"
            "控制型（不超过目标，如失业率）、底线型（不低于目标，如增速）。"
        ),
        _("牵头单位、配合单位填写责任单位的代码或名称；配合单位有多个时用顿号或逗号分隔。"),
        _(
            "月度计划：留空表示按月平均（m/12）；否则填写12个逐月累计比例（0–1，逐月不减），用逗号分隔，"
            "如 0.1,0.3,0.55,0.75,0.85,0.9,0.92,0.94,0.96,0.98,1,1。"
        ),
        _("需年终确定：年终才能确定完成情况的填“是”，否则留空。"),
        _(
            "报送频率：按月、按季度、按半年 或 按年（留空为按月）；只在应报的月份填报，"
            "序时进度按最近的应报月份计算。"
        ),
        _(
            "容差：差多少以内算“滞后”而非“严重滞后”（留空按系统设置，一般为10）；累计型、存量型、节点型为低于序时进度的"
            "百分点，控制型、底线型为偏离目标的百分比。报告写“左右”的目标可以填宽一些。"
        ),
        _("控制型、底线型的目标和月度数值可以是负数（如 居民消费价格 −0.3%）。"),
        _("项目库取数规则：数值由项目库自动计算的指标填写规则名称（见下），否则留空。"),
        _("规则名称：%(names)s") % {"names": listing(label for label in RegisterRule.labels)},
        _(
            "导入规则：报告按“地区+年度”匹配，板块按名称、责任单位按代码、目标任务按编号匹配；"
            "已存在的更新，不存在的新建，从不删除。同一文件导入两次，第二次不做任何改动。"
        ),
        _("只要有一处错误，整份文件都不会导入，系统会列出全部问题及其所在的工作表、行和列。"),
    ]


def report_setup_sheets(report=None):
    """The set-up workbook: ``report``'s catalogue, or a blank template when None."""
    sections, departments, indicators = [], [], []
    if report is not None:
        sections = list(report.sections.order_by("order", "id"))
        indicators = list(
            Indicator.objects.for_report(report).prefetch_related("cooperating_departments")
        )
        used = {i.lead_department_id for i in indicators} | {
            d.pk for i in indicators for d in i.cooperating_departments.all()
        }
        departments = list(Department.objects.filter(pk__in=used))
    region = report.region if report else None
    report_rows = [
        (_("地区"), region.name if region else ""),
        (_("年度"), report.year if report else None),
        (_("标题"), report.title if report else ""),
        (_("行政区划代码"), region.code if region else ""),
        (_("级别"), region.get_level_display() if region else ""),
        (_("上级地区"), region.parent.name if region and region.parent else ""),
    ]
    indicator_rows = (
        (
            i.code,
            i.section.name,
            i.order,
            i.name,
            i.unit,
            i.get_kind_display(),
            plain(i.target),
            plain(i.baseline),
            i.lead_department.code,
            listing(d.code for d in i.cooperating_departments.all()),
            ",".join(plain(Decimal(str(v))) for v in i.monthly_plan) if i.monthly_plan else "",
            _(YES) if i.is_year_end_only else "",
            i.get_register_rule_display() if i.register_rule else "",
            i.source_quote,
            i.get_frequency_display(),
            plain(i.tolerance),
        )
        for i in indicators
    )
    # Amounts are written as text so a target of 392.73 is read back exactly as typed.
    widths = (9, 14, 6, 26, 7, 8, 11, 9, 10, 14, 24, 10, 18, 40, 9, 7)
    styles = {3: WRAP, 13: WRAP}
    return [
        Sheet(
            _(HELP_SHEET),
            [Column(_("说明"), 120, WRAP)],
            ((line,) for line in setup_help()),
            autofilter=False,
        ),
        Sheet(
            _(REPORT_SHEET),
            [Column(_(REPORT_HEADERS[0]), 10), Column(_(REPORT_HEADERS[1]), 40)],
            iter(report_rows),
        ),
        Sheet(
            _(SECTION_SHEET),
            [Column(_(SECTION_HEADERS[0]), 8, INTEGER), Column(_(SECTION_HEADERS[1]), 24)],
            ((s.order, s.name) for s in sections),
        ),
        Sheet(
            _(DEPARTMENT_SHEET),
            [Column(_(h), w) for h, w in zip(DEPARTMENT_HEADERS, (10, 28, 14, 8), strict=True)],
            ((d.code, d.name, d.short_name, d.order) for d in departments),
        ),
        Sheet(
            _(INDICATOR_SHEET),
            [
                Column(_(h), w, styles.get(n, TEXT))
                for n, (h, w) in enumerate(
                    zip(INDICATOR_HEADERS + INDICATOR_OPTIONAL, widths, strict=True)
                )
            ],
            indicator_rows,
        ),
        Sheet(
            META_SHEET,
            [Column("key", 12), Column("value", 30)],
            iter([("kind", SETUP_KIND), ("version", 1)]),
            state="hidden",
            autofilter=False,
            printable=False,
        ),
    ]


def report_setup_bytes(report=None):
    return workbook_bytes(report_setup_sheets(report))


@dataclass
class ReportPlan:
    """What a set-up workbook would create or change, checked and ready to apply."""

    report: dict
    sections: list  # (order, name)
    departments: list  # dicts of code, name, short_name, order
    indicators: list  # dicts of Indicator fields by name, with section/lead/cooperating names


def read_report_workbook(workbook):
    """Read and check a whole set-up workbook, one reader per sheet; raises `ExcelImportError`
    listing every problem of every sheet."""
    meta = read_meta(workbook)
    if meta and meta.get("kind") not in ("", SETUP_KIND):
        raise ExcelImportError(_("这不是工作报告设置工作簿（可能是月度填报模板）。"))
    problems = []
    report, existing = _read_report(workbook, problems)
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
    indicators = _read_indicators(workbook, problems, existing, known)
    if problems:
        raise ExcelImportError(problems)
    if not indicators:
        raise ExcelImportError(_("“目标任务”表中没有任何目标任务。"))
    return ReportPlan(report, sections, departments, indicators)


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
}
NO_WORDS = ("no", "n", "false", "0")


def _read_indicators(workbook, problems, existing, known):
    """目标任务: one dict of Indicator fields a row, with its section, lead and cooperating
    departments by name/code; each checked by the model's own validation. ``known``: the
    section names and the department lookup, None where their sheet could not be read."""
    sheet = SheetReader(
        workbook, INDICATOR_SHEET, INDICATOR_HEADERS, problems, optional=INDICATOR_OPTIONAL
    )
    section_names, lookup = known["sections"], known["departments"]
    indicators, codes = [], {}
    stored = {i.code: i for i in Indicator.objects.filter(report=existing)} if existing else {}
    for number, row in sheet.rows:
        code = row["编号"]
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
        if section_names is not None and row["板块"] not in section_names:
            sheet.problem(
                number, "板块", _("板块“%(name)s”不在“板块”表中。") % {"name": row["板块"]}
            )
        kind = read_choice(row["类型"], Kind.choices)
        if kind is None:
            sheet.problem(number, "类型", _("类型应为 累计型、存量型、节点型、控制型 或 底线型。"))
        target = read_number(sheet, number, "年度目标", row["年度目标"])
        lead = lookup.get(row["牵头单位"]) if lookup is not None else None
        if lookup is not None and lead is None:
            sheet.problem(
                number,
                "牵头单位",
                _("牵头单位“%(name)s”不在“责任单位”表中。") % {"name": row["牵头单位"]},
            )
        year_end_text = row["需年终确定"].strip()
        is_year_end_only = is_yes(year_end_text)
        if not (
            is_year_end_only
            or year_end_text == ""
            or is_word(year_end_text, NO)
            or year_end_text.lower() in NO_WORDS
        ):
            sheet.problem(number, "需年终确定", _("请填写“是”或留空。"))
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
            "is_year_end_only": is_year_end_only,
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
    return indicators


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
        plan = [float(Decimal(p)) for p in parts]
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


@transaction.atomic
def apply_report_plan(plan):
    """Create or update everything in ``plan``; returns counts of created and changed rows."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}

    def upsert(model, lookup, values):
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

    info = plan.report
    region_fields = {k: v for k, v in info["region_fields"].items() if k not in ("stored", "name")}
    region = upsert(Region, {"name": info["region"]}, region_fields)
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
    counts["report"] = report
    return counts


def load_report_file(uploaded_file, regions=None):
    """Check and load a set-up workbook, all or nothing; raises `ExcelImportError`.

    ``regions``: ids of the regions the person loading it may set up (None: any, and a new
    region may be created); a workbook of any other region is refused."""
    workbook = open_workbook_safely(uploaded_file)
    try:
        plan = read_report_workbook(workbook)
    finally:
        workbook.close()
    stored = plan.report["region_fields"]["stored"]
    if regions is not None and (stored is None or stored.pk not in regions):
        raise ExcelImportError(
            _("这是“%(region)s”的工作报告：只能导入本地区的工作报告。")
            % {"region": plan.report["region"]}
        )
    return apply_report_plan(plan)
