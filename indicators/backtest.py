"""The forecast's back-test: how well ``forecast.project`` would have foreseen December.

For each target-year (a target, its approved series and its known December figure) and each
forecast month 3..11, the forecast is made from the figures up to that month alone and compared
with what December brought:

- the median absolute error, in percentage points, of the projected December completion rate
  of the cumulative and stock targets (floors and ceilings have no completion rate: their
  error, as a share of the target, is a column of its own);
- the precision and the recall of 预计难以完成 (``forecast.AT_RISK``) against the true outcome:
  missed when December's completion is under 100 %, or December's figure breaks the limit;
- how often the range (low–high) held December's figure.

Pure, like ``forecast``: the synthetic set is generated here (``synthetic``) and the demo year
is read by ``manage.py backtest_forecast``. The aims are issue 18's "Done when".
"""

import math
import random
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from . import forecast, progress

MONTHS = tuple(range(3, 12))
# month: (most median absolute error in points, least precision, least recall) of 预计难以完成
AIMS = {6: (Decimal(8), 0.8, 0.7), 9: (Decimal(4), 0.9, 0.85)}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class TargetYear:
    """One target through one year: ``series`` {month: figure} as approved, ``december`` the
    figure it ended the year with (the outcome), ``shape`` how the series was made."""

    name: str
    kind: str
    target: Decimal
    series: dict
    december: Decimal
    shape: str = ""
    plan: list | None = None
    frequency: str = progress.MONTHLY

    @property
    def missed(self):
        """The true outcome: the year's target missed (or the limit broken) in December."""
        if self.kind == progress.FLOOR:
            return self.december < self.target
        if self.kind == progress.CEILING:
            return self.december > self.target
        return self.december < self.target

    def completion(self, value):
        """``value`` as a share of the target (None where the target is 0)."""
        return None if not self.target else Decimal(value) / self.target

    def project(self, month, from_month=None):
        return forecast.project(
            self.kind,
            self.target,
            self.series,
            month,
            plan=self.plan,
            frequency=self.frequency,
            from_month=from_month,
        )


# --- The synthetic set ---------------------------------------------------------------------------

SHAPES = ("linear", "seasonal", "stalled", "late_surge", "noisy")
# Plans of work that lands in one season (cumulative fractions of the year's target).
SEASONAL_PLANS = (
    # spring planting, done by November
    (0.1, 0.3, 0.55, 0.75, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 1, 1),
    # construction: slow through the winter and the rains, busy in the autumn
    (0.02, 0.05, 0.1, 0.17, 0.25, 0.35, 0.45, 0.56, 0.67, 0.78, 0.9, 1),
    # a summer campaign
    (0.03, 0.06, 0.1, 0.16, 0.26, 0.4, 0.55, 0.7, 0.82, 0.9, 0.96, 1),
    # work counted at each quarter's end
    (0.05, 0.1, 0.25, 0.3, 0.35, 0.5, 0.55, 0.6, 0.75, 0.8, 0.85, 1),
)
RATIO_TARGETS = (14, 55, 79, 680, 1500, 5000)
FLOOR_TARGETS = (5, 6, 6.5, 7, 8, 10)  # growth rates in %, read as 1–m月累计增长
CEILING_TARGETS = (3, 4.5, 5.5)  # unemployment rate, price rise in %
LINEAR_NOISE, HIGH_NOISE = 0.15, 0.6  # spread of the monthly increments around the plan


def synthetic(seed=2023, size=1000):
    """``size`` target-years with known December figures, the same for the same seed.

    Kinds: 70 % cumulative, 10 % stock (a level to reach: it opens the year at 30–90 % of its
    target and builds the rest along its shape), 10 % floors (a
    year-to-date growth rate), 10 % ceilings (a rate read each month). Reporting: 80 % monthly,
    15 % quarterly, 5 % half-yearly (floors: quarterly one time in three; ceilings monthly).
    Cumulative and stock targets take one of five shapes (``SHAPES``), each month's increment
    varying around the plan's by a lognormal factor (spread 15 %, noisy 60 %):

    - linear: at a pace of 80–120 % of the plan all year;
    - seasonal: the same along one of ``SEASONAL_PLANS``, which the forecast is given;
    - stalled: at 85–120 % until a month from 4 to 10, then at 0–15 % of that;
    - late_surge: at 40–75 % until a month from 5 to 8, then fast enough to end at 85–125 %;
    - noisy: like linear, with the wide spread.

    Floors and ceilings are ``linear`` (a steady drift) or ``noisy``. About half of all miss.
    These were fixed before the method was tuned (on other seeds), and not changed after, except
    the stocks: first generated from zero like cumulative figures, they were given their opening
    level when stocks got a method of their own (a level held since January read 300 %)."""
    years = []
    for number in range(size):
        rng = random.Random(f"{seed}-{number}")
        draw = rng.random()
        if draw < 0.8:
            kind = progress.CUMULATIVE if draw < 0.7 else progress.STOCK
            years.append(_ratio_year(rng, number, kind))
        elif draw < 0.9:
            years.append(_floor_year(rng, number))
        else:
            years.append(_ceiling_year(rng, number))
    return years


def _frequency(rng):
    draw = rng.random()
    if draw < 0.8:
        return progress.MONTHLY
    return progress.QUARTERLY if draw < 0.95 else progress.HALF_YEARLY


def _ratio_year(rng, number, kind):
    shape = rng.choice(SHAPES)
    target = rng.choice(RATIO_TARGETS)
    plan = list(rng.choice(SEASONAL_PLANS)) if shape == "seasonal" else None
    shares = [b - a for a, b in zip([0, *_plan(plan)], _plan(plan), strict=False)]
    if shape == "stalled":
        # On pace until the stall, then next to nothing.
        pace, stall = rng.uniform(0.85, 1.2), rng.randint(4, 10)
        rates = [pace * (1 if m <= stall else rng.uniform(0, 0.15)) for m in range(1, 13)]
    elif shape == "late_surge":
        # Slow until the surge, then fast enough to end the year at ``final``.
        slow, surge, final = rng.uniform(0.4, 0.75), rng.randint(5, 8), rng.uniform(0.85, 1.25)
        fast = (final - slow * surge / 12) / ((12 - surge) / 12)
        rates = [slow if m <= surge else fast for m in range(1, 13)]
    else:
        rates = [rng.uniform(0.8, 1.2)] * 12
    spread = HIGH_NOISE if shape == "noisy" else LINEAR_NOISE
    # A stock is a level to reach (DESIGN.md): it opens the year at 30-90 % of its target and
    # builds the rest along the shape; a cumulative figure starts from zero.
    total = target * rng.uniform(0.3, 0.9) if kind == progress.STOCK else 0.0
    to_build, values = target - total, {}
    for month, (share, rate) in enumerate(zip(shares, rates, strict=True), 1):
        total += to_build * share * rate * math.exp(rng.gauss(-spread * spread / 2, spread))
        values[month] = Decimal(f"{total:.2f}")
    return _year(number, kind, shape, target, values, plan, _frequency(rng))


def _plan(plan):
    return plan or [m / 12 for m in range(1, 13)]


def _floor_year(rng, number):
    """A growth rate read as 1–m月累计增长: the mean of the months' own growth, which drifts."""
    shape = rng.choice(("linear", "noisy"))
    target = rng.choice(FLOOR_TARGETS)
    level, drift = target + rng.uniform(-2, 2), rng.uniform(-0.3, 0.3)
    spread = 1.0 if shape == "linear" else 3.0
    growth = [level + drift * (m - 6.5) + rng.gauss(0, spread) for m in range(1, 13)]
    values = {m: Decimal(f"{sum(growth[:m]) / m:.1f}") for m in range(1, 13)}
    frequency = progress.QUARTERLY if rng.random() < 1 / 3 else progress.MONTHLY
    return _year(number, progress.FLOOR, shape, target, values, None, frequency)


def _ceiling_year(rng, number):
    """A rate read each month (unemployment, say): a level drifting toward December's."""
    shape = rng.choice(("linear", "noisy"))
    target = rng.choice(CEILING_TARGETS)
    end, drift = target * rng.uniform(0.85, 1.15), target * rng.uniform(-0.1, 0.1)
    spread = target * (0.02 if shape == "linear" else 0.06)
    values = {
        m: Decimal(f"{end + drift * (m - 12) / 12 + rng.gauss(0, spread):.2f}")
        for m in range(1, 13)
    }
    return _year(number, progress.CEILING, shape, target, values, None, progress.MONTHLY)


def _year(number, kind, shape, target, values, plan, frequency):
    series = {m: v for m, v in values.items() if m < 12 and progress.is_due(frequency, m)}
    return TargetYear(
        name=f"S{number:04d}",
        kind=kind,
        target=Decimal(str(target)),
        series=series,
        december=values[12],
        shape=shape,
        plan=plan,
        frequency=frequency,
    )


# --- Scoring -------------------------------------------------------------------------------------


@dataclass
class Score:
    """The back-test's figures for one forecast month (and one group of target-years)."""

    month: int
    errors: list = field(default_factory=list)  # |projected - true| completion, in points
    limit_errors: list = field(default_factory=list)  # floors, ceilings: in % of the target
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0
    held: int = 0  # December's figure within the range

    @property
    def n(self):
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative

    @property
    def mae(self):
        """The median absolute error of the projected completion rate, in percentage points
        (cumulative and stock targets: floors and ceilings have no completion rate)."""
        return statistics.median(self.errors) if self.errors else None

    @property
    def limit_mae(self):
        return statistics.median(self.limit_errors) if self.limit_errors else None

    @property
    def precision(self):
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else None

    @property
    def recall(self):
        missed = self.true_positive + self.false_negative
        return self.true_positive / missed if missed else None

    @property
    def coverage(self):
        return self.held / self.n if self.n else None

    def add(self, year, projected):
        """Count one forecast of ``year`` (a ``forecast.Forecast`` that projects)."""
        flagged, missed = projected.is_at_risk, year.missed
        if flagged and missed:
            self.true_positive += 1
        elif flagged:
            self.false_positive += 1
        elif missed:
            self.false_negative += 1
        else:
            self.true_negative += 1
        self.held += projected.low <= year.december <= projected.high
        actual = year.completion(year.december)
        if actual is None:
            return
        if year.kind in progress.LIMIT_KINDS:
            error = abs(year.completion(projected.value) - actual) * HUNDRED
            self.limit_errors.append(error)
        else:
            self.errors.append(abs(projected.completion - actual) * HUNDRED)


def projections(years, months=MONTHS):
    """Each target-year with its forecast as of each month, made from the figures up to that
    month alone: [(year, {month: Forecast})]. Scoring reads these (``score``)."""
    return [(year, {month: year.project(month) for month in months}) for year in years]


def score(runs, months=MONTHS, *, by=None):
    """{month: Score} over ``runs`` (``projections``); with ``by`` (a function of a target-year,
    e.g. its shape) {group: {month: Score}}. A month a target-year cannot project (尚早, 不适用)
    does not count."""
    groups = {}
    for year, forecasts in runs:
        group = groups.setdefault(by(year) if by else None, {m: Score(m) for m in months})
        for month in months:
            if forecasts[month].is_projected:
                group[month].add(year, forecasts[month])
    if by:
        return groups
    return groups.get(None, {m: Score(m) for m in months})


# --- The table -----------------------------------------------------------------------------------


def _shape(year):
    return year.shape


def _kind(year):
    return year.kind


def describe(years):
    """What a set of target-years holds, in one line."""
    kinds = {}
    for year in years:
        kinds[year.kind] = kinds.get(year.kind, 0) + 1
    missed = sum(year.missed for year in years)
    parts = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    return f"{len(years):,} target-years ({parts}); {missed} missed their year's target"


def _figure(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def table(scores):
    """Lines of a plain-text table, a row per forecast month."""
    lines = [
        "month      n   MAE pts  precision  recall  range held  limits' error",
        "-----  -----  --------  ---------  ------  ----------  -------------",
    ]
    for month, row in scores.items():
        lines.append(
            f"{month:>5}  {row.n:>5}  {_figure(row.mae, 1):>8}  {_figure(row.precision):>9}  "
            f"{_figure(row.recall):>6}  {_figure(row.coverage):>10}  "
            f"{_figure(row.limit_mae, 1):>12}%"
        )
    return lines


AIM_WORDS = {"mae": "MAE", "precision": "precision", "recall": "recall"}


def _aim_rows(month):
    most_error, least_precision, least_recall = AIMS[month]
    return (
        ("mae", most_error, "<="),
        ("precision", least_precision, ">="),
        ("recall", least_recall, ">="),
    )


def _holds(value, aim, sense):
    if value is None:
        return False
    return value <= aim if sense == "<=" else value >= aim


def check_aims(runs, *, by_group=True):
    """Each aim with whether it was met: a list of (met, line). With ``by_group``, a missed
    aim's line names the shapes and kinds that miss it on their own, with their figure."""
    months = tuple(AIMS)
    scores = score(runs, months)
    groups = {}
    if by_group:
        groups = {
            "shapes": score(runs, months, by=_shape),
            "kinds": score(runs, months, by=_kind),
        }
    results = []
    for month in months:
        for metric, aim, sense in _aim_rows(month):
            value = getattr(scores[month], metric)
            met = _holds(value, aim, sense)
            line = f"month {month}: {AIM_WORDS[metric]} {_figure(value)} (aim {sense} {aim}): "
            line += "met" if met else "MISSED"
            if not met and groups:
                line += "; " + _failing(groups, month, metric, aim, sense)
            results.append((met, line))
    return results


def _failing(groups, month, metric, aim, sense):
    """Which groups miss an aim on their own: "failing shapes: stalled 0.60; kinds: stock 0.61"."""
    parts = []
    for name, by_group in groups.items():
        failing = []
        for group, by_month in sorted(by_group.items()):
            value = getattr(by_month[month], metric)
            if value is not None and not _holds(value, aim, sense):
                failing.append(f"{group} {_figure(value)}")
        parts.append(f"{name}: " + (", ".join(failing) or "none alone"))
    return "failing " + "; ".join(parts)


def group_table(runs, months=tuple(AIMS)):
    """Lines of a table of the aims' months by shape and by kind (n, MAE, precision, recall)."""
    header = "group        " + "".join(f"  m{m}: n   MAE  prec   rec" for m in months)
    lines = [header, "-" * len(header)]
    for by in (_shape, _kind):
        for group, by_month in sorted(score(runs, months, by=by).items()):
            cells = "".join(
                f"  {row.n:>5} {_figure(row.mae, 1):>5} {_figure(row.precision):>5} "
                f"{_figure(row.recall):>5}"
                for row in by_month.values()
            )
            lines.append(f"{group:<13}{cells}")
    return lines


def year_lines(runs, months):
    """A line per target-year: its outcome and each month's projected completion and verdict."""
    lines = []
    for year, forecasts in runs:
        actual = year.completion(year.december)
        outcome = f"{year.december:f}" if actual is None else f"{actual * HUNDRED:.1f}%"
        cells = []
        for month in months:
            projected = forecasts[month]
            value = projected.completion
            if value is None and projected.value is not None:
                value = year.completion(projected.value)
            shown = "" if value is None else f" {value * HUNDRED:.1f}%"
            cells.append(f"m{month}{shown} {projected.label}")
        missed = "missed" if year.missed else "met"
        lines.append(
            f"{year.name:<8} {year.kind:<10} December {outcome} ({missed}); " + "; ".join(cells)
        )
    return lines
