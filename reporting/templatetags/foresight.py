"""Template tags for forecasts: a target's 预计 as a word and its projection, never colour alone
(the words come from ``reporting.foresight``)."""

from django import template
from django.utils.html import format_html

from indicators import forecast
from reporting import foresight

register = template.Library()


def verdict_word(projected):
    """A forecast's verdict as a word: 预计难以完成 or 预计完成 as a dashed badge; 尚早 and 不适用
    muted, with the reason in its title (``forecast.sentence``). Rows share one a verdict."""
    if projected.is_projected:
        return format_html(
            '<span class="badge forecast-{}">{}</span>', projected.verdict, projected.label
        )
    return format_html(
        '<span class="forecast-{}" title="{}">{}</span>',
        projected.verdict,
        forecast.sentence(projected),
        projected.label,
    )


@register.simple_tag
def forecast_word(indicator):
    """The verdict of a judged target's forecast (``.forecast``) as a word."""
    return verdict_word(indicator.forecast)


@register.simple_tag
def forecast_phrase(indicator):
    """预计完成率92.3%（85.1%～99.0%） / 预计4.3%（4.1%～4.5%） / 尚早 / 不适用."""
    return foresight.phrase(indicator)


@register.simple_tag
def forecast_explanation(indicator):
    """How the target's forecast was made, in one sentence."""
    return foresight.explanation(indicator)
