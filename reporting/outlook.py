"""Early warning outside the pages: which judged targets are projected to miss their annual target
(预计难以完成), and how a projection is written for people in the 通报, the meeting summary and the
reminders.

It reads the forecasts ``reporting.standing.judged`` made (``indicator.forecast``) and never
projects anything itself: the pages, the 通报, the workbook and the reminders name the same
targets because they read the same list.
"""

from django.utils.translation import gettext as _

from indicators import numbers


def at_risk(indicators):
    """The judged targets projected to miss (预计难以完成), in the list's order."""
    return [i for i in indicators if i.forecast.is_at_risk]


def projected(indicators):
    """The judged targets that have a projection at all (预计完成 or 预计难以完成)."""
    return [i for i in indicators if i.forecast.is_projected]


def in_unit(value, unit):
    """A projected amount with its unit, as running text writes it: 1,263人, 5.8%."""
    return numbers.amount(value) + (unit or "")


def completion_range(indicator):
    """(low, high) of the projected completion as fractions, for targets judged by completion;
    None for floors and ceilings (projected as a level in their unit)."""
    forecast = indicator.forecast
    if forecast.completion is None or not indicator.target:
        return None
    return forecast.low / indicator.target, forecast.high / indicator.target


def figure(indicator):
    """The projected December figure: the completion rate (82.0%) for a target judged by
    completion, else the value in its unit (5.8%)."""
    forecast = indicator.forecast
    if forecast.completion is not None:
        return numbers.percent(forecast.completion)
    return in_unit(forecast.value, indicator.unit)


def span(indicator):
    """The projection's range, written like its figure: 75.1%～90.2%."""
    ends = completion_range(indicator)
    if ends is not None:
        low, high = (numbers.percent(end) for end in ends)
    else:
        forecast = indicator.forecast
        low, high = (in_unit(end, indicator.unit) for end in (forecast.low, forecast.high))
    return _("%(low)s～%(high)s") % {"low": low, "high": high}


def phrase(indicator):
    """The projection in words, labelled 预计: "预计全年完成率82.0%（75.1%～90.2%）", or for a
    floor or ceiling "预计12月底为5.8%（5.5%～6.1%），目标6%"."""
    if indicator.forecast.completion is not None:
        return _("预计全年完成率%(figure)s（%(range)s）") % {
            "figure": figure(indicator),
            "range": span(indicator),
        }
    return _("预计12月底为%(figure)s（%(range)s），目标%(target)s") % {
        "figure": figure(indicator),
        "range": span(indicator),
        "target": in_unit(indicator.target, indicator.unit),
    }


def cell_text(indicator):
    """The 预计 cell of the summary's detail sheet: the verdict word, then (when projected) the
    figure and its range, one a line so that the column stays narrow."""
    forecast = indicator.forecast
    if not forecast.is_projected:
        return str(forecast.label)
    return "\n".join((str(forecast.label), figure(indicator), span(indicator)))
