"""The per-figure rules: one typed figure against its own series (pure; no database).

A series is the approved figures of a subject before the month being judged, as ``(month,
value)`` pairs in month order. A *step* is the change from one approved figure to the next, per
month (a quarterly target's step of 300 over three months is 100 a month); a figure that starts
each year from 0 (``Figure.from_zero``) has January's figure as its first step.

- FALL: a figure of a kind that may not fall is below the latest approved one;
- STEP: the step to this figure is more than k times the median step of the history (at least
  `MIN_STEPS` steps of it);
- OUTLIER: the step's modified z-score, 0.6745 (x - median) / MAD, over the steps of this year's
  history is past the threshold; where this year has too few steps yet, over last year's series
  of the same target. The MAD is never taken below `MIN_SCALE` of the median step, so that the
  ordinary wobble of a smooth series (steps of 100, 100, 110) does not make 120 an outlier;
- BEYOND_TARGET: past the goal by more than a factor (a goal of 0: any figure above 0);
- DECIMALS: more decimals than the unit allows.

A fall is the finding of its own: a figure that falls is not also judged for its step; and a
step past k times the usual is not said again as an outlier.
"""

import statistics
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from ..numbers import plain
from . import BEYOND_TARGET, DECIMALS, FALL, OUTLIER, RULES, STEP, UNIT_DECIMALS, Flag

MIN_STEPS = 3  # steps of history a STEP or OUTLIER judgement needs
MIN_SCALE = Decimal("0.25")  # the least MAD, as a share of the median step
Z_FACTOR = Decimal("0.6745")  # makes the MAD comparable with a standard deviation


@dataclass(frozen=True)
class Setting:
    """A rule as a report sets it for a subject: whether it runs, its number, whether it
    blocks."""

    enabled: bool = True
    parameter: Decimal | None = None
    blocks: bool = False


def judge(figure, month, value, points, last_year, settings):
    """The ``Flag``s of ``value`` typed for ``month``: ``figure`` (a ``checks.Figure``) says
    which rules apply, ``points`` is the approved series before ``month``, ``last_year`` last
    year's approved series of the same target ([] where there is none), and ``settings`` the
    report's `Setting` of each rule ({rule: Setting})."""
    found = {}
    wanted = {rule: settings[rule] for rule in figure.rules if settings[rule].enabled}
    if FALL in wanted:
        found[FALL] = fall(value, points)
    change = None if found.get(FALL) else latest_step(month, value, points, figure.from_zero)
    if change and (STEP in wanted or OUTLIER in wanted):
        history = steps(points, figure.from_zero)
        if STEP in wanted:
            found[STEP] = step(change, history, wanted[STEP].parameter)
        if OUTLIER in wanted and not found.get(STEP):
            bases = (("this_year", history), ("last_year", steps(last_year, figure.from_zero)))
            found[OUTLIER] = outlier(change, bases, wanted[OUTLIER].parameter)
    if BEYOND_TARGET in wanted:
        found[BEYOND_TARGET] = beyond(value, figure, wanted[BEYOND_TARGET].parameter)
    if DECIMALS in wanted:
        allowed = wanted[DECIMALS].parameter
        allowed = UNIT_DECIMALS.get(figure.unit.strip()) if allowed is None else int(allowed)
        found[DECIMALS] = decimals(value, allowed)
    return [
        Flag(rule, wanted[rule].blocks, {**params, "unit": figure.unit.strip()})
        for rule in RULES
        if (params := found.get(rule))
    ]


def steps(points, from_zero):
    """The per-month steps between consecutive approved figures (from 0 before January for a
    figure that starts the year from 0)."""
    if from_zero:
        points = [(0, Decimal(0)), *points]
    return [(b - a) / (mb - ma) for (ma, a), (mb, b) in pairwise(points) if mb > ma]


def latest_step(month, value, points, from_zero):
    """The step from the latest approved figure to ``value``: {"increase", "months", "since",
    "step"} (the step per month), or None when there is nothing to step from."""
    if points:
        since, last = points[-1]
    elif from_zero:
        since, last = 0, Decimal(0)
    else:
        return None
    months = month - since
    if months <= 0:
        return None
    increase = value - last
    return {"increase": increase, "months": months, "since": since, "step": increase / months}


def fall(value, points):
    if not points:
        return None
    month, last = points[-1]
    if value >= last:
        return None
    return {"value": plain(value), "previous": plain(last), "month": month}


def step(change, history, k):
    """STEP: the step is more than ``k`` times the median size of the history's steps."""
    sizes = [abs(s) for s in history]
    if len(sizes) < MIN_STEPS:
        return None
    usual = statistics.median(sizes)
    if usual <= 0 or abs(change["step"]) <= k * usual:
        return None
    return {
        **_change_params(change),
        "median": plain(_round(usual, 2)),
        "times": plain(_round(abs(change["step"]) / usual, 1)),
        "k": plain(k),
    }


def modified_z(x, sample):
    """0.6745 (x - median) / MAD over ``sample`` (the MAD at least `MIN_SCALE` of the median's
    size); None when the sample has no spread and no size (every step 0)."""
    centre = statistics.median(sample)
    mad = statistics.median(abs(v - centre) for v in sample)
    scale = max(mad, abs(centre) * MIN_SCALE)
    if scale == 0:
        return None, centre
    return Z_FACTOR * (x - centre) / scale, centre


def outlier(change, bases, limit):
    """OUTLIER: the step against the first of ``bases`` ((name, steps), this year's first)
    with enough steps to judge by."""
    for basis, history in bases:
        if len(history) < MIN_STEPS:
            continue
        z, centre = modified_z(change["step"], history)
        if z is None or abs(z) <= limit:
            return None
        return {
            **_change_params(change),
            "median": plain(_round(centre, 2)),
            "z": plain(_round(z, 1)),
            "limit": plain(limit),
            "basis": basis,
        }
    return None


def beyond(value, figure, factor):
    goal = figure.goal
    if goal is None or goal < 0:
        return None
    if goal == 0:
        if value <= 0:
            return None
        times = None
    elif value > factor * goal:
        times = plain(_round(value / goal, 1))
    else:
        return None
    return {
        "value": plain(value),
        "goal": plain(goal),
        "times": times,
        "factor": plain(factor),
        "goal_of": figure.goal_of,
    }


def decimals(value, allowed):
    if allowed is None:
        return None
    exponent = value.normalize().as_tuple().exponent
    found = max(0, -exponent) if isinstance(exponent, int) else 0
    if found <= allowed:
        return None
    return {"value": plain(value), "found": found, "allowed": allowed}


def _change_params(change):
    return {
        "increase": plain(change["increase"]),
        "months": change["months"],
        "since": change["since"],
        "step": plain(_round(change["step"], 2)),
    }


def _round(number, places):
    return Decimal(number).quantize(Decimal(1).scaleb(-places))
