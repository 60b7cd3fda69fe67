"""The chart module: plain series in, plain figures out, cheap at hundreds of targets."""

import json
from decimal import Decimal

from django.utils import translation

from indicators import charts, progress

STATUSES = ["done", "on_track", "behind", "far_behind", "no_data"]


def all_traces(figure):
    return figure["data"]


def test_figures_are_plain_json_with_the_house_config():
    figure = charts.section_completion(["A", "B"], [Decimal("0.5"), None], [Decimal("0.75"), None])
    text = json.dumps(figure)  # plain values only: no Decimal, no plotly objects
    assert "Decimal" not in text
    assert figure["config"] == {
        "displaylogo": False,
        "showSendToCloud": False,
        "responsive": True,
        "locale": "zh-CN",  # plotly.js's own words in Chinese (static/js/plotly-locale-zh-cn.js)
    }
    assert figure["layout"]["font"]["family"] == charts.FONT_FAMILY


def test_plotly_speaks_english_on_english_pages():
    with translation.override("en"):
        figure = charts.section_completion(["A"], [Decimal("0.5")], [Decimal("0.75")])
    assert "locale" not in figure["config"]
    assert figure["data"][1]["name"] == "Expected by now"


def test_section_completion_marks_the_expected_level_and_words_missing_data():
    figure = charts.section_completion(["A", "B"], [Decimal("0.5"), None], [Decimal("0.75"), None])
    bars, markers = figure["data"]
    assert bars["x"] == [50.0, 0]
    assert bars["text"] == ["50.0%", "无数据"]
    assert markers["x"] == [75.0, None]
    assert markers["name"] == "序时进度"


def test_bullets_colour_each_bar_by_status_and_say_the_word():
    completions = [Decimal("1.02"), Decimal("0.8"), Decimal("0.7"), Decimal("0.4"), None]
    figure = charts.bullets(
        [f"T{n}" for n in range(5)], completions, [Decimal("0.75")] * 5, STATUSES
    )
    bars = figure["data"][0]
    assert bars["marker"]["color"] == [progress.STATUS_COLOURS[s] for s in STATUSES]
    for text, status in zip(bars["text"], STATUSES, strict=True):
        assert str(progress.STATUS_LABELS[status]) in text  # never colour alone
    assert bars["text"][0] == "102.0% 已完成"
    target = figure["layout"]["shapes"][0]
    assert (target["x0"], target["x1"]) == (100, 100)


def test_bullets_for_four_hundred_targets_draw_every_target_as_plain_data():
    # Its speed is `make bench`'s (bench/excel.py, bench_chart); here, what it draws: plain
    # dicts (graph_objects would validate every property and take seconds), one bar a target.
    n = 400
    figure = charts.bullets(
        [f"T{i} 一个相当长的目标任务名称" for i in range(n)],
        [Decimal(i % 120) / 100 for i in range(n)],
        [Decimal("0.75")] * n,
        [STATUSES[i % 5] for i in range(n)],
    )
    assert isinstance(figure, dict)
    bars = figure["data"][0]
    assert len(bars["y"]) == len(bars["x"]) == n
    assert bars["x"][119] == 119.0 and bars["x"][120] == 0.0  # completion in percent
    embedded = charts.embed("chart-bullets", figure)
    assert json.loads(embedded.json)["data"][0]["y"][-1].startswith("T399")


def test_monthly_path_draws_a_limit_for_ceilings():
    figure = charts.monthly_path(
        [1, 2, 3],
        [Decimal("4.3"), None, Decimal("4.6")],
        [],
        Decimal("4.5"),
        unit="%",
        limit="ceiling",
    )
    assert len(figure["data"]) == 1  # no expected path for a limit
    assert figure["layout"]["shapes"][0]["y0"] == 4.5
    assert figure["layout"]["annotations"][0]["text"] == "上限 4.5%"
    assert figure["data"][0]["y"] == [4.3, None, 4.6]


def test_heatmap_prints_each_state_in_its_cell():
    labels = {"on_time": "按时", "late": "逾期", "missing": "未报", "not_due": "未到期"}
    labels["nothing_due"] = "无"
    figure = charts.timeliness_heatmap(
        ["甲", "乙"], [1, 2], [["on_time", "late"], ["missing", "not_due"]], labels
    )
    heat = figure["data"][0]
    assert heat["text"] == [["按时", "逾期"], ["未报", "未到期"]]
    assert heat["texttemplate"] == "%{text}"
    assert heat["z"] == [[0, 1], [2, 3]]


def test_no_chart_uses_a_trace_that_fetches_from_the_internet():
    figures = [
        charts.section_completion(["A"], [Decimal("0.5")], [Decimal("0.75")]),
        charts.status_breakdown({"done": 1, "behind": 2}),
        charts.bullets(["A"], [Decimal("0.5")], [Decimal("0.75")], ["behind"]),
        charts.monthly_path([1], [Decimal(1)], [Decimal(1)] * 12, Decimal(10), unit="个"),
        charts.timeliness_heatmap(["A"], [1], [["on_time"]], {"on_time": "按时"}),
    ]
    for figure in figures:
        for trace in all_traces(figure):
            assert trace["type"] in ("bar", "scatter", "heatmap")  # no geo or map traces
        assert "http" not in json.dumps(figure)


def test_embed_keeps_the_json_inside_its_script_element():
    figure = charts.bullets(["</script><script>alert(1)</script>"], [None], [None], ["no_data"])
    chart = charts.embed("chart-x", figure)
    assert "</script>" not in chart.json and "<" not in chart.json
    assert json.loads(chart.json)["data"][0]["customdata"] == ["</script><script>alert(1)</script>"]
