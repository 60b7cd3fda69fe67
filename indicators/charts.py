"""All Plotly code: pure functions from plain series to figures, and how a figure reaches a page.

Figures are plain dicts (``{"data": [...], "layout": {...}, "config": {...}}``) serialised with
``json``. Building a ``plotly.graph_objects.Figure`` validates every property (about 5 ms a
figure), which at hundreds of indicators would cost more than the rest of the page; plotly.js
checks the figure again in the browser anyway. Charts only draw numbers the status module has
already judged: nothing here decides a status.

One place sets fonts (system CJK fonts only: nothing is fetched from the internet), colours and
the status palette (``progress.STATUS_COLOURS``). No geo or map traces: they load map tiles and
topojson from other hosts.
"""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import chart_text, numbers, progress

FONT_FAMILY = (
    '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
)
STATUS_COLOURS = progress.STATUS_COLOURS
EXPECTED_COLOUR = "#9b1c1c"  # 序时进度 markers: the site's accent, distinct from every status
CONFIG = {"displaylogo": False, "showSendToCloud": False, "responsive": True}

# "bar" is the neutral colour of a quantity that is not a status (a section's average), kept
# apart from every status colour; "on_bar" is text printed inside it.
THEMES = {
    "light": {
        "ink": "#1f2328",
        "muted": "#616a73",
        "grid": "#e3e7eb",
        "paper": "#ffffff",
        "bar": "#4d5d70",
        "on_bar": "#ffffff",
    },
    # The command-centre screen: light text on a dark wall, read from the back of the room.
    "dark": {
        "ink": "#f0f3f6",
        "muted": "#a9b4c0",
        "grid": "#2f3b48",
        "paper": "#111a24",
        "bar": "#8fa6bf",
        "on_bar": "#0a1119",
    },
}

NEUTRAL_BAR = THEMES["light"]["bar"]  # for modules that draw their own non-status quantities

# Timeliness cells (see timeliness.py): the colour helps, the word in the cell says it.
TIMELINESS_COLOURS = {
    "on_time": "#1a7f37",
    "late": "#9a6700",
    "missing": "#c62828",
    "not_due": "#6b7580",
    "nothing_due": "#d8dee4",
    "annual": "#4b6584",
}


@dataclass(frozen=True)
class Chart:
    """A figure ready for a page: a fixed element id and its JSON, safe inside <script>, with
    its summary and its data as a table (``chart_text``)."""

    id: str
    json: str
    summary: str = ""
    table: chart_text.Table | None = None


def embed(div_id, figure):
    """Serialise ``figure`` once for ``{% plotly_chart %}``; static/js/charts.js draws it. The
    builder's words (``alt``) go beside the chart, not into plotly.js."""
    alt = figure.get("alt") or {}
    figure = {key: value for key, value in figure.items() if key != "alt"}
    text = json.dumps(figure, ensure_ascii=False, separators=(",", ":"), default=_number)
    # The JSON sits inside a <script> element: "</script>" or "<!--" in a name must not end it.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    table = chart_text.table(figure, alt.get("rows", ""))
    return Chart(div_id, mark_safe(text), alt.get("summary", ""), table)  # escaped just above


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _float(value, scale=1):
    return None if value is None else round(float(value) * scale, 2)


def _figure(data, *, theme="light", height=320, config=None, alt=None, **layout):
    """One figure with the house fonts and colours; ``layout`` keys override the defaults;
    ``alt`` is its summary and what its rows are (``chart_text.alt``)."""
    colours = THEMES[theme]
    base = {
        "font": {"family": FONT_FAMILY, "size": 13, "color": colours["ink"]},
        "paper_bgcolor": colours["paper"],
        "plot_bgcolor": colours["paper"],
        "height": height,
        "autosize": True,
        "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
        "showlegend": False,
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "separators": ".,",
    }
    base.update(layout)
    # plotly.js's own words (the mode bar, its notices) in the page's language: the Chinese is
    # static/js/plotly-locale-zh-cn.js.
    locale = {"locale": "zh-CN"} if get_language().startswith("zh") else {}
    figure = {"data": data, "layout": base, "config": {**CONFIG, **locale, **(config or {})}}
    return {**figure, "alt": alt} if alt else figure


def _axis(theme, **settings):
    colours = THEMES[theme]
    axis = {
        "gridcolor": colours["grid"],
        "zerolinecolor": colours["grid"],
        "linecolor": colours["grid"],
        "tickfont": {"color": colours["muted"]},
        "ticks": "",
        "automargin": True,
        "fixedrange": True,  # no accidental zoom when a phone user scrolls past a chart
    }
    axis.update(settings)
    return axis


def _legend(theme, **settings):
    return {
        "orientation": "h",
        "x": 0,
        "y": 1.02,
        "yanchor": "bottom",
        "font": {"color": THEMES[theme]["muted"]},
        **settings,
    }


def _percent_range(values, floor=100):
    """An x range in percent that shows every bar, the target line and a little room."""
    top = max([floor, *(v for v in values if v is not None)])
    return [0, min(top, 300) * 1.08]


def section_completion(
    names, completions, expecteds, *, notes=None, theme="light", font_size=13, height=None
):
    """Average completion of each section as bars, with its 序时进度 marked on each bar.

    ``completions`` and ``expecteds`` are fractions (1 = 100 %) or None where a section has no
    completion to average; such a section shows its ``notes`` entry in words instead of a bar
    (how many of its floors and ceilings hold), or 无数据 when none of its targets has data.
    """
    completion = [_float(c, 100) for c in completions]
    expected = [_float(e, 100) for e in expecteds]
    notes = notes or [None] * len(completion)
    labels = [
        (note or _("无数据")) if c is None else f"{c:.1f}%"
        for c, note in zip(completion, notes, strict=True)
    ]  # the value, in words, beside each bar
    colours = THEMES[theme]
    bars = {
        "type": "bar",
        "orientation": "h",
        "name": _("平均完成率"),
        "y": list(names),
        "x": [c or 0 for c in completion],
        "text": labels,
        # Inside, from the start of the bar, so the value never sits on the 序时进度 marker.
        "textposition": ["outside" if c is None else "inside" for c in completion],
        "insidetextanchor": "start",
        "insidetextfont": {"color": colours["on_bar"], "size": font_size},
        "cliponaxis": False,
        "marker": {"color": colours["bar"]},
        "hovertemplate": "%{y}<br>" + _("平均完成率") + " %{text}<extra></extra>",
    }
    markers = {
        "type": "scatter",
        "mode": "markers",
        "name": _("序时进度"),
        "y": list(names),
        "x": expected,
        "marker": {
            "symbol": "line-ns",
            "size": font_size * 2.4,
            "line": {"width": 4, "color": EXPECTED_COLOUR},
            "color": EXPECTED_COLOUR,
        },
        "hovertemplate": "%{y}<br>" + _("序时进度") + " %{x:.1f}%<extra></extra>",
    }
    height = height or 60 + 48 * max(len(completion), 1)
    summary = chart_text.section_completion(list(names), completion, expected)
    return _figure(
        [bars, markers],
        theme=theme,
        height=height,
        alt=chart_text.alt(summary, _("板块")),
        font={"family": FONT_FAMILY, "size": font_size, "color": THEMES[theme]["ink"]},
        showlegend=True,
        legend=_legend(theme),
        margin={"l": 10, "r": 30, "t": 30, "b": 30},
        bargap=0.35,
        uniformtext={"minsize": font_size, "mode": "show"},  # plotly would shrink it to fit
        xaxis=_axis(theme, ticksuffix="%", range=_percent_range(completion + expected)),
        yaxis=_axis(theme, autorange="reversed", tickfont={"color": THEMES[theme]["ink"]}),
    )


def status_breakdown(counts, *, theme="light", font_size=13, config=None):
    """How many targets stand in each status: one bar per status, its word on the axis."""
    statuses = [s for s in progress.STATUSES if counts.get(s)] or list(progress.STATUSES[:4])
    words = [str(progress.STATUS_LABELS[s]) for s in statuses]
    bars = {
        "type": "bar",
        "orientation": "h",
        "name": _("目标数"),
        "y": words,
        "x": [counts.get(s, 0) for s in statuses],
        "text": [counts.get(s, 0) for s in statuses],
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": [STATUS_COLOURS[s] for s in statuses]},
        "hovertemplate": "%{y}: %{x}<extra></extra>",
    }
    return _figure(
        [bars],
        theme=theme,
        height=60 + round(36 * font_size / 13) * len(statuses),
        config=config,
        font={"family": FONT_FAMILY, "size": font_size, "color": THEMES[theme]["ink"]},
        alt=chart_text.alt(chart_text.status_counts(statuses, counts), _("状态")),
        margin={"l": 10, "r": 30, "t": 10, "b": 30},
        bargap=0.3,
        xaxis=_axis(theme, rangemode="tozero", dtick=_count_tick(max(bars["x"], default=0))),
        yaxis=_axis(theme, autorange="reversed", tickfont={"color": THEMES[theme]["ink"]}),
    )


def _count_tick(largest):
    """Whole-number ticks, not too many of them."""
    step = 1
    while largest / step > 8:
        step *= 5 if str(step).startswith("2") else 2
    return step


def bullets(
    codes, completions, expecteds, statuses, *, names=None, theme="light", font_size=13, config=None
):
    """One bullet per target in a single figure: completion bar coloured (and labelled) by
    status, the 序时进度 marker and the target line at 100 %.

    All series are parallel lists; completions and expecteds are fractions or None. Targets
    are labelled by code (names, long and many, go in the hover and the table beside the
    chart), which leaves room on a phone for each bar's value and status word. One figure for
    many targets keeps the page to a single plotly.js plot however long the list.
    ``font_size`` scales the words and the rows (the public page's large type).
    """
    completion = [_float(c, 100) for c in completions]
    expected = [_float(e, 100) for e in expecteds]
    shown = [None if c is None else min(c, 300) for c in completion]
    ticks = [str(code) for code in codes]
    data = [_completion_bars(ticks, completion, shown, statuses, names or codes)]
    if any(e is not None for e in expected):  # none where 序时进度 is not shown (public page)
        data.append(_expected_markers(ticks, expected))
    return _figure(
        [*data, _target_legend(theme)],
        theme=theme,
        height=70 + round(28 * font_size / 13) * max(len(ticks), 1),
        config=config,
        font={"family": FONT_FAMILY, "size": font_size, "color": THEMES[theme]["ink"]},
        alt=chart_text.alt(chart_text.bullets(ticks, completion, list(statuses)), _("目标")),
        showlegend=True,
        legend=_legend(theme),
        margin={"l": 10, "r": round(110 * font_size / 13), "t": 30, "b": 30},
        bargap=0.35,
        shapes=[_target_line(theme)],
        xaxis=_axis(theme, ticksuffix="%", range=_percent_range(shown + expected, floor=100)),
        yaxis=_axis(theme, autorange="reversed", tickfont={"color": THEMES[theme]["ink"]}),
    )


def _completion_bars(ticks, completion, shown, statuses, names):
    """The bullets' bars: ``shown`` long (completion capped), labelled with completion and
    status word, the names in the hover."""
    words = [str(progress.STATUS_LABELS[s]) for s in statuses]
    texts = [
        word if c is None else f"{c:.1f}% {word}" for c, word in zip(completion, words, strict=True)
    ]
    hover = [str(n) for n in names]
    return {
        "type": "bar",
        "orientation": "h",
        "name": _("完成率"),
        "showlegend": False,  # its colour varies by status: the words beside the bars explain it
        "y": ticks,
        "x": [s or 0 for s in shown],
        "text": texts,
        "customdata": hover,
        "textposition": "outside",
        "cliponaxis": False,  # the words may run into the right margin kept for them
        "marker": {"color": [STATUS_COLOURS[s] for s in statuses]},
        "hovertemplate": "%{customdata}<br>" + _("完成率") + " %{text}<extra></extra>",
    }


def _expected_markers(ticks, expected):
    """The 序时进度 marks across the bullets."""
    return {
        "type": "scatter",
        "mode": "markers",
        "name": _("序时进度"),
        "y": ticks,
        "x": expected,
        "marker": {
            "symbol": "line-ns",
            "size": 22,
            "line": {"width": 3, "color": EXPECTED_COLOUR},
            "color": EXPECTED_COLOUR,
        },
        "hovertemplate": _("序时进度") + " %{x:.1f}%<extra></extra>",
    }


def _target_legend(theme):
    """The legend's key for the target line, which is drawn as a shape (`_target_line`)."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": _("年度目标（100%）"),
        "x": [None],
        "y": [None],
        "line": {"color": THEMES[theme]["ink"], "width": 2},
        "hoverinfo": "skip",
    }


def _target_line(theme):
    """The bullets' target: a line at 100 % across the plot's height."""
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": 100,
        "x1": 100,
        "y0": 0,
        "y1": 1,
        "line": {"color": THEMES[theme]["ink"], "width": 2},
    }


def monthly_path(
    months, values, expected_path, target, *, unit, limit=None, theme="light", projection=None
):
    """An indicator's month-end values against the plan's expected path and its target.

    ``months``/``values``: approved readings (value None where a month has none yet).
    ``expected_path``: the value 序时进度 asks for at each month 1..12 (empty for limit kinds).
    ``limit``: "ceiling" or "floor" draws the target as a limit line (上限/下限) instead of a
    target line. ``projection``: (month, value then, December's projected value, low, high,
    colour), drawn dashed to December with its range as a band (预计). All amounts are in the
    indicator's unit (percent for milestones).
    """
    colours = THEMES[theme]
    hover = _("%(month)s底") % {"month": "%{customdata}"} + " %{y} " + unit + "<extra></extra>"
    data = [_actual_path(months, values, colours, hover)]
    if expected_path:
        data.append(_expected_path(expected_path, hover))
    if projection:
        data += _projection(projection, unit, colours["bar"])
    target_value = _float(target)
    drawn = [*values, *(projection[1:5] if projection else ())]
    shown = [v for v in [*(_float(v) for v in drawn), target_value] if v is not None]
    summary = chart_text.monthly_path(
        months, values, expected_path, target, unit, limit, projection
    )
    return _figure(
        data,
        theme=theme,
        height=340,
        alt=chart_text.alt(summary, _("月份")),
        showlegend=True,
        legend=_legend(theme),
        margin={"l": 10, "r": 20, "t": 40, "b": 40},
        shapes=[_target_level(target_value, limit, colours)],
        annotations=[_target_label(target, target_value, limit, unit, colours)],
        xaxis=_month_axis(theme),
        yaxis=_axis(
            theme,
            title={"text": unit, "font": {"color": colours["muted"]}},
            rangemode="tozero",
            range=[0, max(shown, default=1) * 1.15 or 1],
        ),
    )


def _actual_path(months, values, colours, hover):
    """The approved month-end values, each labelled with its amount."""
    return {
        "type": "scatter",
        "mode": "lines+markers+text",
        "name": _("实际完成"),
        "x": list(months),
        "customdata": [progress.month_label(m) for m in months],
        "y": [_float(v) for v in values],
        "text": [_compact(v) for v in values],
        "textposition": "top center",
        "line": {"color": colours["bar"], "width": 3},
        "marker": {"size": 8},
        "hovertemplate": hover,
    }


def _expected_path(expected_path, hover):
    """The value 序时进度 asks for at each month, dashed."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": _("序时进度"),
        "x": list(range(1, len(expected_path) + 1)),
        "customdata": [progress.month_label(m) for m in range(1, len(expected_path) + 1)],
        "y": [_float(v) for v in expected_path],
        "line": {"color": EXPECTED_COLOUR, "width": 2, "dash": "dash"},
        "hovertemplate": hover,
    }


def _projection(projection, unit, line_colour):
    """The forecast from the latest approved figure to December, dashed in the figures' own
    colour, and its range as a faint band in the verdict's colour narrowing back to that
    figure; both named 预计 in the legend."""
    month, start, value, low, high, colour = projection
    word = _("预计")
    return [
        {
            "type": "scatter",
            "mode": "lines",
            "name": _("预计范围"),
            "x": [month, 12, 12, month],
            "y": [_float(start), _float(high), _float(low), _float(start)],
            "fill": "toself",
            "fillcolor": colour,
            "opacity": 0.18,
            "line": {"width": 0},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "lines+markers+text",
            "name": word,
            "x": [month, 12],
            "y": [_float(start), _float(value)],
            "text": ["", f"{word} {numbers.amount(value, grouped=False)}"],
            "textposition": "bottom left",
            "line": {"color": line_colour, "width": 2, "dash": "dash"},
            "marker": {"size": [0, 8], "color": colour},
            "customdata": [progress.month_label(month), progress.month_label(12)],
            "hovertemplate": _("%(month)s底") % {"month": "%{customdata}"}
            + f" {word} %{{y}} {unit}<extra></extra>",
        },
    ]


def _target_level(target_value, limit, colours):
    """The target across the plot: a solid line, or a dotted red one for a limit."""
    return {
        "type": "line",
        "xref": "paper",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": target_value,
        "y1": target_value,
        "line": {
            "color": STATUS_COLOURS[progress.FAR_BEHIND] if limit else colours["ink"],
            "width": 2,
            "dash": "dot" if limit else "solid",
        },
    }


def _target_label(target, target_value, limit, unit, colours):
    """The target line's words at its left end: 年度目标, 上限 or 下限, and the amount."""
    target_word = {"ceiling": _("上限"), "floor": _("下限")}.get(limit, _("年度目标"))
    return {
        "xref": "paper",
        "yref": "y",
        "x": 0,
        "y": target_value,
        "xanchor": "left",
        "yanchor": "bottom",
        "text": f"{target_word} {_compact(target)}{unit}",
        "showarrow": False,
        "font": {"size": 12, "color": colours["ink"]},
    }


def _month_axis(theme):
    """Months 1 to 12 across, named as the site names them."""
    return _axis(
        theme,
        range=[0.5, 12.5],
        tickmode="array",
        tickvals=list(range(1, 13)),
        ticktext=[progress.month_label(m) for m in range(1, 13)],
    )


def _compact(value):
    return "" if value is None else numbers.amount(value, 4, grouped=False)


def timeliness_heatmap(rows, months, states, labels, *, theme="light", height=None, font_size=13):
    """Reporting timeliness, department × month: each cell coloured by its state and carrying
    the state's word, so the colour is never the only sign.

    ``rows``: department names; ``states``: one list of timeliness states per row;
    ``labels``: state -> the short word printed in the cell.
    """
    order = list(TIMELINESS_COLOURS)
    scale_steps = len(order) - 1
    colourscale = []
    for index, state in enumerate(order):
        colourscale.append([index / scale_steps, TIMELINESS_COLOURS[state]])
    heat = {
        "type": "heatmap",
        "x": [progress.month_label(m) for m in months],
        "y": list(rows),
        "z": [[order.index(s) for s in row] for row in states],
        "text": [[str(labels[s]) for s in row] for row in states],
        "texttemplate": "%{text}",
        "textfont": {"size": font_size},
        "zmin": 0,
        "zmax": scale_steps,
        "colorscale": colourscale,
        "showscale": False,
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "%{y} %{x}: %{text}<extra></extra>",
    }
    summary = chart_text.timeliness(rows, states, labels, ("on_time", "late", "missing"))
    return _figure(
        [heat],
        theme=theme,
        height=height or 50 + 30 * max(len(heat["y"]), 1),
        alt=chart_text.alt(summary, _("责任单位")),
        font={"family": FONT_FAMILY, "size": font_size, "color": THEMES[theme]["ink"]},
        margin={"l": 10, "r": 10, "t": 10, "b": 30},
        xaxis=_axis(theme, side="bottom", showgrid=False, tickfont={"color": THEMES[theme]["ink"]}),
        yaxis=_axis(
            theme, autorange="reversed", showgrid=False, tickfont={"color": THEMES[theme]["ink"]}
        ),
    )


def status_stacks(names, counts, *, theme="light"):
    """Each region's targets by status as one stacked bar (the city's counties side by side);
    ``counts`` is one {status: n} per name."""
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": str(progress.STATUS_LABELS[status]),
            "y": list(names),
            "x": [row.get(status, 0) for row in counts],
            "marker": {"color": STATUS_COLOURS[status]},
            "hovertemplate": "%{y} " + str(progress.STATUS_LABELS[status]) + " %{x}<extra></extra>",
        }
        for status in progress.STATUSES
    ]
    return _figure(
        data,
        theme=theme,
        height=90 + 40 * max(len(names), 1),
        alt=chart_text.alt(chart_text.status_stacks(list(names), counts), _("地区")),
        barmode="stack",
        showlegend=True,
        legend=_legend(theme),
        margin={"l": 10, "r": 20, "t": 40, "b": 30},
        xaxis=_axis(theme, rangemode="tozero"),
        yaxis=_axis(theme, autorange="reversed", tickfont={"color": THEMES[theme]["ink"]}),
    )


def region_comparison(names, values, expecteds, *, unit, target=None, theme="light"):
    """One target across regions: each region's value (completion in percent, or the reading of
    a floor or ceiling in the target's unit) as a bar, with 序时进度 (or the limit) marked."""
    bars = {
        "type": "bar",
        "name": _("完成率") if target is None else _("实际"),
        "x": list(names),
        "y": [_float(v) for v in values],
        "text": [_("无数据") if v is None else f"{_float(v)}{unit}" for v in values],
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": THEMES[theme]["bar"]},
        "hovertemplate": "%{x} %{text}<extra></extra>",
    }
    markers = {
        "type": "scatter",
        "mode": "markers",
        "name": _("序时进度") if target is None else _("目标"),
        "x": list(names),
        "y": [_float(e) for e in expecteds],
        "marker": {"symbol": "line-ew", "size": 40, "line": {"width": 4, "color": EXPECTED_COLOUR}},
        "hovertemplate": "%{x} %{y}" + unit + "<extra></extra>",
    }
    return _figure(
        [bars, markers],
        theme=theme,
        height=340,
        alt=chart_text.alt(chart_text.region_values(list(names), bars["y"], unit), _("地区")),
        showlegend=True,
        legend=_legend(theme),
        margin={"l": 10, "r": 20, "t": 40, "b": 40},
        xaxis=_axis(theme),
        yaxis=_axis(theme, rangemode="tozero" if target is None else "normal"),
    )
