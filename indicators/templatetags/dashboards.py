"""Template tags for the dashboards: embedding a chart built by ``indicators.charts``."""

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from indicators import numbers, progress, timeliness
from indicators.models import EntryState
from indicators.numbers import amount, percent

register = template.Library()


@register.simple_tag
def plotly_chart(chart, css_class="chart"):
    """The chart's summary, its element and its figure as JSON (static/js/charts.js draws every
    one), and its data as a table in a <details>: ``_chart.html``."""
    return render_to_string("_chart.html", {"chart": chart, "css_class": css_class})


@register.simple_tag
def verdict(summary, month, lead="all"):
    """The page's one-line verdict, worded by ``progress.verdict`` as the workbook and the
    bulletin word it."""
    return progress.verdict(month, summary, lead)


@register.simple_tag
def timeliness_badge(state):
    """A timeliness state as a coloured word: the colour helps, the word carries the meaning."""
    return format_html(
        '<span class="badge timeliness-{}">{}</span>', state, timeliness.LABELS[state]
    )


def register_tag(row):
    """The 项目库 tag of a register-derived target, linking to the projects behind its number."""
    if not row["is_derived"]:
        return ""
    if row.get("register_url"):
        return format_html(
            ' <a class="tag" href="{}" title="{}">{}</a>',
            row["register_url"],
            _("查看项目库中计入的项目"),
            _("项目库"),
        )
    return format_html(' <span class="tag">{}</span>', _("项目库"))


@register.simple_tag
def indicator_row(row):
    """One target as a table row, from a row of ``reporting.tables.indicator_rows``.

    A tag rather than inline template markup because the overview lists every target: at
    hundreds of rows one ``format_html`` a row costs a fraction of fifteen template variables.
    """
    return format_html(
        '<tr class="row-{}" data-code="{}">'
        '<td class="nowrap"><a href="{}">{}</a></td><td>{}{}</td><td>{}</td>'
        '<td class="num">{}</td><td class="num actual">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td>'
        '<td>{}<span class="gap">{}</span></td>'
        '<td class="forecast">{}<span class="gap forecast">{}</span></td><td>{}</td></tr>',
        row["status"],
        row["code"],
        row["url"],
        row["code"],
        row["name"],
        format_html("{}{}", register_tag(row), stale_flag(row)),
        row["unit"],
        row["target"],
        row["actual"],
        row["completion"],
        row["expected"],
        row["badge"],
        row["gap"],
        row["forecast_word"],
        row["forecast_text"],
        row["department"],
    )


def stale_flag(row):
    """数据未更新 beside a target whose figure has not moved for three months."""
    if not row.get("is_stale"):
        return ""
    return format_html(
        ' <span class="stale" title="{}">{}</span>',
        _("最近更新于%(month)s，已连续三个月未变化")
        % {"month": progress.month_label(row["last_updated"])},
        _("数据未更新"),
    )


@register.filter
def share_of(part, whole):
    """``part`` as a percentage of ``whole``: a project's investment against its plan."""
    if part is None or not whole:
        return "—"
    return percent(part / whole)


@register.simple_tag
def entry_state(state):
    """A review state (草稿/已报送/已审核/已退回) as a word in its colour; "—" when none."""
    if not state:
        return "—"
    return format_html('<span class="state state-{}">{}</span>', state, EntryState(state).label)


@register.simple_tag(takes_context=True)
def page_query(context, param, number):
    """This page's query string with ``param`` set to ``number``."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()


def unit_suffix(unit):
    """What follows an amount: " 人", " 亿元", but "%" with no space before a percent sign."""
    return unit if unit == "%" else f" {unit}"


@register.filter
def with_unit(value, unit):
    """An amount and its unit: "1,263 人", "55%"."""
    if value is None:
        return "—"
    return amount(value) + unit_suffix(unit)


@register.simple_tag
def trend(points):
    """A change in percentage points as an arrow and a number: ↑5.2, ↓3, → 0; "—" when unknown."""
    if points is None:
        return "—"
    text = numbers.points(abs(points))
    if text == "0":
        return mark_safe('<span class="trend-flat">→ 0</span>')
    if points > 0:
        return format_html('<span class="trend-up">↑{}</span>', text)
    return format_html('<span class="trend-down">↓{}</span>', text)
