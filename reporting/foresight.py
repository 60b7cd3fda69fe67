"""Early warning: each judged target's year-end forecast (``.forecast``, attached by
``standing.judged``) in the words and number style of the tables, and the targets projected to
miss (预计难以完成).

Nothing here projects: ``indicators.forecast`` does, once, inside the judged list. This only
words what it found, so the pages (overview, section, department, the target's page, the big
screen), the 通报, the meeting summary and the reminders name the same targets and say the same
thing of each in the same way.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from indicators import forecast
from indicators.numbers import percent
from indicators.templatetags.dashboards import with_unit

# The order a list sorted by forecast reads in: the ones to act on first.
VERDICT_RANK = {
    forecast.AT_RISK: 0,
    forecast.LIKELY: 1,
    forecast.TOO_EARLY: 2,
    forecast.NOT_APPLICABLE: 3,
}


def at_risk(indicators):
    """The judged targets projected to miss (预计难以完成), in the list's order."""
    return [i for i in indicators if i.forecast.is_at_risk]


def projected(indicators):
    """The judged targets that have a projection at all (预计完成 or 预计难以完成)."""
    return [i for i in indicators if i.forecast.is_projected]


def figure(indicator):
    """The projected December figure: the completion rate (82.0%) for a target judged by
    completion (cumulative, stock), else the level in its unit (4.3%) for a floor or ceiling."""
    projected = indicator.forecast
    if projected.completion is not None:
        return percent(projected.completion)
    return with_unit(projected.value, indicator.unit)


def span(indicator):
    """The projection's range, written like its figure: 75.1%～90.2%."""
    projected = indicator.forecast
    if projected.completion is not None:
        low, high = (percent(end / indicator.target) for end in (projected.low, projected.high))
    else:
        low, high = (with_unit(end, indicator.unit) for end in (projected.low, projected.high))
    return _phrases(translation.get_language())["range"] % {"low": low, "high": high}


def phrase(indicator):
    """The forecast of a judged target as the tables print it, always labelled 预计 and with its
    range: 预计完成率92.3%（85.1%～99.0%） for a completion rate (cumulative, stock),
    预计4.3%（4.1%～4.5%） for a level (floor, ceiling); 尚早 or 不适用 when there is none."""
    projected = indicator.forecast
    if not projected.is_projected:
        return str(projected.label)
    words = _phrases(translation.get_language())
    kind = "completion" if projected.completion is not None else "level"
    if is_outcome(indicator):
        return words[f"outcome_{kind}"] % {"value": figure(indicator)}
    return words[kind] % {"value": figure(indicator), "range": span(indicator)}


def is_outcome(indicator):
    """December is approved: the figure is the year's result, not a projection, and has no range
    (it read "预计完成92.7%（92.7%～92.7%）")."""
    return indicator.forecast.as_of == 12


def running_phrase(indicator):
    """The projection as running text (the 通报, the reminders) says it, labelled 预计:
    "预计全年完成率82.0%（75.1%～90.2%）", or for a floor or ceiling
    "预计12月底为5.8%（5.5%～6.1%），目标6%"."""
    words = _phrases(translation.get_language())
    if is_outcome(indicator):
        return phrase(indicator)
    if indicator.forecast.completion is not None:
        return words["running_completion"] % {
            "figure": figure(indicator),
            "range": span(indicator),
        }
    return words["running_level"] % {
        "figure": figure(indicator),
        "range": span(indicator),
        "target": with_unit(indicator.target, indicator.unit),
    }


def cell_text(indicator):
    """The 预计 cell of the summary's detail sheet: the verdict word, then (when projected) the
    figure and its range, one a line so that the column stays narrow."""
    projected = indicator.forecast
    if not projected.is_projected:
        return str(projected.label)
    if is_outcome(indicator):
        return "\n".join((str(projected.label), phrase(indicator)))
    return "\n".join((str(projected.label), figure(indicator), span(indicator)))


def explanation(indicator):
    """The one plain sentence on the target's page that says how its forecast was made."""
    return forecast.sentence(indicator.forecast, lambda value: with_unit(value, indicator.unit))


@functools.lru_cache(maxsize=16)
def _phrases(language):
    """The words of `phrase` in ``language``, translated once (the overview asks per row)."""
    with translation.override(language):
        return {
            "completion": str(_("预计完成率%(value)s（%(range)s）")),
            "level": str(_("预计%(value)s（%(range)s）")),
            "range": str(_("%(low)s～%(high)s")),
            "outcome_completion": str(_("全年完成率%(value)s")),
            "outcome_level": str(_("12月底为%(value)s")),
            "running_completion": str(_("预计全年完成率%(figure)s（%(range)s）")),
            "running_level": str(_("预计12月底为%(figure)s（%(range)s），目标%(target)s")),
        }


@dataclass(frozen=True)
class Outlook:
    """What the judged list says of December: ``at_risk``, the targets projected to miss (in
    report order), and how many targets have a projection at all."""

    at_risk: list
    projected: int
    too_early: int

    @property
    def count(self):
        return len(self.at_risk)

    @property
    def is_too_early(self):
        """Nothing projected yet because no target has enough approved months (尚早)."""
        return not self.projected and bool(self.too_early)

    @property
    def from_month(self):
        return settings.FORECAST_FROM_MONTH


def outlook(indicators):
    """The `Outlook` of judged ``indicators`` (each with ``.forecast``)."""
    verdicts = [i.forecast.verdict for i in indicators]
    return Outlook(
        at_risk=at_risk(indicators),
        projected=sum(1 for v in verdicts if v in (forecast.LIKELY, forecast.AT_RISK)),
        too_early=verdicts.count(forecast.TOO_EARLY),
    )
