"""Early warning on the pages: each judged target's year-end forecast (``.forecast``, attached by
``standing.judged``) in the words and number style of the tables, and the targets projected to
miss (预计难以完成).

Nothing here projects: ``indicators.forecast`` does, once, inside the judged list. This only
words what it found, so the overview, a section, a department, the target's page and the big
screen say the same thing of a target in the same way.
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


def phrase(indicator):
    """The forecast of a judged target as the tables print it, always labelled 预计 and with its
    range: 预计完成92.3%（85.1%～99.0%） for a completion rate (cumulative, stock),
    预计4.3%（4.1%～4.5%） for a level (floor, ceiling); 尚早 or 不适用 when there is none."""
    projected = indicator.forecast
    if not projected.is_projected:
        return str(projected.label)
    words = _phrases(translation.get_language())
    if projected.completion is not None:
        target = indicator.target
        return words["completion"] % {
            "value": percent(projected.completion),
            "low": percent(projected.low / target),
            "high": percent(projected.high / target),
        }
    return words["level"] % {
        "value": with_unit(projected.value, indicator.unit),
        "low": with_unit(projected.low, indicator.unit),
        "high": with_unit(projected.high, indicator.unit),
    }


def explanation(indicator):
    """The one plain sentence on the target's page that says how its forecast was made."""
    return forecast.sentence(indicator.forecast, lambda value: with_unit(value, indicator.unit))


@functools.lru_cache(maxsize=16)
def _phrases(language):
    """The words of `phrase` in ``language``, translated once (the overview asks per row)."""
    with translation.override(language):
        return {
            "completion": str(_("预计完成%(value)s（%(low)s～%(high)s）")),
            "level": str(_("预计%(value)s（%(low)s～%(high)s）")),
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
        at_risk=[i for i in indicators if i.forecast.verdict == forecast.AT_RISK],
        projected=sum(1 for v in verdicts if v in (forecast.LIKELY, forecast.AT_RISK)),
        too_early=verdicts.count(forecast.TOO_EARLY),
    )
