"""The meeting summary workbook (/export/summary.xlsx, ``manage.py export_summary``): seven sheets
built as row generators and written by the one write-only writer (``indicators.xlsx``).

Every number comes from ``reporting.standing.judged`` and ``progress.summarise`` (the objects the
dashboards show, never recomputed here), the register as of the month
(``Project.objects.as_of``, as /projects/ reads it) and ``timeliness.department_timeliness``.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from indicators import progress, timeliness
from indicators.models import Department
from indicators.progress import month_label
from indicators.timeliness import department_timeliness
from indicators.xlsx import (
    DECIMAL,
    INTEGER,
    PERCENT,
    STATUS_PREFIX,
    WRAP,
    Column,
    Sheet,
    Styled,
    amount,
    write_workbook,
)
from projects.models import Project, Stage

from . import foresight
from .standing import judged

WAN_PER_YI = Decimal(10000)

# Reporting timeliness borrows the status palette: on time reads as done, late as behind.
TIMELINESS_STYLES = {
    timeliness.ON_TIME: STATUS_PREFIX + progress.DONE,
    timeliness.LATE: STATUS_PREFIX + progress.BEHIND,
    timeliness.MISSING: STATUS_PREFIX + progress.FAR_BEHIND,
    timeliness.ANNUAL: STATUS_PREFIX + progress.ANNUAL,
}


def status_cell(judged, cache=None):
    """A status as its word (fitting its kind: 达到目标 for a floor that holds) filled with its
    colour; ``judged`` is a ``progress.Progress``. ``cache`` (a dict kept for one export) saves
    making the same few cells for every row."""
    # The word depends on the status and, for on-track floors and ceilings, the kind: a key that
    # needs no translation (hashing the word itself would translate it for every row).
    key = (judged.status, judged.kind if judged.status == progress.ON_TRACK else None)
    if cache is not None and key in cache:
        return cache[key]
    cell = Styled(str(judged.label), STATUS_PREFIX + judged.status)
    if cache is not None:
        cache[key] = cell
    return cell


SUMMARY_SHEETS = (
    gettext_noop("总览"),
    gettext_noop("指标明细"),
    gettext_noop("进展情况"),
    gettext_noop("滞后事项"),
    gettext_noop("预计难以完成"),
    gettext_noop("项目清单"),
    gettext_noop("报送情况"),
)


def summary_title(report, month, now, what):
    return _(
        "%(region)s%(year)s年政府工作报告目标任务%(what)s（截至%(month)s底）　制表时间：%(made)s"
    ) % {
        "region": report.region.name,
        "year": report.year,
        "what": what,
        "month": month_label(month),
        "made": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }


def section_groups(indicators):
    """(section, members) in report order, for indicators already ordered by section."""
    groups = {}
    for indicator in indicators:
        groups.setdefault(indicator.section, []).append(indicator)
    return list(groups.items())


def overview_columns():
    return [
        Column(_("板块"), 18),
        Column(_("目标数"), 8, INTEGER),
        Column(_("已完成"), 8, INTEGER),
        Column(_("达到序时进度"), 10, INTEGER),
        Column(_("滞后"), 8, INTEGER),
        Column(_("严重滞后"), 8, INTEGER),
        Column(_("无数据"), 8, INTEGER),
        Column(_("待年终确定"), 9, INTEGER),
        Column(_("待统计年报"), 9, INTEGER),
        Column(_("平均完成率"), 10, PERCENT),
        Column(_("序时进度"), 10, PERCENT),
    ]


def _summary_row(name, summary):
    counts = summary.counts
    return (
        name,
        summary.total,
        counts[progress.DONE],
        counts[progress.ON_TRACK],
        counts[progress.BEHIND],
        counts[progress.FAR_BEHIND],
        counts[progress.NO_DATA],
        counts[progress.YEAR_END],
        counts[progress.ANNUAL],
        summary.average_completion,
        summary.average_expected,
    )


def overview_rows(indicators):
    for section, members in section_groups(indicators):
        yield _summary_row(section.name, progress.summarise(i.progress for i in members))
    yield _summary_row(_("合计"), progress.summarise(i.progress for i in indicators))


def detail_columns(month):
    """指标明细: the numbers, one page wide on A4 landscape; the notes and problems print on their
    own sheet (进展情况), where they have the width to wrap. The 预计 column (the verdict word, the
    projected figure and its range, one a line) took its width from the others, so the sheet
    prints no smaller than it did without it (tests/test_forecast_outward.py measures it)."""
    return [
        Column(_("板块"), 10, WRAP),
        Column(_("编号"), 7),
        Column(_("目标任务"), 20, WRAP),
        Column(_("单位"), 5),
        Column(_("年度目标"), 9),
        Column(_("截至%(month)s底") % {"month": month_label(month)}, 9),
        Column(_("完成率"), 8, PERCENT),
        Column(_("序时进度"), 7, PERCENT),
        Column(_("状态"), 13),
        Column(_("进度对比"), 14, WRAP),
        Column(_("全年预计"), 16, WRAP),
        Column(_("牵头单位"), 10, WRAP),
        Column(_("分管县领导"), 9, WRAP),
    ]


def detail_row(indicator, statuses=None, leaders=None):
    """One judged indicator (``standing.judged``, or anything shaped like it) as a 指标明细 row;
    ``leaders``: {department id: the name of its 分管县领导}."""
    judged = indicator.progress
    return (
        indicator.section.name,
        indicator.code,
        indicator.name,
        indicator.unit,
        amount(indicator.target, indicator.unit),
        amount(judged.actual, indicator.unit),
        judged.completion,
        judged.expected,
        status_cell(judged, statuses),
        progress.gap_phrase(judged, indicator.kind, indicator.unit),
        foresight.cell_text(indicator),
        str(indicator.lead_department),
        (leaders or {}).get(indicator.lead_department_id, ""),
    )


def detail_rows(indicators, leaders=None):
    statuses = {}
    for indicator in indicators:
        yield detail_row(indicator, statuses, leaders)


def notes_columns(month):
    return [
        Column(_("编号"), 7),
        Column(_("目标任务"), 20, WRAP),
        Column(_("牵头单位"), 11, WRAP),
        Column(_("进展情况（截至%(month)s底）") % {"month": month_label(month)}, 50, WRAP),
        Column(_("存在问题"), 50, WRAP),
    ]


def notes_rows(indicators):
    """Each target's latest approved progress note and problems, in full."""
    for indicator in indicators:
        yield (
            indicator.code,
            indicator.name,
            str(indicator.lead_department),
            indicator.latest_note or "",
            indicator.latest_problems or "",
        )


def behind_columns():
    return [
        Column(_("编号"), 7),
        Column(_("目标任务"), 22, WRAP),
        Column(_("状态"), 13),
        Column(_("完成率"), 8, PERCENT),
        Column(_("序时进度"), 8, PERCENT),
        Column(_("进度对比"), 18, WRAP),
        Column(_("牵头单位"), 11, WRAP),
        Column(_("分管县领导"), 11, WRAP),
        Column(_("存在问题"), 38, WRAP),
    ]


def behind_rows(indicators, leaders):
    """Far behind first, then behind, each in report order."""
    for status in (progress.FAR_BEHIND, progress.BEHIND):
        for indicator in indicators:
            judged = indicator.progress
            if judged.status != status:
                continue
            yield (
                indicator.code,
                indicator.name,
                status_cell(judged),
                judged.completion,
                judged.expected,
                progress.gap_phrase(judged, indicator.kind, indicator.unit),
                str(indicator.lead_department),
                leaders.get(indicator.lead_department_id, ""),
                indicator.latest_problems or "",
            )


def at_risk_columns(month):
    """预计难以完成: the targets projected to miss, with where they stand and the projection."""
    return [
        Column(_("编号"), 7),
        Column(_("目标任务"), 20, WRAP),
        Column(_("牵头单位"), 10, WRAP),
        Column(_("分管县领导"), 9, WRAP),
        Column(_("单位"), 5),
        Column(_("年度目标"), 9),
        Column(_("截至%(month)s底") % {"month": month_label(month)}, 9),
        Column(_("完成率"), 8, PERCENT),
        Column(_("序时进度"), 7, PERCENT),
        Column(_("预计12月底"), 10),
        Column(_("预计完成率"), 9, PERCENT),
        Column(_("预计区间"), 16, WRAP),
        Column(_("全年预计"), 13),
    ]


def at_risk_rows(indicators, leaders):
    """The targets the pages call 预计难以完成 (``foresight.at_risk``), in report order."""
    for indicator in foresight.at_risk(indicators):
        judged, forecast = indicator.progress, indicator.forecast
        yield (
            indicator.code,
            indicator.name,
            str(indicator.lead_department),
            leaders.get(indicator.lead_department_id, ""),
            indicator.unit,
            amount(indicator.target, indicator.unit),
            amount(judged.actual, indicator.unit),
            judged.completion,
            judged.expected,
            amount(forecast.value, indicator.unit),
            forecast.completion,
            foresight.span(indicator),
            Styled(str(forecast.label), STATUS_PREFIX + progress.FAR_BEHIND),
        )


def at_risk_notes(month, indicators):
    """What the sheet's list amounts to, and how the projection is made."""
    projected = foresight.projected(indicators)
    risky = foresight.at_risk(indicators)
    if not projected:
        said = _("截至%(month)s底已审核的数据还不够，暂不作全年预计。")
    elif not risky:
        said = _("截至%(month)s底，已作预计的%(n)s项目标均预计能完成全年目标。")
    else:
        said = _("截至%(month)s底，已作预计的%(n)s项目标中，预计难以完成全年目标的有%(risky)s项。")
    return [
        said % {"month": month_label(month), "n": len(projected), "risky": len(risky)},
        _("预计按已审核的数据和计划进度推算12月底的数值，区间为其可能的范围。"),
    ]


def project_columns(month):
    return [
        Column(_("项目编号"), 11),
        Column(_("项目名称"), 34, WRAP),
        Column(_("类别"), 7),
        Column(_("建设性质"), 8),
        Column(_("项目阶段"), 10),
        Column(_("牵头单位"), 11, WRAP),
        Column(_("总投资（亿元）"), 12, DECIMAL),
        Column(_("本年计划投资（亿元）"), 12, DECIMAL),
        Column(
            _("本年完成投资（亿元，截至%(month)s底）") % {"month": month_label(month)}, 14, DECIMAL
        ),
    ]


def project_rows(report, month):
    """Every project of the register as it stood at the end of ``month`` (stage then, this
    year's investment from approved rows): the same reading /projects/ shows."""
    projects = (
        Project.objects.as_of(report, month).select_related("lead_department").order_by("code")
    )
    stages = dict(Stage.choices)
    for project in projects.iterator(chunk_size=2000):
        invested = project.invested
        yield (
            project.code,
            project.name,
            project.get_category_display(),
            project.get_build_type_display(),
            str(stages[project.stage_then]),
            str(project.lead_department),
            project.total_investment / WAN_PER_YI,
            project.planned_investment / WAN_PER_YI,
            None if invested is None else invested / WAN_PER_YI,
        )


def timeliness_columns(month):
    return [
        Column(_("责任单位"), 14),
        Column(_("分管县领导"), 10),
        Column(_("应报目标数"), 8, INTEGER),
        *(Column(month_label(m), 6.5) for m in range(1, month + 1)),
        Column(_("逾期或未报月数"), 10, INTEGER),
    ]


def timeliness_rows(table, month):
    """Departments x months from ``timeliness.department_timeliness``: the same cells the
    /departments/ page shows, each a word filled with its colour."""
    for row in table:
        leader = row.department.leader
        yield (
            str(row.department),
            leader.display_name if leader else "",
            row.due,
            *(timeliness_cell(cell) for cell in row.months[:month]),
            row.months_behind(until=month),
        )


def timeliness_cell(cell):
    style = TIMELINESS_STYLES.get(cell.state)
    return Styled(str(cell.label), style) if style else str(cell.label)


def summary_sheets(report, month, *, now=None, today=None):
    """The seven sheets of the meeting summary as of ``month``, in the order they print: each
    one A4 landscape page wide at full size, with 第N页 共M页 and the month in the footer."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    indicators = judged(report, month)
    leaders = {
        department.pk: department.leader.display_name if department.leader else ""
        for department in Department.objects.filter(region=report.region_id).select_related(
            "leader"
        )
    }
    summary = progress.summarise(i.progress for i in indicators)
    title = summary_title(report, month, now, _("进展汇总"))
    footer = _("截至%(month)s底") % {"month": month_label(month)}

    def sheet(name, columns, rows, **options):
        # Sheet names are msgids (SUMMARY_SHEETS), written in the downloader's language.
        return Sheet(_(name), columns, rows, title=title, footer=footer, **options)

    return [
        sheet(
            "总览",
            overview_columns(),
            overview_rows(indicators),
            notes=[progress.verdict(month, summary)],
        ),
        sheet("指标明细", detail_columns(month), detail_rows(indicators, leaders)),
        sheet("进展情况", notes_columns(month), notes_rows(indicators)),
        sheet("滞后事项", behind_columns(), behind_rows(indicators, leaders)),
        sheet(
            "预计难以完成",
            at_risk_columns(month),
            at_risk_rows(indicators, leaders),
            notes=at_risk_notes(month, indicators),
        ),
        sheet("项目清单", project_columns(month), project_rows(report, month)),
        sheet(
            "报送情况",
            timeliness_columns(month),
            timeliness_rows(department_timeliness(report, today), month),
        ),
    ]


def write_summary(report, month, out, *, now=None, today=None):
    return write_workbook(summary_sheets(report, month, now=now, today=today), out)


def summary_filename(report, month):
    return _("%(region)s%(year)s年目标任务进展汇总（截至%(month)s底）.xlsx") % {
        "region": report.region,
        "year": report.year,
        "month": month_label(month),
    }
