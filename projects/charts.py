"""Charts of the project register: pure functions from plain series to Plotly figures (dicts).

Fonts, colours, axes and embedding come from ``indicators.charts`` so every chart of the site
looks alike; this module only adds the register's own shapes. No geo or map traces.
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from indicators import chart_text, charts, numbers
from indicators.charts import NEUTRAL_BAR, THEMES, _axis, _figure, _legend
from indicators.progress import month_label

PLANNED_COLOUR = "#c9d3de"  # the plan is the background the completed bar is read against
SERIES_COLOURS = [NEUTRAL_BAR, "#3e9c8f", "#a58d6f"]  # categories side by side: no status hues


def _num(value):
    return None if value is None else round(float(value), 2)


def planned_vs_completed(names, planned, completed, *, unit, rows, theme="light"):
    """Completed against planned investment for each group (programme, department...).

    The plan is a wide pale bar and what is completed a narrower one on top of it, so a short
    completed bar reads at once as "behind plan"; the share of the plan is printed beside it.
    ``rows`` names the groups (项目类别, 责任单位) for the table behind the chart.
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
        # The share is printed beside the bar (customdata, not text): the table shows the amount.
        "customdata": shares,
        "texttemplate": "%{customdata}",
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": NEUTRAL_BAR},
        "hovertemplate": "%{y}<br>"
        + _("完成")
        + " %{x:,.2f}"
        + unit
        + " (%{customdata})<extra></extra>",
    }
    return _figure(
        [plan_bars, done_bars],
        theme=theme,
        height=80 + 34 * max(len(names), 1),
        alt=chart_text.alt(investment_summary(planned, completed, unit), rows),
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
    totals = [sum(counts[i] for _name, counts in series) for i in range(len(stage_labels))]
    words = _("共%(total)s个项目，%(counts)s") % {
        "total": sum(totals),
        "counts": _count_words(zip(stage_labels, totals, strict=True)),
    }
    return _figure(
        data,
        theme=theme,
        height=320,
        alt=chart_text.alt(words + pgettext("end of a sentence", "。"), _("项目阶段")),
        barmode="group",
        showlegend=len(series) > 1,
        legend=_legend(theme),
        margin={"l": 10, "r": 20, "t": 30, "b": 40},
        xaxis=_axis(theme, tickfont={"color": THEMES[theme]["ink"]}),
        yaxis=_axis(theme, rangemode="tozero"),
    )


def counts_by_label(labels, counts, *, rows, theme="light"):
    """How many projects per label (e.g. investor origin), largest first as given; ``rows``
    names the labels for the table behind the chart."""
    labels = [str(label) for label in labels]
    bars = {
        "type": "bar",
        "orientation": "h",
        "name": _("项目数"),
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
        alt=chart_text.alt(_largest(labels, list(counts)), rows),
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
        alt=chart_text.alt(_signed_summary(ticks, list(counts), total), _("月份")),
        showlegend=True,
        legend=_legend(theme),
        margin={"l": 10, "r": 20, "t": 30, "b": 40},
        xaxis=_axis(theme),
        yaxis=_axis(theme, rangemode="tozero", range=[0, max(running, default=1) * 1.2 or 1]),
    )


# --- Summaries, from the numbers each chart draws (indicators.chart_text) ---


def _count_words(pairs):
    return pgettext("between counts", "，").join(
        _("%(word)s%(n)s个") % {"word": word, "n": n} for word, n in pairs
    )


def investment_summary(planned, completed, unit):
    """The groups' plan and completion added up, and the share done."""
    total_planned = sum(p or 0 for p in planned)
    total_done = sum(c or 0 for c in completed)
    share = f"{float(total_done) / float(total_planned) * 100:.1f}%" if total_planned else "—"
    return _("合计本年计划投资%(planned)s%(unit)s，已完成%(done)s%(unit)s（%(share)s）。") % {
        "planned": numbers.amount(total_planned),
        "done": numbers.amount(total_done),
        "unit": unit,
        "share": share,
    }


def _largest(labels, counts):
    if not counts:
        return _("暂无项目。")
    count, label = max(zip(counts, labels, strict=True), key=lambda pair: pair[0])
    return _("共%(total)s个项目，最多的是%(label)s（%(n)s个）。") % {
        "total": sum(counts),
        "label": label,
        "n": count,
    }


def _signed_summary(ticks, counts, total):
    if not total:
        return _("尚无签约项目。")
    count, tick = max(zip(counts, ticks, strict=True), key=lambda pair: pair[0])
    return _("截至%(month)s累计签约%(total)s个项目，签约最多的是%(best)s（%(n)s个）。") % {
        "month": ticks[-1],
        "total": total,
        "best": tick,
        "n": count,
    }


# A value's path through the year against its plan is the indicators' own chart.
monthly_path = charts.monthly_path
embed = charts.embed
