"""Every chart has a text alternative (WCAG 1.1.1): a summary worded from the numbers it draws,
and its data as a table in a <details> beside it, server-rendered. The table is read back from
each dashboard page and checked against the figure the page hands plotly.js."""

import json
import re
from decimal import Decimal

import lxml.html
import pytest
from django.urls import reverse

from indicators import chart_text, charts, numbers
from indicators.models import Department, Indicator, Region, Section
from projects import charts as project_charts
from projects.models import Project
from reporting import demo as demo_cycle

from .conftest import make_user
from .test_regions import make_county

PERIOD = "?year=2023&month=9"


@pytest.fixture
def demo_year(report):
    demo_cycle.load_demo()
    return report


def dashboard_pages(report):
    """Every page that draws charts, as of September 2023. Add new ones here."""
    section = Section.objects.filter(report=report).order_by("order").first()
    fgj = Department.objects.get(region=report.region, code="fgj")
    return [
        "/" + PERIOD,
        reverse("reporting:section", args=[section.pk]) + PERIOD,
        reverse("reporting:indicator", args=[Indicator.objects.get(report=report, code="EC-05").pk])
        + PERIOD,
        reverse("reporting:departments") + PERIOD,
        reverse("reporting:department", args=[fgj.pk]) + PERIOD,
        reverse("reporting:screen") + PERIOD,
        reverse("projects:detail", args=[Project.objects.filter(report=report).first().pk]),
        reverse("projects:investment") + PERIOD,
    ]


def drawn(figure):
    """(row, column, what the chart shows there) for every point of ``figure``: a heatmap's
    cell words; otherwise each point's printed label, or its value where it prints none."""
    traces = [t for t in figure["data"] if t.get("hoverinfo") != "skip"]
    horizontal = traces[0].get("orientation") == "h"
    axis = figure["layout"]["yaxis" if horizontal else "xaxis"]
    ticks = dict(zip(axis.get("tickvals", []), axis.get("ticktext", []), strict=True))
    for trace in traces:
        if trace["type"] == "heatmap":
            for y, words in zip(trace["y"], trace["text"], strict=True):
                yield from ((y, x, word) for x, word in zip(trace["x"], words, strict=True))
            continue
        categories, values = (trace["y"], trace["x"]) if horizontal else (trace["x"], trace["y"])
        labels = trace.get("text") if isinstance(trace.get("text"), list) else []
        for index, (category, value) in enumerate(zip(categories, values, strict=True)):
            label = labels[index] if labels and labels[index] not in ("", None) else value
            yield ticks.get(category, str(category)), trace.get("name") or "数值", label


def read_table(table):
    """A chart's table as {(row, column): cell}."""
    columns = [th.text_content() for th in table.xpath("./thead/tr/th")][1:]
    cells = {}
    for row in table.xpath("./tbody/tr"):
        label = row.xpath("./th")[0].text_content()
        for column, cell in zip(columns, row.xpath("./td"), strict=True):
            cells[label, column] = cell.text_content()
    return cells


def says(cell, shown):
    """Whether a table cell says what the chart shows: the same words, or the same number
    (written with separators and the axis' suffix)."""
    if shown is None:
        return cell == numbers.DASH
    if isinstance(shown, int | float):
        number = re.match(r"-?[\d,]+(\.\d+)?", cell)
        return bool(number) and Decimal(number[0].replace(",", "")) == Decimal(str(round(shown, 2)))
    return cell == str(shown)


def chart_problems(path, html):
    """What is missing or wrong in the alternatives of every chart on the page."""
    tree = lxml.html.fromstring(html)
    scripts = tree.xpath("//script[@data-chart]")
    problems = [] if scripts else [f"{path}: no chart"]
    for script in scripts:
        chart_id = script.get("data-chart")
        figure = json.loads(script.text)
        if not tree.xpath(f"//div[@id='{chart_id}']"):
            problems.append(f"{path} {chart_id}: no element to draw in")
        summary = tree.xpath(f"//p[@id='{chart_id}-summary']")
        if not summary or not summary[0].text_content().strip():
            problems.append(f"{path} {chart_id}: no summary")
        tables = tree.xpath(f"//details[summary]//table[@data-chart-table='{chart_id}']")
        if not tables:
            problems.append(f"{path} {chart_id}: no table in a <details>")
            continue
        cells = read_table(tables[0])
        points = {(row, column): shown for row, column, shown in drawn(figure)}
        problems += [
            f"{path} {chart_id}: {row}/{column} reads {cells.get((row, column))!r}, drawn {shown!r}"
            for (row, column), shown in points.items()
            if (row, column) not in cells or not says(cells[row, column], shown)
        ]
        # A row per category and a column per trace: nothing else, and "—" where a trace has
        # no point in that row (the forecast's two months, say).
        rows, columns = {row for row, _c in points}, {column for _r, column in points}
        problems += [
            f"{path} {chart_id}: {row}/{column} reads {cell!r}, drawn nothing"
            for (row, column), cell in cells.items()
            if row not in rows
            or column not in columns
            or ((row, column) not in points and cell != numbers.DASH)
        ]
    return problems


def test_every_chart_on_every_dashboard_has_a_summary_and_its_data_as_a_table(
    client, demo_year, leader
):
    client.force_login(leader)
    problems = []
    for path in dashboard_pages(demo_year):
        response = client.get(path)
        assert response.status_code == 200, path
        problems += chart_problems(path, response.content.decode())
    assert problems == []


def test_a_city_leaders_region_charts_have_a_summary_and_their_data_as_a_table(client, report):
    city = Region.objects.create(name="柳州市", code="450200", level=Region.Level.CITY)
    report.region.parent = city
    report.region.save()
    make_county(
        "鹿寨县", "450223", city,
        [("LV-01", "城镇新增就业", "cumulative", 1200, "人", "fgj", "monthly", {9: 300})],
    )  # fmt: skip
    client.force_login(make_user("city-leader", "leader", region=city))
    path = "/regions/?year=2023&month=9&compare=城镇新增就业"
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="chart-regions"' in html and 'data-chart="chart-compare"' in html
    assert chart_problems(path, html) == []


def test_a_table_that_disagrees_with_its_chart_is_caught():
    figure = charts.status_breakdown({"done": 3, "behind": 1})
    chart = charts.embed("chart-status", figure)
    html = (
        f'<p id="chart-status-summary">{chart.summary}</p><div id="chart-status"></div>'
        f'<script type="application/json" data-chart="chart-status">{chart.json}</script>'
        '<details><summary>x</summary><table data-chart-table="chart-status"><thead><tr>'
        "<th></th><th>目标数</th></tr></thead><tbody><tr><th>已完成</th><td>3</td></tr>"
        "<tr><th>滞后</th><td>2</td></tr></tbody></table></details>"
    )
    assert chart_problems("/", html) == ["/ chart-status: 滞后/目标数 reads '2', drawn 1"]


# --- The summaries say what the chart draws ---


def test_the_section_summary_names_the_highest_and_lowest_bars_and_counts_those_on_schedule():
    figure = charts.section_completion(
        ["甲", "乙", "丙"],
        [Decimal("0.9"), Decimal("0.5"), None],
        [Decimal("0.75"), Decimal("0.75"), None],
    )
    summary = charts.embed("chart-sections", figure).summary
    assert (
        summary
        == "2个板块中1个的平均完成率达到序时进度；最高的是甲（90.0%），最低的是乙（50.0%）。"
    )


def test_the_status_summary_counts_what_the_bars_count():
    chart = charts.embed("chart-status", charts.status_breakdown({"done": 6, "far_behind": 3}))
    assert chart.summary == "9项目标中，已完成6项，严重滞后3项。"
    assert chart.table.rows == [("已完成", ["6"]), ("严重滞后", ["3"])]


def test_the_bullets_summary_counts_statuses_and_names_the_lowest_completion():
    figure = charts.bullets(
        ["A-1", "A-2"],
        [Decimal("1.2"), Decimal("0.4")],
        [Decimal("0.75")] * 2,
        ["done", "far_behind"],
    )
    chart = charts.embed("chart-bullets", figure)
    assert chart.summary == "2项目标中，已完成1项，严重滞后1项；完成率最低的是A-2（40.0%）。"
    assert chart.table.columns == ["完成率", "序时进度"]  # the target line's key is no data
    assert chart.table.rows[0] == ("A-1", ["120.0% 已完成", "75%"])


def test_the_path_summary_reads_the_latest_value_against_the_target_and_the_plan():
    figure = charts.monthly_path(
        [1, 2, 3], [Decimal(10), Decimal(25), None], [Decimal(10 * m) for m in range(1, 13)],
        Decimal(120), unit="亩",
    )  # fmt: skip
    chart = charts.embed("chart-path", figure)
    assert chart.summary == "截至2月底为25亩；年度目标120亩；序时进度要求20亩。"
    assert chart.table.rows[1] == ("2月", ["25", "20"])
    assert chart.table.rows[2] == ("3月", [numbers.DASH, "30"])


def test_the_timeliness_summary_counts_the_due_cells():
    figure = charts.timeliness_heatmap(
        ["发改局", "人社局"],
        [1, 2],
        [["on_time", "late"], ["missing", "not_due"]],
        {"on_time": "按时", "late": "逾期", "missing": "未报", "not_due": "未到期"},
    )
    chart = charts.embed("chart-timeliness", figure)
    assert chart.summary == "2个单位到期的报送中，按时1次，逾期1次，未报1次。"
    assert chart.table.rows == [("发改局", ["按时", "逾期"]), ("人社局", ["未报", "未到期"])]


def test_the_investment_table_shows_amounts_while_the_bars_print_shares():
    figure = project_charts.planned_vs_completed(
        ["工程甲"], [Decimal(10)], [Decimal(4)], unit="亿元", rows="所属工程"
    )
    chart = charts.embed("by-programme", figure)
    assert chart.summary == "合计本年计划投资10亿元，已完成4亿元（40.0%）。"
    assert chart.table.corner == "所属工程"
    assert chart.table.rows == [("工程甲", ["10亿元", "4亿元"])]
    assert json.loads(chart.json)["data"][1]["customdata"] == ["40.0%"]


def test_a_figure_without_words_still_gets_its_table():
    figure = {"data": [{"type": "bar", "name": "n", "x": ["a"], "y": [1]}], "layout": {}}
    assert chart_text.table(figure).rows == [("a", ["1"])]
