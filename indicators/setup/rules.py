"""The set-up workbook's 校验规则 sheet: a report's plausibility rules (``CheckRule``) out and in.

One row a rule: 规则 (its label in any of the site's languages, or its code), 目标编号 (the target
it judges; empty: every target, for a rule on single figures), 对照目标编号 (the target a
cross-target rule compares with), 参数 (empty: the rule's default), 阻止报送 (是/否, empty 否),
启用 (是/否, empty 是) and 说明. Codes name the workbook's targets (or the report's stored ones).

The sheet is optional: a workbook without it leaves the report's rules as they are. With it, the
report's rules become the sheet's (an empty sheet: none), each row checked by the one answer the
admin's form gives too (`cross.declaration_problems`), and a row refused is one message on its
column. Loading the same sheet twice changes nothing.
"""

from django.utils.translation import gettext as _

from ..checks import RULE_LABELS, RULES, cross
from ..models import CheckRule, Indicator, Kind
from ..numbers import plain
from ..xlsx import (
    TEXT,
    WRAP,
    YES,
    Column,
    Sheet,
    SheetReader,
    field_errors,
    find_sheet,
    is_word,
    is_yes,
    listing,
    read_choice,
    read_number,
)
from .layout import NO, RULE_HEADERS, RULE_SHEET

# The field each problem of `cross.declaration_problems` is shown on.
COLUMNS = {
    "rule": "规则",
    "indicator": "目标编号",
    "other": "对照目标编号",
    "parameter": "参数",
}
NO_WORDS = ("no", "n", "false", "0")
# What a target's row must say for a rule to be checked against it.
TARGET_FIELDS = ("code", "name", "unit", "kind", "register_rule")


def rule_help():
    """The 说明 sheet's lines on the 校验规则 sheet."""
    labels = listing(RULE_LABELS[code] for code in RULES)
    cross_labels = listing(RULE_LABELS[code] for code in cross.CROSS_RULES)
    return [
        _(
            "【校验规则】可选：每行一条数据合理性校验规则，依次为 规则、目标编号、对照目标编号、"
            "参数、阻止报送、启用、说明。导入时本报告的校验规则以本表为准（表中删去的规则随之删除）；"
            "没有这张表的工作簿不改动已有规则。"
        ),
        _("规则名称：%(names)s。") % {"names": labels},
        _(
            "目标编号留空表示对全部目标适用（只限单个数值的规则）；跨目标规则（%(rules)s）须填写"
            "目标编号，并按规则填写对照目标编号。"
        )
        % {"rules": cross_labels},
        _(
            "分项大于总数：目标为分项，对照目标为总数（单位相同的累计型或存量型目标），同月分项数不能"
            "大于总数；参数为容差，占总数的百分比（留空为0）。例：分项大于总数、XX-02、XX-01、0。"
        ),
        _(
            "开工数超计划：目标为由项目库计算的开工项目个数（在建续建项目个数或本年新开工项目个数），"
            "计划数为该目标的年度目标（填写对照目标时取对照目标的年度目标）；项目报送开工后开工数超过"
            "计划数即提示；参数为容差，占计划数的百分比（留空为0）。"
        ),
        _(
            "与项目库不符：目标为填报的目标，对照目标为由项目库计算、口径和单位相同的目标；两者相差"
            "超过参数（占项目库合计的百分比，留空为5）即提示。"
        ),
        _(
            "阻止报送：填“是”则不符合规则的数值不能报送，否则只提示、须写明说明；留空为“否”。"
            "启用：填“否”暂停该规则，留空为“是”。参数不能为负数。"
        ),
    ]


def rule_sheet(report):
    """The 校验规则 sheet: ``report``'s rules (none for a blank template)."""
    rules = (
        list(CheckRule.objects.filter(report=report).select_related("indicator", "other"))
        if report is not None
        else []
    )
    widths = (14, 11, 13, 8, 10, 8, 40)
    styles = {6: WRAP}
    return Sheet(
        _(RULE_SHEET),
        [
            Column(_(header), width, styles.get(n, TEXT))
            for n, (header, width) in enumerate(zip(RULE_HEADERS, widths, strict=True))
        ],
        (_rule_row(rule) for rule in rules),
    )


def _rule_row(rule):
    return (
        str(RULE_LABELS[rule.rule]),
        rule.indicator.code if rule.indicator_id else "",
        rule.other.code if rule.other_id else "",
        plain(rule.parameter),
        _(YES) if rule.blocking else _(NO),
        _(YES) if rule.enabled else _(NO),
        rule.note,
    )


# --- In ------------------------------------------------------------------------------------------


def read_rules(workbook, problems, existing, indicators):
    """校验规则: a dict a rule (``rule``, ``indicator`` and ``other`` by code, ``parameter``,
    ``blocking``, ``enabled``, ``note``), or None when the workbook has no such sheet.

    ``existing``: the stored report (None: a new one); ``indicators``: the 目标任务 sheet's
    targets (field dicts), None when that sheet could not be read (its codes are then not
    checked here: one problem, told once)."""
    if find_sheet(workbook, RULE_SHEET) is None:
        return None
    sheet = SheetReader(workbook, RULE_SHEET, RULE_HEADERS, problems)
    targets = _targets(existing, indicators)
    rules, seen = [], {}
    choices = [(code, RULE_LABELS[code]) for code in RULES]
    for number, row in sheet.rows:
        rule = read_choice(row["规则"], choices)
        if rule is None:
            message = _("未知的规则“%(rule)s”，应为 %(labels)s。") % {
                "rule": row["规则"],
                "labels": listing(label for _code, label in choices),
            }
            sheet.problem(number, "规则", message if row["规则"] else _("请填写规则。"))
            continue
        indicator, known = _target(sheet, number, "目标编号", row["目标编号"], targets)
        other, other_known = _target(sheet, number, "对照目标编号", row["对照目标编号"], targets)
        values = {
            "rule": rule,
            "indicator": row["目标编号"] or None,
            "other": row["对照目标编号"] or None,
            "parameter": read_number(sheet, number, "参数", row["参数"], required=False),
            "blocking": _read_yes_no(sheet, number, "阻止报送", row["阻止报送"], False),
            "enabled": _read_yes_no(sheet, number, "启用", row["启用"], True),
            "note": row["说明"],
        }
        checked = CheckRule(note=values["note"], parameter=values["parameter"])
        field_errors(sheet, number, checked, {"note": "说明", "parameter": "参数"}, _OTHERS)
        unchecked = {"indicator": not known, "other": not other_known}
        for name, message in cross.declaration_problems(
            rule, values["parameter"], indicator, other
        ):
            if not unchecked.get(name):
                sheet.problem(number, COLUMNS[name], message)
        key = (rule, values["indicator"], values["other"])
        if key in seen:
            sheet.problem(number, "规则", _("与第%(row)s行重复。") % {"row": seen[key]})
            continue
        seen[key] = number
        rules.append(values)
    return rules


# The fields a row's own validation skips (checked above, or not the row's to give).
_OTHERS = [f.name for f in CheckRule._meta.fields if f.name not in ("note", "parameter")]


def _targets(existing, indicators):
    """{code: an unsaved Indicator with what a rule reads}, from the stored report's targets and
    the sheet's (which win); None when the 目标任务 sheet could not be read."""
    if indicators is None:
        return None
    targets = {}
    if existing is not None:
        for stored in Indicator.objects.filter(report=existing).only(*TARGET_FIELDS):
            targets[stored.code] = Indicator(**{f: getattr(stored, f) for f in TARGET_FIELDS})
    for fields in indicators:
        if fields["code"]:
            targets[fields["code"]] = Indicator(**{f: fields[f] for f in TARGET_FIELDS})
    return targets


def _target(sheet, number, column, code, targets):
    """(the target ``code`` names or None, whether it could be checked)."""
    if not code:
        return None, True
    if targets is None:
        return None, False
    target = targets.get(code)
    if target is None:
        sheet.problem(number, column, _("目标编号“%(code)s”不在“目标任务”表中。") % {"code": code})
        return None, False
    if target.kind not in Kind.values:
        return target, False  # its own row says why
    return target, True


def _read_yes_no(sheet, number, column, text, default):
    text = text.strip()
    if not text:
        return default
    if is_yes(text):
        return True
    if is_word(text, NO) or text.lower() in NO_WORDS:
        return False
    sheet.problem(
        number,
        column,
        _("请填写“是”或“否”（留空为“%(default)s”）。") % {"default": _(YES) if default else _(NO)},
    )
    return default


def apply_rules(report, wanted, counts):
    """Make ``report``'s rules the ``wanted`` ones (read by `read_rules`): a rule already stored
    as a row says is kept, the others are deleted and the rows' new ones created (each saved
    on its own, so the rules' history records it). Adds to ``counts``."""
    targets = {i.code: i for i in Indicator.objects.filter(report=report)}
    stored = list(CheckRule.objects.filter(report=report).select_related("indicator", "other"))
    unmatched = {}
    for rule in stored:
        unmatched.setdefault(_key_of_rule(rule), []).append(rule)
    for values in wanted:
        kept = unmatched.get(_key_of_values(values))
        if kept:
            kept.pop()
            counts["unchanged"] += 1
            continue
        _create(report, values, targets)
        counts["created"] += 1
    for rules in unmatched.values():
        for rule in rules:
            rule.delete()
            counts["deleted"] = counts.get("deleted", 0) + 1


def _create(report, values, targets):
    fields = dict(values)
    fields["indicator"] = targets.get(fields["indicator"]) if fields["indicator"] else None
    fields["other"] = targets.get(fields["other"]) if fields["other"] else None
    return CheckRule.objects.create(report=report, **fields)


def _key_of_rule(rule):
    return (
        rule.rule,
        rule.indicator.code if rule.indicator_id else None,
        rule.other.code if rule.other_id else None,
        rule.parameter,
        rule.blocking,
        rule.enabled,
        rule.note,
    )


def _key_of_values(values):
    return tuple(
        values[name]
        for name in ("rule", "indicator", "other", "parameter", "blocking", "enabled", "note")
    )
