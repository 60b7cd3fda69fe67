"""Template tags for forecasts: a target's 预计 as a word and its projection, never colour alone
(the words come from ``reporting.foresight``)."""

from django import template
from django.utils.html import format_html

from indicators import forecast
from reporting import foresight

register = template.Library()


def cell(verdict, label, text, note):
    """预计难以完成 or 预计完成 as a word above its projection (预计完成72.0%（…）); 尚早 and
    不适用 as a muted word whose title says why (``note``: ``forecast.sentence``)."""
    if verdict in (forecast.LIKELY, forecast.AT_RISK):
        return format_html(
            '<span class="badge forecast-{}">{}</span><span class="gap forecast">{}</span>',
            verdict,
            label,
            text,
        )
    return format_html('<span class="forecast-{}" title="{}">{}</span>', verdict, note, label)


@register.simple_tag
def forecast_cell(indicator):
    """The forecast of a judged target (``.forecast``) as the tables show it."""
    projected = indicator.forecast
    return cell(
        projected.verdict,
        projected.label,
        foresight.phrase(indicator),
        "" if projected.is_projected else forecast.sentence(projected),
    )


@register.simple_tag
def forecast_phrase(indicator):
    """预计完成92.3%（85.1%～99.0%） / 预计4.3%（4.1%～4.5%） / 尚早 / 不适用."""
    return foresight.phrase(indicator)


@register.simple_tag
def forecast_explanation(indicator):
    """How the target's forecast was made, in one sentence."""
    return foresight.explanation(indicator)
