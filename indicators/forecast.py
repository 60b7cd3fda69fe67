"""Year-end forecasts: where a target will stand in December, judged from its approved figures
so far. The status rules (``progress``) say where a target stands against 序时进度 this month;
this says whether it will be met by year end, early enough to act.

Pure, like ``progress``: plain values in, plain values out, no database. Pages, the 通报, the
summary workbook and the reminders read forecasts through ``reporting.standing`` and never
project anything themselves. ``manage.py backtest_forecast`` measures the method.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import progress

LIKELY = "likely"
AT_RISK = "at_risk"
TOO_EARLY = "too_early"
NOT_APPLICABLE = "not_applicable"
VERDICTS = (LIKELY, AT_RISK, TOO_EARLY, NOT_APPLICABLE)
VERDICT_LABELS = {
    LIKELY: _("预计完成"),
    AT_RISK: _("预计难以完成"),
    TOO_EARLY: _("尚早"),
    NOT_APPLICABLE: _("不适用"),
}
VERDICT_COLOURS = {
    LIKELY: progress.STATUS_COLOURS[progress.DONE],
    AT_RISK: progress.STATUS_COLOURS[progress.FAR_BEHIND],
    TOO_EARLY: progress.STATUS_COLOURS[progress.NO_DATA],
    NOT_APPLICABLE: progress.STATUS_COLOURS[progress.NO_DATA],
}

# How each method is explained on the target's page, in one plain sentence.
PACE = "pace"
LEVEL = "level"
METHOD_SENTENCES = {
    PACE: _(
        "按截至%(month)s月底的完成数与计划进度之比推算全年：保持目前相对计划的快慢，"
        "12月底预计完成%(value)s（%(low)s～%(high)s）。"
    ),
    LEVEL: _("按近几个月的数值水平推算，12月底预计为%(value)s（%(low)s～%(high)s）。"),
}
NOT_APPLICABLE_SENTENCE = _("节点型、年终确定和按年报送的目标不作预计。")
TOO_EARLY_SENTENCE = _("已审核数据不足%(month)s个月，暂不预计。")

ONE = Decimal(1)


@dataclass(frozen=True)
class Forecast:
    """A target's projected December figure.

    ``value``: the projected December value in the target's unit; ``low``–``high`` its range;
    ``completion``: the projected completion as a fraction (ratio kinds only; 1 = 100 %);
    ``as_of``: the month of the latest approved figure it was made from."""

    verdict: str
    value: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    completion: Decimal | None = None
    method: str = ""
    as_of: int | None = None

    @property
    def label(self):
        return VERDICT_LABELS[self.verdict]

    @property
    def colour(self):
        return VERDICT_COLOURS[self.verdict]

    @property
    def is_at_risk(self):
        return self.verdict == AT_RISK

    @property
    def is_projected(self):
        return self.verdict in (LIKELY, AT_RISK)


def applies(kind, *, frequency=progress.MONTHLY, is_year_end_only=False):
    """Whether a target of this kind and frequency can have a forecast at all."""
    return not (kind == progress.MILESTONE or is_year_end_only or frequency == progress.YEARLY)


def project(
    kind,
    target,
    series,
    month,
    *,
    plan=None,
    frequency=progress.MONTHLY,
    is_year_end_only=False,
    from_month=None,
):
    """The forecast of a target as of ``month``, from ``series``: {month: approved value} (other
    months and months after ``month`` are ignored). Nothing is projected until the latest
    approved figure is of ``from_month`` or later (``FORECAST_FROM_MONTH``)."""
    if not applies(kind, frequency=frequency, is_year_end_only=is_year_end_only):
        return Forecast(NOT_APPLICABLE)
    from_month = settings.FORECAST_FROM_MONTH if from_month is None else from_month
    points = sorted(
        (m, Decimal(v))
        for m, v in series.items()
        if v is not None and m <= month and progress.is_due(frequency, m)
    )
    if not points or points[-1][0] < from_month:
        return Forecast(TOO_EARLY)
    target = Decimal(target)
    if kind in progress.LIMIT_KINDS:
        return _project_level(kind, target, points)
    if target <= 0:
        return Forecast(NOT_APPLICABLE)
    return _project_pace(target, points, plan)


def _project_pace(target, points, plan):
    """Cumulative and stock targets: the completion so far against the plan curve's share of the
    year, carried to December (a seasonal plan is followed, not a straight line)."""
    ratios = []
    for m, value in points[-3:]:
        expected = progress.expected_fraction(m, plan)
        if expected > 0:
            ratios.append(value / target / expected)
    if not ratios:
        return Forecast(TOO_EARLY)
    as_of = points[-1][0]
    central = ratios[-1]
    remaining = ONE - progress.expected_fraction(as_of, plan)
    half_width = max((max(ratios) - min(ratios)) / 2, remaining * Decimal("0.15"))
    low, high = max(central - half_width, Decimal(0)), central + half_width
    verdict = LIKELY if central >= ONE else AT_RISK
    return Forecast(
        verdict,
        value=central * target,
        low=low * target,
        high=high * target,
        completion=central,
        method=PACE,
        as_of=as_of,
    )


def _project_level(kind, target, points):
    """Floors and ceilings (a growth rate, an unemployment rate): the recent level carried to
    December, judged against the limit."""
    as_of = points[-1][0]
    recent = [value for _, value in points[-3:]]
    central = sum(recent) / len(recent)
    spread = (max(recent) - min(recent)) / 2
    half_width = max(spread, abs(target) * Decimal("0.05") * (12 - as_of) / 12)
    low, high = central - half_width, central + half_width
    holds = central <= target if kind == progress.CEILING else central >= target
    return Forecast(
        LIKELY if holds else AT_RISK,
        value=central,
        low=low,
        high=high,
        method=LEVEL,
        as_of=as_of,
    )


def sentence(forecast, format_value=str):
    """The one plain sentence explaining ``forecast`` on the target's page; ``format_value``
    writes a number in the unit's style."""
    if forecast.verdict == NOT_APPLICABLE:
        return str(NOT_APPLICABLE_SENTENCE)
    if forecast.verdict == TOO_EARLY:
        return str(TOO_EARLY_SENTENCE) % {"month": settings.FORECAST_FROM_MONTH}
    return str(METHOD_SENTENCES[forecast.method]) % {
        "month": forecast.as_of,
        "value": format_value(forecast.value),
        "low": format_value(forecast.low),
        "high": format_value(forecast.high),
    }
