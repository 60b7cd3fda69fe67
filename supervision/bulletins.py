"""The monthly bulletin (通报): generated from the approved data as of a month, edited by the
office, published and then frozen.

Every number comes from where the dashboards take it: statuses from ``reporting.standing.judged``
and ``progress.summarise`` (the overview and section pages), the targets projected to miss from
the same judged list (``reporting.foresight``), reporting from
``timeliness.department_timeliness`` (/departments/), investment from the register's derived
targets and ``register.totals`` (/projects/investment/), slips from ``supervision.slips``. The
figures are kept beside the text (``Bulletin.numbers``); once published, neither changes.
"""

import re
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from indicators import access, numbers, progress, timeliness, workflow
from indicators.models import RegisterRule
from indicators.timeliness import department_timeliness
from indicators.xlsx import listing
from projects import register
from projects.models import Project
from reporting import foresight
from reporting.standing import judged

from . import slips
from .models import Bulletin, Slip

NUMERALS = "一二三四五六七八九十"
# A part's heading: 一、总体情况 in Chinese, "I. Overall situation" in English.
HEADING = re.compile(rf"^([{NUMERALS}]+、|[IVX]+\. )")
# The sections' numbers in their list: （一） in Chinese, (1) in English.
SECTION_NUMBERS = (
    pgettext_lazy("numbering", "一"),
    pgettext_lazy("numbering", "二"),
    pgettext_lazy("numbering", "三"),
    pgettext_lazy("numbering", "四"),
    pgettext_lazy("numbering", "五"),
    pgettext_lazy("numbering", "六"),
    pgettext_lazy("numbering", "七"),
    pgettext_lazy("numbering", "八"),
    pgettext_lazy("numbering", "九"),
    pgettext_lazy("numbering", "十"),
)


class BulletinError(Exception):
    """A change to a bulletin that cannot be made, with a message for the office."""


def _points(value):
    return None if value is None else numbers.points(Decimal(value) * 100)


def figures(report, month, today=None):
    """The bulletin's numbers as of ``month`` (plain JSON values), read as the dashboards read
    them."""
    today = today or timezone.localdate()
    indicators = judged(report, month)
    summary = progress.summarise(i.progress for i in indicators)
    sections = {}
    for indicator in indicators:
        sections.setdefault(indicator.section, []).append(indicator.progress)
    lagging = [
        {
            "code": i.code,
            "name": i.name,
            "department": i.lead_department.name,
            "status": i.progress.status,
            "gap": progress.gap_phrase(i.progress, i.kind, i.unit),
        }
        for status in (progress.FAR_BEHIND, progress.BEHIND)
        for i in indicators
        if i.progress.status == status
    ]
    awaiting = [
        {"code": i.code, "name": i.name, "department": i.lead_department.name}
        for i in indicators
        if i.progress.status == progress.ANNUAL
    ]
    reporting = [
        {"department": row.department.name, "state": cell.state, "missing": cell.missing}
        for row in department_timeliness(report, today)
        for cell in [row.month(month)]
        if cell.state in (timeliness.LATE, timeliness.MISSING)
    ]
    return {
        "month": month,
        "total": summary.total,
        "counts": summary.counts,
        "on_target": summary.on_target,
        "average_completion": _points(summary.average_completion),
        "average_expected": _points(summary.average_expected),
        "sections": [
            {
                "name": section.name,
                "total": part.total,
                "counts": part.counts,
                "on_target": part.on_target,
                "average_completion": _points(part.average_completion),
                "average_expected": _points(part.average_expected),
            }
            for section, members in sections.items()
            for part in [progress.summarise(members)]
        ],
        "lagging": lagging,
        "reporting": reporting,
        "awaiting": awaiting,
        "investment": investment(report, month, indicators),
        "slips": slip_counts(report, month, today),
        "outlook": outlook_figures(indicators),
    }


def outlook_figures(indicators):
    """The year-end projections' numbers: how many targets have one, and those projected to miss
    (预计难以完成, the pages' list), each with its projection in words as generated (kept with the
    bulletin, like the lagging targets' gaps)."""
    return {
        "projected": len(foresight.projected(indicators)),
        "at_risk": [
            {
                "code": i.code,
                "name": i.name,
                "department": i.lead_department.name,
                "completion": _plain(i.forecast.completion),
                "value": _plain(i.forecast.value),
                "low": _plain(i.forecast.low),
                "high": _plain(i.forecast.high),
                "phrase": foresight.running_phrase(i),
            }
            for i in foresight.at_risk(indicators)
        ],
    }


def _plain(value):
    return None if value is None else numbers.plain(Decimal(value).quantize(Decimal("0.0001")))


def investment(report, month, indicators):
    """The register's investment sentence's numbers: this year's completion of the
    implementation projects against their target (the derived target the dashboards judge) and
    of the whole register against this year's plan."""
    target = next(
        (i for i in indicators if i.register_rule == RegisterRule.IMPLEMENTATION_YEAR), None
    )
    whole = register.totals(Project.objects.as_of(report, month))
    if whole.count == 0 and target is None:
        return None
    result = {
        "invested_yi": _yi(whole.invested_yi),
        "planned_yi": _yi(whole.planned_yi),
        "share": _points(whole.share),
    }
    if target is not None and target.progress.actual is not None:
        result.update(
            target_name=target.name,
            target_invested_yi=_yi(target.progress.actual),
            target_share=_points(target.progress.completion),
            target_gap=progress.gap_phrase(target.progress, target.kind, target.unit),
        )
    return result


def _yi(value):
    return None if value is None else f"{Decimal(value):.2f}"


def slip_counts(report, month, today):
    """Open slips by colour as of ``today``, those issued for ``month`` and those closed."""
    rows = list(Slip.objects.filter(report=report).values_list("state", "reply_by", "month"))
    open_colours = [slips.colour(state, reply_by, today) for state, reply_by, _m in rows]
    return {
        "open": sum(1 for c in open_colours if c),
        "red": open_colours.count(slips.RED),
        "yellow": open_colours.count(slips.YELLOW),
        "blue": open_colours.count(slips.BLUE),
        "issued": sum(1 for _s, _r, m in rows if m == month),
        "closed": sum(1 for s, _r, _m in rows if s == Slip.State.CLOSED),
    }


def title_for(report, month):
    return _("关于%(region)s%(year)s年1—%(month)s政府工作报告目标任务推进情况的通报") % {
        "region": report.region.name,
        "year": report.year,
        "month": progress.month_label(month),
    }


def body_for(report, numbers):
    """The bulletin's text from its numbers, in the official style: paragraphs, one a line."""
    month = numbers["month"]
    lines = [
        *_opening(report, month),
        *_overall_part(numbers),
        *_outlook_part(numbers.get("outlook")),
        *_sections_part(numbers["sections"]),
        *_lagging_part(numbers["lagging"]),
        *_reporting_part(numbers["reporting"], month, numbers.get("awaiting", ())),
        *_supervision_part(numbers["slips"], month),
        *_requirements_part(),
    ]
    return "\n".join(lines)


def _opening(report, month):
    """The addressees and the sentence that introduces the bulletin."""
    return [
        _("各乡镇人民政府，县直各有关单位："),
        _(
            "为推动《%(title)s》确定的各项目标任务落实落地，县人民政府督查室对截至%(month)s底"
            "各项目标任务推进情况进行了汇总分析。现将有关情况通报如下："
        )
        % {"title": report.title, "month": progress.month_label(month)},
    ]


def _overall_part(numbers):
    """一、总体情况: the verdict on all targets, then the register's investment sentence."""
    month = numbers["month"]
    lines = [_("一、总体情况")]
    summary = progress.Summary(
        numbers["counts"], numbers["total"], None, None, numbers.get("on_target", 0)
    )
    overall = progress.verdict(month, summary)
    if numbers["average_completion"] is not None:
        overall = overall.rstrip("。.") + _(
            "；累计型、存量型和节点型目标平均完成率%(done)s%%，序时进度%(expected)s%%。"
        ) % {
            "done": numbers["average_completion"],
            "expected": numbers["average_expected"],
        }
    lines.append(overall)
    money = numbers["investment"]
    if money and money.get("target_invested_yi"):
        lines.append(
            _(
                "项目建设方面，1—%(month)s%(name)s累计完成%(invested)s亿元，占年度目标的%(share)s%%，"
                "%(gap)s；项目库全部项目本年累计完成投资%(all)s亿元，占本年计划投资的%(all_share)s%%。"
            )
            % {
                "month": progress.month_label(month),
                "name": money["target_name"],
                "invested": money["target_invested_yi"],
                "share": money["target_share"],
                "gap": money["target_gap"],
                "all": money["invested_yi"] or "0.00",
                "all_share": money["share"] or "0",
            }
        )
    return lines


def _outlook_part(figures):
    """The early warning, closing 一、总体情况: the targets projected to miss, each with its
    projection labelled 预计; a sentence saying none when every projected target is expected to
    be met; nothing while no target has a projection yet (too early in the year, or a bulletin
    stored before projections existed)."""
    if not figures or not figures["projected"]:
        return []
    risky = figures["at_risk"]
    if not risky:
        return [
            _("按目前进度预计，已作预计的%(n)s项目标均能完成全年目标。")
            % {"n": figures["projected"]}
        ]
    items = pgettext("between the items of a long list", "；").join(
        _("%(code)s %(name)s（牵头单位：%(department)s），%(phrase)s") % item for item in risky
    )
    return [_("预计难以完成全年目标的有%(n)s项：%(items)s。") % {"n": len(risky), "items": items}]


def _sections_part(sections):
    """二、各板块推进情况: a sentence a section, numbered （一）（二）…"""
    lines = [_("二、各板块推进情况")]
    for number, section in enumerate(sections, 1):
        text = _("（%(n)s）%(name)s。共%(total)s项目标，%(counts)s") % {
            "n": SECTION_NUMBERS[number - 1] if number <= 10 else number,
            "name": section["name"],
            "total": section["total"],
            "counts": progress.count_words(
                progress.Summary(
                    section["counts"], section["total"], None, None, section.get("on_target", 0)
                ),
                with_no_data=False,
            ),
        }
        if section["average_completion"] is not None:
            text += _("，平均完成率%(done)s%%（序时进度%(expected)s%%）") % {
                "done": section["average_completion"],
                "expected": section["average_expected"],
            }
        lines.append(text + pgettext("end of a sentence", "。"))
    return lines


def _lagging_part(lagging):
    """三、滞后事项: the lagging targets, numbered, or a line saying there are none."""
    lines = [_("三、滞后事项")]
    if lagging:
        for number, item in enumerate(lagging, 1):
            lines.append(
                _("%(n)s.%(name)s（牵头单位：%(department)s）：%(status)s，%(gap)s。")
                % {
                    "n": number,
                    "name": item["name"],
                    "department": item["department"],
                    "status": progress.STATUS_LABELS[item["status"]],
                    "gap": item["gap"],
                }
            )
    else:
        lines.append(_("本月没有滞后的目标任务。"))
    return lines


def _reporting_part(reporting, month, awaiting=()):
    """四、报送情况: the departments that have not reported the month, or reported it late; and
    the targets whose December figure waits for the annual statistics (neither late nor
    missing: a bulletin stored before they existed has none)."""
    lines = [_("四、报送情况")]
    missing = [r for r in reporting if r["state"] == timeliness.MISSING]
    late = [r for r in reporting if r["state"] == timeliness.LATE]
    if not missing and not late:
        lines.append(
            _("各责任单位均按时报送%(month)s进展。") % {"month": progress.month_label(month)}
        )
    if awaiting:
        lines.append(
            _("待统计年报的目标任务（年度数据以统计年报为准，不计逾期）：%(names)s。")
            % {"names": listing(_("%(name)s（%(department)s）") % item for item in awaiting)}
        )
    if missing:
        lines.append(
            _("逾期未报送%(month)s进展的单位：%(names)s。")
            % {
                "month": progress.month_label(month),
                "names": listing(
                    _("%(name)s（%(n)s项）") % {"name": r["department"], "n": r["missing"]}
                    for r in missing
                ),
            }
        )
    if late:
        lines.append(
            _("逾期报送的单位：%(names)s。") % {"names": listing(r["department"] for r in late)}
        )
    return lines


def _supervision_part(counts, month):
    """五、督办情况: the slips issued for the month, open by colour, and closed."""
    return [
        _("五、督办情况"),
        _(
            "%(month)s下发督办单%(issued)s件；目前在办%(open)s件（红色督办%(red)s件、黄色督办"
            "%(yellow)s件、蓝色督办%(blue)s件），累计销号%(closed)s件。"
        )
        % {**counts, "month": progress.month_label(month)},
    ]


def _requirements_part():
    """六、工作要求: the same demands every month."""
    return [
        _("六、工作要求"),
        _(
            "各责任单位要对照年度目标任务，认真分析滞后原因，制定切实可行的整改措施，确保按时序"
            "推进；逾期未报送的单位要立即补报，收到督办单的单位要在规定期限内反馈整改情况。"
            "县人民政府督查室将持续跟踪督办，并将推进情况纳入年度绩效考评。"
        ),
    ]


def paragraphs(body):
    """The body as (is_heading, text) per paragraph, for the page and the Word file."""
    return [(bool(HEADING.match(line)), line) for line in body.splitlines() if line.strip()]


def generate(report, month, today=None):
    """An unsaved bulletin generated from today's approved data as of ``month``."""
    numbers = figures(report, month, today)
    return Bulletin(
        report=report,
        month=month,
        title=title_for(report, month),
        body=body_for(report, numbers),
        numbers=numbers,
        generated_at=timezone.now(),
    )


def refusal(user, report):
    """Why ``user`` may not save, regenerate or publish ``report``'s bulletins now, or None.
    The office of the report's region, while the report is live: a report in 筹备 has nothing
    to report yet, and an archived one's bulletins are frozen with its figures."""
    if not access.can_supervise(user, report):
        return _("只有本地区的督查室可以编辑和发布通报。")
    if report.is_archived:
        return _("“%(report)s”已归档，通报不能再修改。") % {"report": report}
    if not report.is_published:
        return _("“%(report)s”尚在筹备，发布后才能编辑通报。") % {"report": report}
    return None


def _check(user, report):
    reason = refusal(user, report)
    if reason:
        raise BulletinError(reason)


def _locked(report, month):
    bulletin = Bulletin.objects.select_for_update().filter(report=report, month=month).first()
    if bulletin is not None and bulletin.is_published:
        raise BulletinError(_("通报已发布，不能再修改。"))
    return bulletin


def save_draft(user, report, month, title, body, version):
    """Save the office's text as the month's draft (creating it from fresh figures if new)."""
    _check(user, report)
    with transaction.atomic():
        bulletin = _locked(report, month)
        if bulletin is None:
            if workflow.is_stale(0, version):
                raise BulletinError(_("通报草稿已被删除，请刷新后再改。"))
            bulletin = generate(report, month)
        elif workflow.is_stale(bulletin.version, version):
            raise BulletinError(_("通报已被他人修改，请刷新后再改。"))
        else:
            bulletin.version += 1
        bulletin.title, bulletin.body = title, body
        bulletin.updated_by = user
        bulletin._history_user = user
        bulletin.save()
    return bulletin


def regenerate(user, report, month):
    """Replace the draft's text and figures with freshly generated ones."""
    _check(user, report)
    with transaction.atomic():
        bulletin = _locked(report, month)
        fresh = generate(report, month)
        if bulletin is None:
            bulletin = fresh
        else:
            bulletin.version += 1
            for name in ("title", "body", "numbers", "generated_at"):
                setattr(bulletin, name, getattr(fresh, name))
        bulletin.updated_by = user
        bulletin._history_user = user
        bulletin.save()
    return bulletin


def publish(user, report, month, version):
    """Publish the month's draft: from now on its text and numbers never change."""
    _check(user, report)
    with transaction.atomic():
        bulletin = _locked(report, month)
        if bulletin is None:
            raise BulletinError(_("请先保存通报草稿，再发布。"))
        if workflow.is_stale(bulletin.version, version):
            raise BulletinError(_("通报已被他人修改，请刷新后再发布。"))
        bulletin.state = Bulletin.State.PUBLISHED
        bulletin.version += 1
        bulletin.published_by, bulletin.published_at = user, timezone.now()
        bulletin._history_user = user
        bulletin.save()
    return bulletin
