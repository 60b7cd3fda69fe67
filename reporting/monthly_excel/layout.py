"""Where each kind of row sits in the monthly workbook: its sheet, its columns, its fields."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl.utils import get_column_letter

from indicators.xlsx import (
    INPUT,
    INPUT_TEXT,
    WRAP,
    Column,
)

from ..rows import PROJECT, TARGET

MONTHLY_KIND = "county-targets/monthly"
# 3: the 说明 column took the place of 确认数值无误 (a template of before is refused as old).
TEMPLATE_VERSION = 3
MONTHLY_SHEET = gettext_noop("月度填报")
PROJECT_SHEET = gettext_noop("项目进展")
HELP_MONTHLY_SHEET = gettext_noop("填报说明")
# The 说明 a flagged figure needs before it is submitted (数据合理性校验).
EXPLANATION_HEADER = gettext_noop("说明（数值有校验提示时填写）")


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
            (EXPLANATION_HEADER, 26, INPUT_TEXT),
        ),
        {"value": 6, "note": 7, "problems": 8, "explanation": 9},
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
            (EXPLANATION_HEADER, 26, INPUT_TEXT),
        ),
        {
            "investment_completed": 5,
            "stage": 6,
            "stage_date": 7,
            "physical_progress": 8,
            "problems": 9,
            "explanation": 10,
        },
    )


def layouts():
    return (target_layout(), project_layout())
