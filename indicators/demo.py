"""Demo data: the 2023 report of 柳城县, demo logins and a believable year of progress.

Only `manage.py load_demo` calls this; production never has these users. The monthly values are
invented but shaped like a real year: at the end of September the overview shows a mix of done,
on-track, behind and far-behind targets, two with no data yet, and one judged only at year end.

December, the month the demo opens on, tells the month's story (`december_story`), through the
workflow gate like any real month: most figures approved, two departments' submitted and waiting
in the review queue, one entry returned with a comment, and two departments late (城管局 has
reported nothing; 生态环境局's only figure was returned).

Beside it, the turn of the year: 柳城县's 2024 report in 筹备, started from 2023 as the office
would start it (`ensure_next_year`), visible to the office only.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts import roles

from . import checks, setup, versions, workflow
from .checks import cross
from .models import (
    CheckRule,
    Department,
    EntryState,
    Indicator,
    ProgressEntry,
    Region,
    Report,
    Section,
    User,
)

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "liucheng-2023.json"
REGION, REGION_CODE, YEAR = "柳城县", "450222", 2023
PASSWORD = "demo1234"

# Each non-derived target's path: (value at end of September, value at end of December,
# problems text while behind). Months 1-9 rise toward the September value; 10-12 toward December.
# None for September: nothing approved until the autumn (shows as 无数据 at September).
PATHS = {
    "PP-10": (3300, 4800, "部分地块青苗补偿标准未谈妥，群众工作推进较慢。"),
    "PP-11": (560, 700, ""),
    "UC-01": (80, 100, ""),
    "UC-02": (60, 92, "征地拆迁未完成，剩余3户未签订协议，影响路基施工。"),
    "UC-03": (100, 100, ""),
    "UC-04": (None, 60, "方案设计调整，开工时间推迟。"),
    "UC-05": (70, 100, "第四期项目资金尚未完全到位。"),
    "UC-06": (78, 100, ""),
    "UC-07": (55, 85, "企业资金链紧张，施工队伍减员，进度明显滞后。"),
    "UC-08": (100, 100, ""),
    "UC-09": (76, 100, ""),
    "UC-10": (68, 100, "沿街商户协调难度大，立面改造进度偏慢。"),
    "UC-11": (None, 100, "项目招标流程较长，9月底前尚未确定中标单位。"),
    "UC-12": (80, 100, ""),
    "EC-01": (10, 14, "2个村选址未落实，需重新征求村民意见。"),
    "EC-03": (0.82, 1.2, "部分林农流转意愿不强，流转价格分歧较大。"),
    "EC-04": (62, 79, ""),
    "EC-05": (85, 100, ""),
    "EC-06": (58, 90, "电网接入容量不足，部分屋顶产权不清，备案进度慢。"),
    "LV-01": (1263, 1620, ""),
    "LV-04": (100, 100, ""),
    "LV-05": (72, 100, "雨季影响土方施工，工期延后约半个月。"),
    "LV-06": (80, 100, ""),
    "LV-07": (90, 100, ""),
    "LV-08": (70, 100, "部分乡镇健康村创建材料不完整，需补充整改。"),
    "LV-09": (60, 100, ""),
    "LV-10": (77, 100, ""),
}
# Month by month where a curve would be wrong: ceilings are readings, not accumulations, and
# planting follows the spring rains (EC-02 has a seasonal plan to match).
READINGS = {
    "EC-02": ["0.5", "1.6", "3.0", "4.2", "4.9", "5.3", "5.5", "5.6", "5.6", "5.6", "5.6", "5.6"],
    "LV-02": ["4.3", "4.4", "4.6", "4.5", "4.3", "4.2", "4.2", "4.1", "4.2", "4.1", "4.0", "3.9"],
    "LV-03": ["3", "2", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0"],
}
READING_PROBLEMS = {"LV-03": "节后返乡人员中有零就业家庭，正逐户开展就业援助。"}

# The story of the month the demo opens on (see the module's docstring).
STORY_MONTH = 12
WAITING = ("jyj", "wjj")  # submitted on time, waiting for the office
RETURNED = ("EC-01", "12月新增村数与生态环境局台账不一致（台账为13个），请核实后重新报送。")
SILENT = ("cgj",)  # nothing reported for December


def monthly_values(code, kind, target, month_count=12):
    """The invented value at the end of each month, monotonic for accumulating kinds."""
    if code in READINGS:
        return [Decimal(v) for v in READINGS[code]]
    september, december, _ = PATHS[code]
    values = []
    for month in range(1, month_count + 1):
        if september is None:
            # Starts in October and climbs to December's value.
            value = None if month < 10 else Decimal(december) * (month - 9) / 3
        elif month <= 9:
            # A gentle S-curve: slow first quarter, steady summer.
            share = Decimal(month) / 9
            value = Decimal(str(september)) * share * (Decimal("0.6") + Decimal("0.4") * share)
        else:
            value = (
                Decimal(str(september))
                + (Decimal(str(december)) - Decimal(str(september))) * (month - 9) / 3
            )
        values.append(None if value is None else _round(value, kind, target))
    return values


def _round(value, kind, target):
    if kind == Indicator.Kind.MILESTONE or target >= 100:
        return value.quantize(Decimal(1))
    return value.quantize(Decimal("0.01"))


def note_for(indicator, value):
    if value is None:
        return ""
    return f"截至月底累计完成{_plain(value)}{indicator.unit}，按计划推进。"


def _plain(value):
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def ensure_groups():
    """The roles' groups and their permissions: the roles' own (``accounts.roles``), which
    ``migrate`` already made; kept for the demo's and the tests' callers."""
    roles.ensure_groups()


def ensure_user(
    username,
    *,
    group=None,
    department=None,
    region=None,
    superuser=False,
    staff=False,
    last_name="",
):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, department=department, region=region, last_name=last_name)
        user.password = _demo_password_hash()
        user.is_superuser = superuser
        user.is_staff = superuser or staff
        user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
    return user


def _demo_password_hash(cache={}):  # noqa: B006 - hashing is slow on purpose; once is enough
    if "hash" not in cache:
        cache["hash"] = make_password(PASSWORD)
    return cache["hash"]


def demo_region():
    region, _ = Region.objects.get_or_create(
        name=REGION, defaults={"code": REGION_CODE, "level": Region.Level.COUNTY}
    )
    return region


def ensure_report():
    """The demo's report with its sections, departments and targets, loaded from the shipped
    catalogue by natural keys (region, codes, names), never by its primary keys: another
    region's rows already in the database are left alone."""
    region = demo_region()
    report = Report.objects.filter(region=region, year=YEAR).first()
    if report is not None:
        return report
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    by_model = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    (report_row,) = by_model["indicators.report"]  # of the one region, whose row is the demo's
    # The demo's year is under way (published): its December is mid-cycle.
    report = Report.objects.create(
        region=region,
        year=report_row["fields"]["year"],
        title=report_row["fields"]["title"],
        state=Report.State.ACTIVE,
    )
    sections = {
        row["pk"]: Section.objects.create(**row["fields"] | {"report": report})
        for row in by_model["indicators.section"]
    }
    departments = {}
    for row in by_model["indicators.department"]:
        fields = {k: v for k, v in row["fields"].items() if k not in ("leader", "region")}
        departments[row["pk"]], _ = Department.objects.get_or_create(
            region=region, code=fields.pop("code"), defaults=fields
        )
    for row in by_model["indicators.indicator"]:
        fields = dict(row["fields"])
        cooperating = fields.pop("cooperating_departments", [])
        fields.pop("report")
        fields["section"] = sections[fields["section"]]
        fields["lead_department"] = departments[fields["lead_department"]]
        indicator = Indicator.objects.create(report=report, **fields)
        indicator.cooperating_departments.set(departments[pk] for pk in cooperating)
    return report


# The demo's plausibility rules (校验规则). Every rule on single figures runs report-wide with its
# default parameter (declared, so the workbook's sheet shows them, and so that they run however
# declared rules are read). Of the cross-target rules, 2023 has targets for one: the register's
# start counts against their plans (PP-07: 46 continuing projects under way, PP-08: 51 new ones
# started), a warning. Its report types no part of a typed total and no figure the register also
# sums, so no part-of-total or register-sum rule fits it.
DEMO_RULES = [
    *((rule, None, "") for rule in checks.RULES if rule not in cross.CROSS_RULES),
    (checks.STARTED_OVER_PLAN, "PP-07", "续建项目开工数不超过报告所列46个"),
    (checks.STARTED_OVER_PLAN, "PP-08", "新建项目开工数不超过报告所列51个"),
]


def ensure_check_rules(report):
    """``report``'s demo rules (`DEMO_RULES`), once: a report with rules keeps its own."""
    if report.check_rules.exists():
        return 0
    targets = {i.code: i for i in report.indicators.all()}
    for rule, code, note in DEMO_RULES:
        CheckRule.objects.create(report=report, rule=rule, indicator=targets.get(code), note=note)
    return len(DEMO_RULES)


def ensure_next_year(report):
    """The report of the year after ``report``, in 筹备: started from it by `setup.start_from`
    (as the office's "以上一年度为基础新建" does; no user, as a command acts), or the one that
    exists already."""
    existing = Report.objects.filter(region=report.region, year=report.year + 1).first()
    return existing or setup.start_from(report, None)


# The county leaders in charge (分管县领导) of the demo's departments, by name, as the summary and
# escalations name them: `leader` is the documented login; the other two read the same pages.
LEADERS = {
    "leader": ("刘志强", ("fgj", "tcj", "zrzyj", "czj")),
    "leader-zhang": ("张丽", ("rsj", "jyj", "wjj")),
    "leader-huang": ("黄海", ("zjj", "cgj", "sthjj", "lyj")),
}


def ensure_users():
    """The demo logins of DESIGN.md, all of the demo region; returns (leader, reviewer)."""
    ensure_groups()
    region = demo_region()
    ensure_user("admin", superuser=True, last_name="超级管理员")
    # The 三员, each in its one group and of no region: the system administrator works in the
    # admin; the security and audit administrators on their own pages.
    ensure_user("sysadmin", group=roles.SYSADMIN, staff=True, last_name="系统管理员")
    ensure_user("secadmin", group=roles.SECADMIN, last_name="安全管理员")
    ensure_user("auditor", group=roles.AUDITOR, last_name="审计管理员")
    leaders = {
        username: ensure_user(username, group=roles.LEADER, region=region, last_name=name)
        for username, (name, _codes) in LEADERS.items()
    }
    leader = leaders["leader"]
    # The supervision office sets up targets in the admin, so it is staff.
    reviewer = ensure_user(
        "reviewer", group=roles.REVIEWER, staff=True, region=region, last_name="督查室"
    )
    departments = Department.objects.filter(region=region)
    for department in departments:
        ensure_user(
            department.code,
            group=roles.REPORTER,
            department=department,
            region=region,
            last_name=f"{department.short_name}填报员",
        )
    updated = 0
    for username, (_name, codes) in LEADERS.items():
        updated += departments.filter(leader__isnull=True, code__in=codes).update(
            leader=leaders[username]
        )
    updated += departments.filter(leader__isnull=True).update(leader=leader)
    if updated:
        versions.advance(everything=True)  # bulk updates: no signal advanced it
    return leader, reviewer


def other_regions():
    """Regions that are not the demo's: real data the demo must not touch."""
    return Region.objects.exclude(name=REGION)


def ensure_entries(report, reviewer):
    """A year of approved entries for every target that is not derived from the register."""
    if ProgressEntry.objects.filter(indicator__report=report).exists():
        return 0
    reporters = {u.department_id: u for u in User.objects.filter(groups__name=roles.REPORTER)}
    storied = set(
        Department.objects.filter(region=report.region, code__in=(*WAITING, *SILENT)).values_list(
            "pk", flat=True
        )
    )
    entries = []
    for indicator in report.indicators.filter(register_rule="").order_by("code"):
        values = monthly_values(indicator.code, indicator.kind, indicator.target)
        problems = PATHS[indicator.code][2] if indicator.code in PATHS else ""
        problems = problems or READING_PROBLEMS.get(indicator.code, "")
        for month, value in enumerate(values, 1):
            if value is None:
                continue
            if month == STORY_MONTH and (
                indicator.lead_department_id in storied or indicator.code == RETURNED[0]
            ):
                continue  # told by december_story, through the gate
            progress = indicator.judge(month, value)
            submitted = _moment(report.year, month, 3)
            entries.append(
                ProgressEntry(
                    indicator=indicator,
                    kind=indicator.kind,
                    month=month,
                    value=value,
                    note=note_for(indicator, value),
                    problems=problems if progress.is_behind else "",
                    state=EntryState.APPROVED,
                    updated_by=reporters.get(indicator.lead_department_id),
                    submitted_by=reporters.get(indicator.lead_department_id),
                    submitted_at=submitted,
                    reviewed_by=reviewer,
                    reviewed_at=submitted + datetime.timedelta(days=1),
                )
            )
    bulk_create_with_history(entries, ProgressEntry, default_user=reviewer)
    versions.advance([report.pk])  # written in bulk: no signal advanced the data version
    return len(entries) + december_story(report, reviewer, reporters)


def december_story(report, reviewer, reporters):
    """December through the gate: the waiting departments submit (on 3 January), the returned
    entry is submitted and sent back with the office's comment (4 and 6 January); the silent
    departments report nothing. Returns how many entries it wrote."""
    month = STORY_MONTH
    waiting = report.indicators.filter(
        register_rule="", lead_department__code__in=WAITING
    ).select_related("lead_department")
    written = []
    for indicator in waiting:
        value = monthly_values(indicator.code, indicator.kind, indicator.target)[month - 1]
        if value is None or not indicator.is_due(month):
            continue
        reporter = reporters[indicator.lead_department_id]
        change = workflow.Change(
            indicator, month, {"value": value, "note": note_for(indicator, value)}, 0
        )
        written += workflow.apply(reporter, [change], workflow.SUBMIT)
    ProgressEntry.objects.filter(pk__in=[e.pk for e in written]).update(
        submitted_at=_moment(report.year, month, 3)
    )
    code, comment = RETURNED
    indicator = report.indicators.select_related("lead_department").get(code=code)
    reporter = reporters[indicator.lead_department_id]
    value = monthly_values(code, indicator.kind, indicator.target)[month - 1]
    change = workflow.Change(
        indicator, month, {"value": value, "note": note_for(indicator, value)}, 0
    )
    (entry,) = workflow.apply(reporter, [change], workflow.SUBMIT)
    workflow.review(reviewer, [entry], workflow.RETURN, comment=comment)
    ProgressEntry.objects.filter(pk=entry.pk).update(
        submitted_at=_moment(report.year, month, 4),
        reviewed_at=_moment(report.year, month, 6),
    )
    return len(written) + 1


def _moment(year, month, day):
    """A time on ``day`` of the month after ``month``, when a month's figures come in."""
    when = datetime.date(year + (month == 12), month % 12 + 1, day)
    return timezone.make_aware(datetime.datetime.combine(when, datetime.time(10, 0)))
