"""The words and the table behind every chart (WCAG 1.1.1, a text alternative for non-text
content; GB/T 37668 asks the same of public pages).

Each chart builder (``charts``, ``projects.charts``) words a one-sentence summary from the very
numbers it draws and names what its rows are; ``charts.embed`` takes that off the figure and
derives the table from the figure's own traces, so the table says what the chart draws: a row
per category (a bar, a month, a department), a column per named trace, and in each cell the
label the chart prints beside that point, or else its value. ``{% plotly_chart %}`` puts the
summary above the chart and the table in a ``<details>`` below it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import numbers, progress


@dataclass(frozen=True)
class Table:
    """``corner`` names the rows (板块, 月份...); ``rows`` are (label, cells), cells parallel to
    ``columns``."""

    corner: str
    columns: list
    rows: list


def alt(summary, rows):
    """What a builder hands ``charts._figure``: the summary and what the table's rows are."""
    return {"summary": summary, "rows": str(rows)}


def table(figure, corner=""):
    """The figure's data as a table: see the module's docstring. Traces drawn only as a key or
    a band (``hoverinfo: skip``) carry no data of their own and are left out."""
    traces = [t for t in figure["data"] if t.get("hoverinfo") != "skip"]
    if len(traces) == 1 and traces[0]["type"] == "heatmap":
        return _grid(traces[0], corner)
    layout = figure["layout"]
    horizontal = bool(traces) and traces[0].get("orientation") == "h"
    key, value_key = ("y", "x") if horizontal else ("x", "y")
    category_axis = layout.get("yaxis" if horizontal else "xaxis", {})
    suffix = layout.get("xaxis" if horizontal else "yaxis", {}).get("ticksuffix", "")
    order, columns = [], []
    for trace in traces:
        cells = {}
        for index, category in enumerate(trace[key]):
            if category not in order:
                order.append(category)
            cells[category] = _cell(trace, index, trace[value_key][index], suffix)
        columns.append((str(trace.get("name") or _("数值")), cells))
    names = _tick_names(category_axis)
    return Table(
        corner,
        [name for name, _cells in columns],
        [
            (names.get(c, str(c)), [cells.get(c, numbers.DASH) for _name, cells in columns])
            for c in order
        ],
    )


def _cell(trace, index, value, suffix):
    """What the chart prints beside the point, or else its value."""
    text = trace.get("text")
    if isinstance(text, list) and text[index] not in (None, ""):
        return str(text[index])
    if value is None:
        return numbers.DASH
    return numbers.amount(value) + suffix


def _tick_names(axis):
    """Category -> its tick label, where the axis names its ticks (months 1..12 as 1月...)."""
    if "tickvals" in axis and "ticktext" in axis:
        return dict(zip(axis["tickvals"], axis["ticktext"], strict=True))
    return {}


def _grid(heatmap, corner):
    """A heatmap's cells in words: a row per y, a column per x."""
    return Table(
        corner,
        [str(x) for x in heatmap["x"]],
        [(str(y), list(texts)) for y, texts in zip(heatmap["y"], heatmap["text"], strict=True)],
    )


# --- Summaries: each from the numbers its chart draws --------------------------------------------


def _sentence(*clauses):
    """Clauses joined as one sentence: ……；……。"""
    return pgettext("between the clauses of a sentence", "；").join(clauses) + pgettext(
        "end of a sentence", "。"
    )


def _counted(pairs, pattern):
    """ "已完成6项，滞后2项": each (word, n) with n > 0, in the given order."""
    return pgettext("between counts", "，").join(
        pattern % {"word": word, "n": n} for word, n in pairs if n
    )


def _extremes(labelled):
    """(highest, lowest) of (label, value) pairs."""
    return max(labelled, key=lambda p: p[1]), min(labelled, key=lambda p: p[1])


def section_completion(names, completion, expected):
    """How many sections are at 序时进度, and the highest and lowest average completion
    (percent, as the bars print them)."""
    judged = [
        (n, c, e) for n, c, e in zip(names, completion, expected, strict=True) if c is not None
    ]
    if not judged:
        return _("%(n)s个板块都还没有可以平均的完成率。") % {"n": len(names)}
    ahead = sum(1 for _n, c, e in judged if e is None or c >= e)
    top, low = _extremes([(n, c) for n, c, _e in judged])
    return _sentence(
        _("%(n)s个板块中%(ahead)s个的平均完成率达到序时进度") % {"n": len(judged), "ahead": ahead},
        _("最高的是%(top)s（%(top_value)s），最低的是%(low)s（%(low_value)s）")
        % {
            "top": top[0],
            "top_value": f"{top[1]:.1f}%",
            "low": low[0],
            "low_value": f"{low[1]:.1f}%",
        },
    )


def _status_clause(statuses, counts):
    pairs = [(progress.STATUS_LABELS[s], counts.get(s, 0)) for s in statuses]
    return _("%(total)s项目标中，%(counts)s") % {
        "total": sum(n for _w, n in pairs),
        "counts": _counted(pairs, _("%(word)s%(n)s项")),
    }


def status_counts(statuses, counts):
    """How many targets stand in each status, in the chart's order: 40项目标中，已完成6项…"""
    return _sentence(_status_clause(statuses, counts))


def bullets(codes, completion, statuses):
    """The status counts of the targets drawn, and the one furthest from its target."""
    counts = {s: statuses.count(s) for s in progress.STATUSES}
    clause = _status_clause(progress.STATUSES, counts)
    judged = [(code, c) for code, c in zip(codes, completion, strict=True) if c is not None]
    if not judged:
        return _sentence(clause)
    _top, low = _extremes(judged)
    lowest = _("完成率最低的是%(code)s（%(value)s）") % {"code": low[0], "value": f"{low[1]:.1f}%"}
    return _sentence(clause, lowest)


def monthly_path(months, values, expected_path, target, unit, limit, projection):
    """The latest reading against the target (and what 序时进度 asks by then), and the
    forecast where one is drawn."""
    target_word = {"ceiling": _("上限"), "floor": _("下限")}.get(limit, _("年度目标"))
    target_text = _("%(word)s%(value)s%(unit)s") % {
        "word": target_word,
        "value": numbers.amount(target),
        "unit": unit,
    }
    readings = [(m, v) for m, v in zip(months, values, strict=True) if v is not None]
    if not readings:
        return _sentence(_("尚无已审核的数值"), target_text)
    month, value = readings[-1]
    clauses = [
        _("截至%(month)s月底为%(value)s%(unit)s")
        % {"month": month, "value": numbers.amount(value), "unit": unit},
        target_text,
    ]
    if expected_path:
        clauses.append(
            _("序时进度要求%(value)s%(unit)s")
            % {"value": numbers.amount(expected_path[month - 1]), "unit": unit}
        )
    if projection:
        clauses.append(
            _("预计年底%(value)s%(unit)s") % {"value": numbers.amount(projection[2]), "unit": unit}
        )
    return _sentence(*clauses)


def timeliness(rows, states, labels, counted):
    """How the due reports went, counted over every department and month."""
    cells = [state for row in states for state in row]
    pairs = [(labels[state], cells.count(state)) for state in counted if state in labels]
    if not any(n for _w, n in pairs):
        return _("%(n)s个单位都还没有到期的报送。") % {"n": len(rows)}
    return _sentence(
        _("%(n)s个单位到期的报送中，%(counts)s")
        % {"n": len(rows), "counts": _counted(pairs, _("%(word)s%(n)s次"))}
    )


def status_stacks(names, counts):
    """Which region has the most targets behind."""
    lagging = [
        (name, row.get(progress.BEHIND, 0) + row.get(progress.FAR_BEHIND, 0))
        for name, row in zip(names, counts, strict=True)
    ]
    if not any(n for _name, n in lagging):
        return _("%(n)s个地区都没有滞后的目标。") % {"n": len(names)}
    top, _low = _extremes(lagging)
    return _("%(n)s个地区中，滞后和严重滞后的目标最多的是%(name)s（%(count)s项）。") % {
        "n": len(names),
        "name": top[0],
        "count": top[1],
    }


def region_values(names, values, unit):
    """The highest and lowest region."""
    judged = [(n, v) for n, v in zip(names, values, strict=True) if v is not None]
    if not judged:
        return _("%(n)s个地区都还没有数值。") % {"n": len(names)}
    top, low = _extremes(judged)
    return _(
        "%(n)s个地区中最高的是%(top)s（%(top_value)s），最低的是%(low)s（%(low_value)s）。"
    ) % {
        "n": len(judged),
        "top": top[0],
        "top_value": numbers.amount(top[1]) + unit,
        "low": low[0],
        "low_value": numbers.amount(low[1]) + unit,
    }
