"""The set-up workbook out: a blank template, or a filled copy of a report to start the next."""

from decimal import Decimal

from django.utils.translation import gettext as _

from ..models import (
    Department,
    Indicator,
    RegisterRule,
)
from ..numbers import plain
from ..xlsx import (
    INTEGER,
    META_SHEET,
    TEXT,
    WRAP,
    YES,
    Column,
    Sheet,
    listing,
    workbook_bytes,
)
from .layout import (
    DEPARTMENT_HEADERS,
    DEPARTMENT_SHEET,
    HELP_SHEET,
    INDICATOR_HEADERS,
    INDICATOR_OPTIONAL,
    INDICATOR_SHEET,
    REPORT_HEADERS,
    REPORT_SHEET,
    SECTION_HEADERS,
    SECTION_SHEET,
    SETUP_KIND,
)
from .rules import rule_help, rule_sheet


def setup_help():
    """The 说明 sheet, in the language of the person downloading."""
    return [
        _(
            "本工作簿用于建立一份政府工作报告的板块、责任单位和目标任务"
            "（manage.py load_report 文件名.xlsx，或在管理后台“政府工作报告”页点击“从Excel导入”）。"
        ),
        _("表头在每个工作表的第1行，数据从第2行开始；请不要改动表头和工作表名称。"),
        _(
            "【工作报告】两列：项目、内容；依次填写 地区（如 某某县）、年度（如 2024）、标题；"
            "可选的 行政区划代码（6位数字，如 450222）、级别（县（市、区）、市 或 省）、"
            "上级地区（如 柳州市，须已建立）用于建立该地区，只有系统管理员可以填写或修改；"
            "督查室的工作簿请保持这几行原样或删去。同一服务器可以有多个地区，按地区名称匹配。"
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
            "报送频率、容差、待统计年报（最后三列可省略）。"
        ),
        *_column_help(),
        *rule_help(),
    ]


def _column_help():
    """The 说明 sheet's lines on the 目标任务 columns and the loading rules."""
    return [
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
            "待统计年报：年度数据以统计年报为准（次年二三月才有，如地区生产总值、居民收入）的填“是”，"
            "否则留空；这些目标的12月数据在截止后仍可在收尾阶段报送。"
        ),
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
        _(
            "新导入的报告处于“筹备”状态，只有督查室看得到，核对无误后在管理后台发布。"
            "已发布（执行、收尾、归档）的报告不能再用工作簿覆盖，调整个别目标请在“目标任务”中逐项修改。"
        ),
        _("只要有一处错误，整份文件都不会导入，系统会列出全部问题及其所在的工作表、行和列。"),
    ]


def report_setup_sheets(report=None):
    """The set-up workbook: ``report``'s catalogue, or a blank template when None."""
    sections, departments, indicators = _catalogue(report)
    indicator_rows = (_indicator_row(i) for i in indicators)
    # Amounts are written as text so a target of 392.73 is read back exactly as typed.
    widths = (9, 14, 6, 26, 7, 8, 11, 9, 10, 14, 24, 10, 18, 40, 9, 7, 10)
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
            iter(_report_rows(report)),
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
        rule_sheet(report),
        Sheet(
            META_SHEET,
            [Column("key", 12), Column("value", 30)],
            iter([("kind", SETUP_KIND), ("version", 1)]),
            state="hidden",
            autofilter=False,
            printable=False,
        ),
    ]


def _catalogue(report):
    """``report``'s sections, the departments its targets name, and its targets (all empty
    for a blank template)."""
    if report is None:
        return [], [], []
    sections = list(report.sections.order_by("order", "id"))
    indicators = list(
        Indicator.objects.for_report(report).prefetch_related("cooperating_departments")
    )
    used = {i.lead_department_id for i in indicators} | {
        d.pk for i in indicators for d in i.cooperating_departments.all()
    }
    return sections, list(Department.objects.filter(pk__in=used)), indicators


def _report_rows(report):
    region = report.region if report else None
    return [
        (_("地区"), region.name if region else ""),
        (_("年度"), report.year if report else None),
        (_("标题"), report.title if report else ""),
        (_("行政区划代码"), region.code if region else ""),
        (_("级别"), region.get_level_display() if region else ""),
        (_("上级地区"), region.parent.name if region and region.parent else ""),
    ]


def _indicator_row(i):
    """A target as its 目标任务 row, in the columns' order."""
    return (
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
        _(YES) if i.awaits_annual_statistics else "",
    )


def report_setup_bytes(report=None):
    return workbook_bytes(report_setup_sheets(report))
