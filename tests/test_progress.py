"""The status rules of DESIGN.md, kind by kind and boundary by boundary (no database)."""

import datetime
from decimal import Decimal as D

import pytest

from indicators import progress
from indicators.progress import (
    BEHIND,
    DONE,
    FAR_BEHIND,
    NO_DATA,
    ON_TRACK,
    YEAR_END,
    deadline,
    expected_fraction,
    gap_phrase,
    is_missing,
    judge,
    summarise,
)


@pytest.mark.parametrize(
    ("kind", "target", "actual", "month", "status"),
    [
        # cumulative, target 1200, month 6: expected 50 %
        ("cumulative", 1200, 1200, 6, DONE),
        ("cumulative", 1200, 1300, 6, DONE),  # over 100 %
        ("cumulative", 1200, 700, 6, ON_TRACK),
        ("cumulative", 1200, 600, 6, ON_TRACK),  # completion equal to expected
        ("cumulative", 1200, 599, 6, BEHIND),
        ("cumulative", 1200, 480, 6, BEHIND),  # exactly 10 points short
        ("cumulative", 1200, 479, 6, FAR_BEHIND),
        ("cumulative", 1200, None, 6, NO_DATA),
        # stock, target 153
        ("stock", 153, 153, 3, DONE),
        ("stock", 153, 120, 9, ON_TRACK),
        ("stock", 153, 100, 9, BEHIND),
        ("stock", 153, 60, 9, FAR_BEHIND),
        ("stock", 153, None, 9, NO_DATA),
        # milestone: percent done, judged against 100 whatever the target says
        ("milestone", 100, 100, 9, DONE),
        ("milestone", 100, 75, 9, ON_TRACK),
        ("milestone", 100, 65, 9, BEHIND),
        ("milestone", 100, 64, 9, FAR_BEHIND),
        ("milestone", 100, None, 9, NO_DATA),
        # ceiling 4.5 %: at or below is on track; up to 10 % of the target over is behind
        ("ceiling", D("4.5"), D("4.5"), 9, ON_TRACK),
        ("ceiling", D("4.5"), D("3.9"), 9, ON_TRACK),
        ("ceiling", D("4.5"), D("4.95"), 9, BEHIND),
        ("ceiling", D("4.5"), D("4.96"), 9, FAR_BEHIND),
        ("ceiling", D("4.5"), None, 9, NO_DATA),
        # floor: growth 6 %: at or above on track; down to 5.4 behind
        ("floor", 6, D("6.0"), 9, ON_TRACK),
        ("floor", 6, D("7.2"), 9, ON_TRACK),
        ("floor", 6, D("5.4"), 9, BEHIND),
        ("floor", 6, D("5.39"), 9, FAR_BEHIND),
        ("floor", 6, None, 9, NO_DATA),
    ],
)
def test_every_kind_reaches_every_status(kind, target, actual, month, status):
    assert judge(kind, target, actual, month).status == status


@pytest.mark.parametrize("kind", ["cumulative", "stock", "milestone", "ceiling", "floor"])
def test_year_end_only_waits_for_december_whatever_the_value(kind):
    assert judge(kind, 100, 1, 11, is_year_end_only=True).status == YEAR_END
    assert judge(kind, 100, None, 11, is_year_end_only=True).status == YEAR_END
    assert judge(kind, 100, None, 12, is_year_end_only=True).status == NO_DATA


def test_year_end_only_is_judged_normally_in_december():
    assert judge("milestone", 100, 100, 12, is_year_end_only=True).status == DONE
    assert judge("milestone", 100, 85, 12, is_year_end_only=True).status == FAR_BEHIND


def test_done_is_never_given_to_ceiling_or_floor():
    assert judge("ceiling", 10, 0, 12).status == ON_TRACK
    assert judge("floor", 6, 60, 12).status == ON_TRACK


def test_month_one_expects_a_twelfth():
    assert expected_fraction(1) == D(1) / 12
    result = judge("cumulative", 1200, 100, 1)
    assert result.status == ON_TRACK
    assert result.gap_points == 0
    assert judge("cumulative", 1200, 99, 1).status == BEHIND


def test_month_twelve_expects_everything():
    assert expected_fraction(12) == 1
    assert judge("cumulative", 1500, 1500, 12).status == DONE
    assert judge("cumulative", 1500, 1350, 12).status == BEHIND  # exactly 10 points short
    assert judge("cumulative", 1500, 1349, 12).status == FAR_BEHIND


def test_month_outside_the_year_is_refused():
    with pytest.raises(ValueError):
        expected_fraction(0)
    with pytest.raises(ValueError):
        expected_fraction(13)


def test_custom_monthly_plan_sets_the_expected_level():
    plan = [0.1, 0.3, 0.55, 0.75, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 1, 1]
    assert expected_fraction(6, plan) == D("0.9")
    # 3.0 of 5.6 in March is 53.6 % against a plan of 55 %: behind by 1.4 points
    result = judge("cumulative", D("5.6"), D("3.0"), 3, plan=plan)
    assert result.status == BEHIND
    assert round(result.gap_points, 1) == D("-1.4")
    # the same value would be ahead of a linear plan (25 %)
    assert judge("cumulative", D("5.6"), D("3.0"), 3).status == ON_TRACK


def test_step_plan_expects_nothing_before_its_season():
    plan = [0, 0, 0, 0, 0, 0, 0, 0, 0.5, 1, 1, 1]
    assert judge("milestone", 100, 0, 6, plan=plan).status == ON_TRACK
    assert judge("milestone", 100, 30, 9, plan=plan).status == FAR_BEHIND


def test_ceiling_of_zero_exceeded_at_all_is_far_behind():
    assert judge("ceiling", 0, 0, 9).status == ON_TRACK
    assert judge("ceiling", 0, 1, 9).status == FAR_BEHIND
    assert judge("ceiling", 0, D("0.01"), 9).status == FAR_BEHIND


def test_tolerance_is_configurable():
    assert judge("cumulative", 100, 40, 6, tolerance=5).status == FAR_BEHIND
    assert judge("cumulative", 100, 45, 6, tolerance=5).status == BEHIND
    assert judge("ceiling", 10, 12, 6, tolerance=20).status == BEHIND


def test_gap_is_in_percentage_points():
    ahead = judge("cumulative", 1000, 888, 9)  # 88.8 % against 75 %
    assert ahead.gap_points == D("13.8")
    assert gap_phrase(ahead) == "超过序时进度13.8个百分点"
    behind = judge("cumulative", 1000, 626, 9)  # 62.6 % against 75 %
    assert behind.gap_points == D("-12.4")
    assert gap_phrase(behind) == "低于序时进度12.4个百分点"
    assert gap_phrase(judge("cumulative", 1200, 600, 6)) == "与序时进度持平"


def test_limits_carry_their_margin_in_the_targets_unit():
    within = judge("ceiling", D("4.5"), D("4.2"), 9)
    assert within.margin == D("0.3")
    assert within.gap_points is None
    over = judge("ceiling", D("4.5"), D("4.8"), 9)
    assert over.margin == D("-0.3")
    # a target in percent is missed by 个百分点, not by a relative percent
    assert gap_phrase(over, "ceiling", "%") == "超出目标0.3个百分点"
    short = judge("floor", 6, D("5.5"), 9)
    assert short.margin == D("-0.5")
    assert gap_phrase(short, "floor", "%") == "低于目标0.5个百分点"
    assert gap_phrase(judge("floor", 180, 170, 9), "floor", "万吨") == "低于目标10万吨"
    assert gap_phrase(within, "ceiling", "%") == "控制在目标内"
    assert gap_phrase(judge("floor", 6, 6, 9), "floor", "%") == "达到目标"


def test_no_data_still_knows_what_was_expected():
    result = judge("cumulative", 100, None, 9)
    assert result.expected == D("0.75")
    assert result.completion is None


def test_deadline_is_the_fifth_of_the_next_month():
    assert deadline(2023, 9) == datetime.date(2023, 10, 5)
    assert deadline(2023, 12) == datetime.date(2024, 1, 5)
    assert deadline(2023, 2, day=10) == datetime.date(2023, 3, 10)


def test_missing_only_after_the_deadline_has_passed():
    assert not is_missing(False, 2023, 9, datetime.date(2023, 10, 5))
    assert is_missing(False, 2023, 9, datetime.date(2023, 10, 6))
    assert not is_missing(True, 2023, 9, datetime.date(2023, 10, 6))
    assert is_missing(False, 2023, 12, datetime.date(2024, 1, 6))
    assert not is_missing(False, 2023, 12, datetime.date(2024, 1, 5))


def test_summary_counts_statuses_and_caps_overshoot():
    results = [
        judge("cumulative", 100, 150, 6),  # 150 % counts as 100 % in the average
        judge("cumulative", 100, 30, 6),
        judge("cumulative", 100, None, 6),
        judge("ceiling", 5, 4, 6),
    ]
    summary = summarise(results)
    assert summary.total == 4
    assert summary.counts[DONE] == 1
    assert summary.counts[FAR_BEHIND] == 1
    assert summary.counts[NO_DATA] == 1
    assert summary.counts[ON_TRACK] == 1
    assert summary.average_completion == D("0.65")
    assert summary.average_expected == D("0.5")
    assert summary.share_on_track == D(2) / 3


def test_every_status_has_a_word_and_a_colour():
    assert set(progress.STATUS_LABELS) == set(progress.STATUSES) == set(progress.STATUS_COLOURS)
    assert str(progress.STATUS_LABELS[FAR_BEHIND]) == "严重滞后"
