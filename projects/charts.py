"""Charts of the project register: pure functions from plain series to Plotly figures (dicts).

Fonts, colours, axes and embedding come from ``indicators.charts`` so every chart of the site
looks alike; this module only adds the register's own shapes. No geo or map traces.
"""

from django.utils.translation import gettext as _

from indicators import charts
from indicators.charts import NEUTRAL_BAR, THEMES, _axis, _figure, _legend
from indicators.progress import month_label

PLANNED_COLOUR = "#c9d3de"  # the plan is the background the completed bar is read against
SERIES_COLOURS = [NEUTRAL_BAR, "#3e9c8f", "#a58d6f"]  # categories side by side: no status hues


def _num(value):
    return None if value is None else round(float(value), 2)


def planned_vs_completed(names, planned, completed, *, unit, theme="light"):
    """Completed against planned investment for each group (programme, department...).

    The plan is a wide pale bar and what is completed a narrower one on top of it, so a short
    completed bar reads at once as "behind plan"; the share of the plan is printed beside it.
    """
    shares = [
        "—" if c is None or not p else f"{float(c) / float(p) * 100:.1f}%"
        for p, c in zip(planned, completed, strict=True)
    ]
    names = [str(n) for n in names]
    plan_bars = {
        "type": "bar",
        "orientation": "h",
        "name": _("本年计划投资"),
        "y": names,
        "x": [_num(p) for p in planned],
        "width": 0.8,
        "marker": {"color": PLANNED_COLOUR},
        "hovertemplate": "%{y}<br>" + _("计划") + " %{x:,.2f}" + unit + "<extra></extra>",
    }
    done_bars = {
        "type": "bar",
        "orientation": "h",
        "name": _("本年完成投资"),
        "y": names,
        "x": [_num(c) or 0 for c in completed],
        "width": 0.45,
        "text": shares,
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": NEUTRAL_BAR},
        "hovertemplate": "%{y}<br>" + _("完成") + " %{x:,.2f}" + unit + " (%{text})<extra></extra>",
    }
    return _figure(
        [plan_bars, done_bars],
        theme=theme,
        height=80 + 34 * max(len(names), 1),
        barmode="overlay",
        showlegend=True,
        legend=_legend(theme),
        margin={"l": 10, "r": 60, "t": 30, "b": 30},
        xaxis=_axis(theme, rangemode="tozero", ticksuffix=unit),
        yaxis=_axis(theme, autorange="reversed", tickfont={"color": THEMES[theme]["ink"]}),
    )


def stage_counts(stage_labels, series, *, theme="light"):
    """Projects in each stage (planned → ready → started → completed), one bar group per series.

    ``series`` is a list of (name, counts) with counts parallel to ``stage_labels``; the stages
    keep their order on the axis, as a pipeline reads.
    """
    data = []
    for index, (name, counts) in enumerate(series):
        data.append(
            {
                "type": "bar",
                "name": str(name),
                "x": [str(s) for s in stage_labels],
                "y": list(counts),
                "text": list(counts),
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {"color": SERIES_COLOURS[index % len(SERIES_COLOURS)]},
                "hovertemplate": str(name) + " %{x}: %{y}<extra></extra>",
            }
        )
    return _figure(
        data,
        theme=theme,
        height=320,
        barmode="group",
        showlegend=len(series) > 1,
        legend=_legend(theme),
        margin={"l": 10, "r": 20, "t": 30, "b": 40},
        xaxis=_axis(theme, tickfont={"color": THEMES[theme]["ink"]}),
        yaxis=_axis(theme, rangemode="tozero"),
    )


def counts_by_label(labels, counts, *, theme="light"):
    """How many projects per label (e.g. investor origin), largest first as given."""
    labels = [str(label) for label in labels]
    bars = {
        "type": "bar",
        "orientation": "h",
        "y": labels,
        "x": list(counts),
        "text": list(counts),
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": NEUTRAL_BAR},
        "hovertemplate": "%{y}: %{x}<extra></extra>",
    }
    return _figure(
        [bars],
        theme=theme,
        height=60 + 30 * max(len(labels), 1),
        margin={"l": 10, "r": 30, "t": 10, "b": 30},
        xaxis=_axis(theme, rangemode="tozero"),
        yaxis=_axis(theme, autorange="reversed", tickfont={"color": THEMES[theme]["ink"]}),
    )


def signed_by_month(months, counts, *, theme="light"):
    """Projects signed in each month: bars for the month, a line for the running total."""
    running, total = [], 0
    for count in counts:
        total += count
        running.append(total)
    ticks = [month_label(m) for m in months]
    data = [
        {
            "type": "bar",
            "name": _("当月签约"),
            "x": ticks,
            "y": list(counts),
            "marker": {"color": PLANNED_COLOUR},
            "hovertemplate": "%{x} " + _("签约") + " %{y}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers+text",
            "name": _("累计签约"),
            "x": ticks,
            "y": running,
            "text": running,
            "textposition": "top center",
            "line": {"color": NEUTRAL_BAR, "width": 3},
            "hovertemplate": "%{x} " + _("累计") + " %{y}<extra></extra>",
        },
    ]
    return _figure(
        data,
        theme=theme,
        height=320,
        showlegend=True,
        legend=_legend(theme),
        margin={"l": 10, "r": 20, "t": 30, "b": 40},
        xaxis=_axis(theme),
        yaxis=_axis(theme, rangemode="tozero", range=[0, max(running, default=1) * 1.2 or 1]),
    )


# A value's path through the year against its plan is the indicators' own chart.
monthly_path = charts.monthly_path
embed = charts.embed
