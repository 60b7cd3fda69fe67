"""Template tags for the dashboards: embedding a chart built by ``indicators.charts``."""

from django import template
from django.utils.html import format_html

from indicators import timeliness

register = template.Library()


@register.simple_tag
def plotly_chart(chart, css_class="chart"):
    """The chart's element and its figure as JSON; static/js/charts.js draws every one."""
    return format_html(
        '<div id="{}" class="{}"></div><script type="application/json" data-chart="{}">{}</script>',
        chart.id,
        css_class,
        chart.id,
        chart.json,
    )


@register.simple_tag
def timeliness_badge(state):
    """A timeliness state as a coloured word: the colour helps, the word carries the meaning."""
    return format_html(
        '<span class="badge timeliness-{}">{}</span>', state, timeliness.LABELS[state]
    )
