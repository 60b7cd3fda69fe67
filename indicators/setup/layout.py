"""The set-up workbook's sheets and columns, by their msgids (see the package's docstring)."""

import re

from django.utils.translation import gettext_noop

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
# Columns added later: a workbook made before them still loads (monthly, the system's tolerance,
# not waiting for the annual statistics).
INDICATOR_OPTIONAL = (gettext_noop("报送频率"), gettext_noop("容差"), gettext_noop("待统计年报"))
NO = gettext_noop("否")
LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
# The report's plausibility rules (校验规则): optional, a workbook without the sheet leaves the
# report's rules as they are.
RULE_SHEET = gettext_noop("校验规则")
RULE_HEADERS = (
    gettext_noop("规则"),
    gettext_noop("目标编号"),
    gettext_noop("对照目标编号"),
    gettext_noop("参数"),
    gettext_noop("阻止报送"),
    gettext_noop("启用"),
    gettext_noop("说明"),
)
