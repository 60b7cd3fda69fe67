"""A new report in: the set-up workbook of sections, departments and targets
(``manage.py load_report FILE.xlsx`` and the admin upload), and the same workbook out as a blank
template or a filled copy of an existing report. The layout is also written on the workbook's own
说明 sheet:

- sheet ``工作报告``: two columns (项目, 内容) with the rows 地区, 年度, 标题, and optionally
  行政区划代码, 级别 and 上级地区 to set up the region itself.
- sheet ``板块``: 顺序, 板块名称. One row per section, in report order.
- sheet ``责任单位``: 代码, 名称, 简称, 顺序. ``代码`` is the pinyin abbreviation used for
  logins and templates (fgj); departments belong to the region, are shared by its reports of
  every year and matched by 代码 within it.
- sheet ``目标任务``: 编号, 板块, 顺序, 目标任务, 单位, 类型, 年度目标, 基数, 牵头单位,
  配合单位, 月度计划, 需年终确定, 项目库取数规则, 报告原文. 类型 is one of
  累计型/存量型/节点型/控制型/底线型 (or its code); 牵头单位 and 配合单位 name departments by
  代码 or name (several separated by 、 or ,); 月度计划 is blank (linear m/12) or 12 cumulative
  fractions separated by commas; 需年终确定 is 是 or blank; 项目库取数规则 is blank or one of
  `RegisterRule` (label or code); the optional 报送频率 (按月/按季度/按半年/按年), 容差 and
  待统计年报 (是 or blank) may be left out by workbooks made before them.
- sheet ``校验规则`` (optional): 规则, 目标编号, 对照目标编号, 参数, 阻止报送, 启用, 说明: the
  report's plausibility rules (``rules``). With the sheet, the report's rules become the sheet's
  (the one thing loading deletes); without it they are left as they are.

Loading matches the region by name, the report by (地区, 年度), sections by name, departments by
代码 (within the region) and targets by 编号: loading the same file twice changes nothing, and
nothing is ever deleted (rules aside, above). A report that does not exist yet is created in
筹备; one in 筹备 is updated; a published one (执行, 收尾, 归档) is refused: its targets change one
by one in the admin.
Each sheet has its own reader; a workbook with any problem is refused whole, with every problem
listed.

The names above are the msgids: a workbook is written in the downloader's language and read in
any of the site's (``indicators.xlsx.spellings``).

- ``layout``: the sheets and columns; ``template``: the workbook out; ``loading``: the workbook in;
  ``rules``: the 校验规则 sheet out and in;
  ``carry``: next year's report started from last year's (its workbook is the copy's to edit).
"""

from .carry import Refused, report_started, start_from
from .layout import (
    DEPARTMENT_HEADERS,
    DEPARTMENT_SHEET,
    HELP_SHEET,
    INDICATOR_HEADERS,
    INDICATOR_OPTIONAL,
    INDICATOR_SHEET,
    NO,
    REGION_KEYS,
    REPORT_HEADERS,
    REPORT_KEYS,
    REPORT_SHEET,
    RULE_HEADERS,
    RULE_SHEET,
    SECTION_HEADERS,
    SECTION_SHEET,
)
from .loading import ReportPlan, apply_report_plan, load_report_file, read_report_workbook
from .template import report_setup_bytes, report_setup_sheets

__all__ = [
    "DEPARTMENT_HEADERS",
    "DEPARTMENT_SHEET",
    "HELP_SHEET",
    "INDICATOR_HEADERS",
    "INDICATOR_OPTIONAL",
    "INDICATOR_SHEET",
    "NO",
    "REGION_KEYS",
    "REPORT_HEADERS",
    "REPORT_KEYS",
    "REPORT_SHEET",
    "RULE_HEADERS",
    "RULE_SHEET",
    "SECTION_HEADERS",
    "SECTION_SHEET",
    "Refused",
    "ReportPlan",
    "apply_report_plan",
    "load_report_file",
    "read_report_workbook",
    "report_setup_bytes",
    "report_setup_sheets",
    "report_started",
    "start_from",
]
