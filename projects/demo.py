"""A demo project register for the 2023 report: 153 implementation and 182 preliminary projects.

Names, places and amounts are invented but plausible for a county of Guangxi. Totals match the
report exactly (392.73亿元 and 480.1亿元 in all; 78亿元 and 85.49亿元 planned this year) so the
register-derived targets read as a real register would. Deterministic: the same seed, the same
register, on every machine.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from indicators import versions
from indicators.models import Department, EntryState, User
from indicators.progress import month_end

from .models import BuildType, Category, Project, ProjectProgress, Stage

TOWNS = [
    "大埔镇",
    "龙头镇",
    "太平镇",
    "沙埔镇",
    "东泉镇",
    "凤山镇",
    "六塘镇",
    "冲脉镇",
    "寨隆镇",
    "马山镇",
    "古砦仡佬族乡",
    "社冲乡",
    "县城",
    "柳城工业园区",
]
# (project type, department code, programme) — 九大工程 names are invented for the demo.
KINDS = [
    ("标准厂房建设项目", "fgj", "产业振兴工程"),
    ("糖料蔗高效节水灌溉项目", "fgj", "乡村振兴工程"),
    ("冷链物流园项目", "tcj", "产业振兴工程"),
    ("农产品加工产业园项目", "tcj", "产业振兴工程"),
    ("道路改扩建工程", "zjj", "交通提升工程"),
    ("老旧小区改造项目", "zjj", "城建塑县工程"),
    ("农贸市场提升改造项目", "zjj", "城建塑县工程"),
    ("学校教学综合楼建设项目", "jyj", "社会事业工程"),
    ("卫生院业务用房建设项目", "wjj", "社会事业工程"),
    ("土地综合整治项目", "zrzyj", "乡村振兴工程"),
    ("农村生活污水处理项目", "sthjj", "生态环保工程"),
    ("国家储备林建设项目", "lyj", "生态环保工程"),
    ("光伏发电项目", "fgj", "能源保障工程"),
    ("小型水库除险加固项目", "fgj", "水利建设工程"),
    ("5G基站及数字乡村项目", "fgj", "新基建工程"),
]
ORIGINS = [
    "广东深圳",
    "广东广州",
    "广东佛山",
    "浙江杭州",
    "江苏苏州",
    "上海",
    "福建厦门",
    "广西南宁",
    "广西柳州",
    "湖南长沙",
    "香港",
]

# Register shape for 2023: 46 continuing + 107 new implementation projects; of the new, this many
# start by the end of each month (51 planned for the year); projects completed by each month
# (18 planned); promotion projects signed by each month (55 planned).
IMPLEMENTATION, PRELIMINARY, CONTINUING = 153, 182, 46
STARTED_BY_MONTH = [2, 6, 12, 18, 24, 29, 33, 37, 40, 45, 50, 53]
COMPLETED_BY_MONTH = [0, 1, 2, 3, 4, 5, 6, 8, 9, 13, 16, 19]
SIGNED_BY_MONTH = [3, 7, 12, 17, 21, 26, 30, 34, 38, 45, 51, 57]
# Share of this year's planned investment completed by the end of each month, all projects taken
# together: implementation runs a little behind 序时进度, preliminary well behind.
CURVES = {
    Category.IMPLEMENTATION: [3, 8, 15, 23, 31, 39, 50, 60, 70, 80, 91, 102],
    Category.PRELIMINARY: [2, 5, 10, 16, 22, 28, 35, 45, 55, 66, 80, 93],
}
TOTALS = {  # in 万元: (total investment, planned this year)
    Category.IMPLEMENTATION: (Decimal("3927300"), Decimal("780000")),
    Category.PRELIMINARY: (Decimal("4801000"), Decimal("854900")),
}


def split(total, count, rng):
    """``count`` random amounts (2 decimals) that add up to ``total`` exactly."""
    weights = [rng.lognormvariate(0, 0.9) for _ in range(count)]
    scale = total / Decimal(str(sum(weights)))
    amounts = [(Decimal(str(w)) * scale).quantize(Decimal("0.01")) for w in weights]
    amounts[-1] += total - sum(amounts)
    return amounts


def _month_of(index, by_month):
    """The month in which item ``index`` (0-based) happens, per a cumulative schedule."""
    for month, count in enumerate(by_month, 1):
        if index < count:
            return month
    return None


def _day_in(year, month, rng):
    return datetime.date(year, month, rng.randint(1, 28))


def build_projects(report, departments, rng):
    projects = []
    year = report.year
    for category, count, prefix in (
        (Category.IMPLEMENTATION, IMPLEMENTATION, "SS"),
        (Category.PRELIMINARY, PRELIMINARY, "QQ"),
    ):
        total, planned = TOTALS[category]
        for number, (total_amount, planned_amount) in enumerate(
            zip(split(total, count, rng), split(planned, count, rng), strict=True), 1
        ):
            kind, department_code, programme = KINDS[(number * 7 + count) % len(KINDS)]
            town = TOWNS[(number * 5 + len(prefix)) % len(TOWNS)]
            projects.append(
                Project(
                    report=report,
                    code=f"{prefix}{year}-{number:03d}",
                    name=f"柳城县{town}{kind}" + ("" if number < 15 else f"（{number // 15}期）"),
                    category=category,
                    build_type=BuildType.NEW,
                    stage=Stage.PLANNED if category == Category.PRELIMINARY else Stage.READY,
                    total_investment=total_amount,
                    planned_investment=planned_amount,
                    lead_department=departments[department_code],
                    programme=programme,
                )
            )
    implementation = projects[:IMPLEMENTATION]
    for index, project in enumerate(implementation[:CONTINUING]):
        project.build_type = BuildType.CONTINUING
        project.stage = Stage.STARTED
        project.start_date = _day_in(year - 1 - index % 2, 3 + index % 9, rng)
    new = implementation[CONTINUING:]
    for index, project in enumerate(new):
        month = _month_of(index, STARTED_BY_MONTH)
        if month:
            project.stage = Stage.STARTED
            project.start_date = _day_in(year, month, rng)
    # Completions come from continuing projects first, then early starters.
    finishing = implementation[:CONTINUING:3] + new[:10]
    for index, project in enumerate(finishing):
        month = _month_of(index, COMPLETED_BY_MONTH)
        if month:
            project.stage = Stage.COMPLETED
            project.completion_date = _day_in(year, month, rng)
            if project.start_date and project.start_date > project.completion_date:
                project.start_date = datetime.date(year, 1, 2)
    promoted = new[::2] + projects[IMPLEMENTATION::6]
    for index, project in enumerate(promoted):
        month = _month_of(index, SIGNED_BY_MONTH)
        if month:
            project.is_promoted = True
            project.signed_on = _day_in(year, month, rng)
            project.investor_origin = ORIGINS[index % len(ORIGINS)]
    for project in projects[IMPLEMENTATION:]:
        if rng.random() < 0.4:
            project.stage = Stage.READY
    for project in projects:
        register_at_year_start(project)
    return projects


def register_at_year_start(project):
    """The registration: where the project stood on 1 January, before the year's reports. The
    year's starts and completions come from approved monthly rows (`build_progress`)."""
    year_start = datetime.date(project.report.year, 1, 1)
    started_before = project.start_date is not None and project.start_date < year_start
    if started_before:
        project.registered_stage = Stage.STARTED
        project.registered_start_date = project.start_date
    elif project.stage == Stage.PLANNED:
        project.registered_stage = Stage.PLANNED
    else:
        project.registered_stage = Stage.READY


def stage_at(project, month):
    end = month_end(project.report.year, month)
    if project.completion_date and project.completion_date <= end:
        return Stage.COMPLETED
    if project.start_date and project.start_date <= end:
        return Stage.STARTED
    return Stage.READY if project.stage == Stage.READY else Stage.PLANNED


def build_progress(projects, reporters, reviewer, rng):
    rows = []
    for project in projects:
        factor = Decimal(str(rng.uniform(0.8, 1.2)))
        reporter = reporters.get(project.lead_department_id)
        for month, percent in enumerate(CURVES[project.category], 1):
            invested = (project.planned_investment * percent * factor / 100).quantize(
                Decimal("0.01")
            )
            when = timezone.make_aware(
                datetime.datetime(project.report.year + (month == 12), month % 12 + 1, 3, 10)
            )
            stage = stage_at(project, month)
            rows.append(
                ProjectProgress(
                    project=project,
                    month=month,
                    investment_completed=invested,
                    stage=stage,
                    stage_date=_stage_date(project, stage, month),
                    physical_progress=_physical(stage, month),
                    state=EntryState.APPROVED,
                    updated_by=reporter,
                    submitted_by=reporter,
                    submitted_at=when,
                    reviewed_by=reviewer,
                    reviewed_at=when + datetime.timedelta(days=1),
                )
            )
    return rows


def _stage_date(project, stage, month):
    """The date a row gives for a start or completion that happened in its month."""
    day = {Stage.STARTED: project.start_date, Stage.COMPLETED: project.completion_date}.get(stage)
    if day and (day.year, day.month) == (project.report.year, month):
        return day
    return None


def _physical(stage, month):
    return {
        Stage.PLANNED: "开展项目前期论证和方案编制。",
        Stage.READY: "用地、环评等前期手续已办结，具备开工条件。",
        Stage.STARTED: f"主体工程施工中，截至{month}月底形象进度按计划推进。",
        Stage.COMPLETED: "项目已竣工验收。",
    }[stage]


def ensure_register(report, reviewer):
    """Create the demo register once; returns how many projects were created (0 if present)."""
    if Project.objects.filter(report=report).exists():
        return 0
    rng = random.Random(report.year)
    departments = {d.code: d for d in Department.objects.all()}
    projects = build_projects(report, departments, rng)
    projects = bulk_create_with_history(projects, Project, default_user=reviewer)
    projects = list(Project.objects.filter(report=report).select_related("report"))
    reporters = {u.department_id: u for u in User.objects.filter(groups__name="reporter")}
    progress = build_progress(projects, reporters, reviewer, rng)
    bulk_create_with_history(progress, ProjectProgress, default_user=reviewer)
    versions.advance([report.pk])  # written in bulk: no signal advanced the data version
    return len(projects)
