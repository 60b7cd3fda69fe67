"""Year-end forecasts (indicators/forecast.py), kind by kind and frequency by frequency (no
database). How good the method is, is measured by tests/test_backtest.py."""

from decimal import Decimal as D

import pytest

from indicators import backtest, forecast, progress
from indicators.forecast import AT_RISK, LIKELY, NOT_APPLICABLE, TOO_EARLY, project

SPRING = [0.1, 0.3, 0.55, 0.75, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 1, 1]


def steady(target, pace, months, plan=None):
    """A series exactly on ``pace`` times the plan, month by month."""
    return {m: D(str(target)) * D(str(pace)) * progress.expected_fraction(m, plan) for m in months}


def test_a_cumulative_target_on_a_steady_pace_is_projected_at_that_pace():
    ahead = project("cumulative", 1200, steady(1200, "1.1", range(1, 7)), 6)
    assert ahead.verdict == LIKELY and ahead.is_projected and not ahead.is_at_risk
    assert ahead.completion == D("1.1") and ahead.value == 1320
    assert ahead.method == forecast.PACE and ahead.as_of == 6
    behind = project("cumulative", 1200, steady(1200, "0.8", range(1, 7)), 6)
    assert behind.verdict == AT_RISK and behind.is_at_risk
    assert behind.completion == D("0.8") and behind.value == 960
    assert behind.label == "预计难以完成" and behind.colour == progress.STATUS_COLOURS["far_behind"]


def test_exactly_on_plan_is_likely_and_the_range_contains_the_value():
    on_plan = project("cumulative", 1200, steady(1200, 1, range(1, 10)), 9)
    assert on_plan.verdict == LIKELY and on_plan.completion == 1
    assert on_plan.low < on_plan.value < on_plan.high
    # A cumulative figure does not fall: the range starts no lower than what is done.
    assert on_plan.low >= 900


def test_a_stock_target_is_projected_like_a_cumulative_one():
    stock = project("stock", 153, steady(153, "0.9", range(1, 10)), 9)
    assert stock.verdict == AT_RISK and stock.completion == D("0.9")


def test_a_stall_is_followed_rather_than_the_pace_of_the_spring():
    series = steady(1000, "1.1", range(1, 7))
    series |= {7: series[6] + 2, 8: series[6] + 3, 9: series[6] + 4}
    stalled = project("cumulative", 1000, series, 9)
    pace_alone = D(series[9]) / 1000 / D("0.75")
    assert stalled.verdict == AT_RISK
    # Close to what is done (55 %), far below the year-to-date pace (74 %).
    assert D("0.55") <= stalled.completion < D("0.58") < pace_alone


def test_a_late_surge_is_followed_and_noise_is_not_chased():
    slow = {m: D(50) * m for m in range(1, 7)}  # 60 % of plan
    surge = slow | {7: D(450), 8: D(600), 9: D(750)}  # 180 % of plan since June
    assert project("cumulative", 1200, surge, 9).completion > D("0.95")
    # Months that differ by a few percent: the pace so far, not the last two months.
    noisy = {1: 95, 2: 205, 3: 300, 4: 390, 5: 505, 6: 600, 7: 695, 8: 810, 9: 900}
    assert project("cumulative", 1200, noisy, 9).completion == 1


def test_a_seasonal_target_follows_its_plan_curve_not_a_straight_line():
    # 75 % of the year's planting by April is exactly on plan: projected to finish, where a
    # straight line would say 225 %.
    spring = project("cumulative", 100, {4: 75}, 4, plan=SPRING)
    assert spring.completion == 1 and spring.verdict == LIKELY
    short = project("cumulative", 100, steady(100, "0.9", range(1, 6), SPRING), 5, plan=SPRING)
    assert short.completion == D("0.9") and short.verdict == AT_RISK
    # Once the plan is complete nothing more is expected: the projection is what is done.
    done = project("cumulative", 100, {11: 97}, 11, plan=SPRING)
    assert done.completion == D("0.97") and done.low == done.high == 97


def test_nothing_is_projected_while_the_plan_expects_nothing_yet():
    plan = [0, 0, 0, 0.2, 0.4, 0.6, 0.8, 0.9, 1, 1, 1, 1]
    assert project("cumulative", 10, {3: 0}, 3, plan=plan).verdict == TOO_EARLY


def test_a_floor_is_projected_from_its_recent_readings():
    holds = project("floor", 6, {1: D("5.0"), 2: D("6.4"), 3: D("6.6")}, 3)
    assert holds.verdict == LIKELY and holds.value == D("6.5")
    assert holds.completion is None and holds.method == forecast.LEVEL
    assert holds.low < holds.value < holds.high
    slips = project("floor", 6, {m: D("5.8") for m in range(1, 8)}, 7)
    assert slips.verdict == AT_RISK and slips.value == D("5.8")
    negative = project("floor", -2, {3: D("-3.1"), 4: D("-2.5")}, 4)
    assert negative.verdict == AT_RISK and negative.value == D("-2.8")


def test_a_ceiling_is_projected_from_its_recent_readings():
    rate = project("ceiling", D("4.5"), {m: D("4.2") for m in range(1, 7)}, 6)
    assert rate.verdict == LIKELY and rate.value == D("4.2")
    over = project("ceiling", D("4.5"), {5: D("4.5"), 6: D("4.7")}, 6)
    assert over.verdict == AT_RISK and over.value == D("4.6")
    # 动态清零: a ceiling of 0 holds once the last readings are 0.
    zero = [3, 2, 1, 0, 0, 0]
    cleared = project("ceiling", 0, dict(enumerate(zero, 1)), 6)
    assert cleared.verdict == LIKELY and cleared.value == 0
    assert project("ceiling", 0, dict(enumerate(zero, 1)), 4).verdict == AT_RISK


def test_milestones_year_end_only_and_yearly_targets_are_not_projected():
    series = {m: 10 * m for m in range(1, 10)}
    assert project("milestone", 100, series, 9).verdict == NOT_APPLICABLE
    assert project("cumulative", 100, series, 9, is_year_end_only=True).verdict == NOT_APPLICABLE
    yearly = project("cumulative", 100, series, 9, frequency=progress.YEARLY)
    assert yearly.verdict == NOT_APPLICABLE and yearly.label == "不适用"
    assert not yearly.is_projected
    assert not forecast.applies("milestone")
    assert not forecast.applies("floor", is_year_end_only=True)
    assert not forecast.applies("cumulative", frequency=progress.YEARLY)
    assert forecast.applies("ceiling", frequency=progress.QUARTERLY)


def test_nothing_is_projected_before_the_forecast_month(settings):
    series = steady(1200, 1, range(1, 13))
    assert project("cumulative", 1200, series, 2).verdict == TOO_EARLY
    assert project("cumulative", 1200, series, 3).verdict == LIKELY
    assert project("floor", 6, {1: 7, 2: 7}, 2).verdict == TOO_EARLY
    settings.FORECAST_FROM_MONTH = 5
    assert project("cumulative", 1200, series, 4).verdict == TOO_EARLY
    assert project("cumulative", 1200, series, 5).verdict == LIKELY
    assert project("cumulative", 1200, series, 4, from_month=3).verdict == LIKELY
    # Figures after the forecast's month do not count, and neither does an empty series.
    assert project("cumulative", 1200, {1: 100, 2: 200, 9: 900}, 2).verdict == TOO_EARLY
    assert project("cumulative", 1200, {}, 9).verdict == TOO_EARLY


def test_a_quarterly_target_uses_its_due_months_only():
    series = steady(400, "0.9", (3, 6)) | {4: D(400), 5: D(400)}  # off-quarter: ignored
    at_may = project("cumulative", 400, series, 5, frequency=progress.QUARTERLY)
    assert at_may.as_of == 3 and at_may.completion == D("0.9")
    at_august = project("cumulative", 400, series, 8, frequency=progress.QUARTERLY)
    assert at_august.as_of == 6 and at_august.verdict == AT_RISK
    floor = project("floor", 6, {3: D("6.2"), 5: D("1"), 6: D("6.4")}, 7, frequency="quarterly")
    assert floor.as_of == 6 and floor.value == D("6.3")


def test_a_half_yearly_target_waits_for_june():
    series = steady(100, "1.2", (6,)) | {3: D(80)}
    assert project("cumulative", 100, series, 5, frequency="half_yearly").verdict == TOO_EARLY
    july = project("cumulative", 100, series, 7, frequency="half_yearly")
    assert july.as_of == 6 and july.completion == D("1.2") and july.verdict == LIKELY


@pytest.mark.parametrize("month", [3, 6, 9, 11])
def test_the_range_contains_the_projected_value_throughout_the_synthetic_set(month):
    for year in backtest.synthetic(seed=11, size=300):
        projected = year.project(month)
        if projected.is_projected:
            assert projected.low <= projected.value <= projected.high, year.name


def test_the_range_shrinks_as_the_year_passes():
    series = {1: 90, 2: 210, 3: 280, 4: 420, 5: 480, 6: 610, 7: 690, 8: 820, 9: 880, 10: 1010}
    widths = [
        (lambda f: f.high - f.low)(project("cumulative", 1200, series, m)) for m in (3, 6, 9, 10)
    ]
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0] / 3


def test_the_sentence_explains_the_method_in_one_plain_sentence(settings):
    def unit(value):
        return f"{value:.0f}亩"

    pace = project("cumulative", 1200, steady(1200, "0.8", range(1, 7)), 6)
    text = forecast.sentence(pace, unit)
    assert text.count("。") == 1 and text.endswith("。")
    assert "截至6月底" in text and "960亩" in text
    assert f"（{unit(pace.low)}～{unit(pace.high)}）" in text
    level = forecast.sentence(project("ceiling", D("4.5"), {5: 4, 6: 4}, 6))
    assert level.count("。") == 1 and "预计为4" in level
    settings.FORECAST_FROM_MONTH = 4
    assert "不足4个月" in forecast.sentence(forecast.Forecast(TOO_EARLY))
    assert forecast.sentence(forecast.Forecast(NOT_APPLICABLE)).startswith("节点型")


def test_december_approved_is_the_outcome_not_a_projection():
    series = {month: D(100 * month) for month in range(1, 13)}
    result = forecast.project("cumulative", D(1500), series, 12)
    assert (result.value, result.low, result.high) == (D(1200),) * 3
    assert result.completion == D("0.8") and result.is_at_risk
    ceiling = forecast.project("ceiling", D("4.5"), {10: D("4.1"), 11: D("4.3"), 12: D("4.6")}, 12)
    assert ceiling.value == D("4.6") and ceiling.is_at_risk
    assert "全年结果为1200" in forecast.sentence(result)


def test_a_stock_held_since_january_is_projected_at_its_level_not_from_zero():
    """153 projects on the list since January are 100 % in April, not a pace of 300 %."""
    held = project("stock", 153, {m: D(153) for m in range(1, 5)}, 4)
    assert held.value == D(153) and held.completion == 1 and held.verdict == LIKELY
    assert held.method == forecast.TREND
    # Built up from 90 at 10 a month: 120 in April, 120 + 10 x 8 = 200 by December.
    growing = project("stock", 150, {m: D(80 + 10 * m) for m in range(1, 5)}, 4)
    assert growing.value == pytest.approx(D(200)) and growing.verdict == LIKELY
    short = project("stock", 150, {m: D(100 + m) for m in range(1, 5)}, 4)
    assert short.value == pytest.approx(D(112)) and short.is_at_risk
    assert "首次填报以来" in forecast.sentence(short)


def test_an_approved_december_is_called_the_result_not_a_projection():
    series = {month: D(100 * month) for month in range(1, 13)}
    missed = project("cumulative", D(1500), series, 12)
    met = project("cumulative", D(1000), series, 12)
    assert (missed.label, met.label) == ("未完成全年目标", "完成全年目标")
    assert project("cumulative", D(1500), series, 11).label == "预计难以完成"
