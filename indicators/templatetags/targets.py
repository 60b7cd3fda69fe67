"""Formatting for targets: amounts with their units, percentages, status words and badges."""

from django import template
from django.utils.html import format_html

from indicators import checks, numbers, progress

register = template.Library()


# The display writers live in `numbers`, for templates and code alike.
amount = register.filter("amount", numbers.amount)
percent = register.filter("percent", numbers.percent)


@register.filter
def flags(entry):
    """The plausibility flags (``checks.Flag``) stored on an entry, to be shown."""
    return checks.flags_of(entry)


@register.filter
def status_label(status):
    return progress.STATUS_LABELS.get(status, status)


@register.simple_tag
def status_badge(judged):
    """A status as a coloured word: the colour helps, the word carries the meaning. ``judged``
    is a ``progress.Progress`` (its word fits its kind: a floor that holds reads 达到目标) or a
    bare status."""
    if isinstance(judged, progress.Progress):
        return format_html('<span class="badge status-{}">{}</span>', judged.status, judged.label)
    return format_html(
        '<span class="badge status-{}">{}</span>', judged, progress.STATUS_LABELS[judged]
    )


@register.filter
def gap_phrase(indicator):
    """The gap to 序时进度 (or margin to a limit) of a judged indicator, in words."""
    return progress.gap_phrase(indicator.progress, indicator.kind, indicator.unit)


@register.filter
def month_label(month):
    """A month of the report's year in the interface language: 9月, September."""
    return progress.month_label(month)


@register.simple_tag
def year_month(year, month):
    """A month with its year: 2023年9月, September 2023 (``{% year_month y m as label %}``)."""
    return progress.year_month_label(year, month)
