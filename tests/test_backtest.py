"""The forecast's back-test (indicators/backtest.py, ``manage.py backtest_forecast``): the
synthetic set, the scores recomputed by hand, the aims of issue 18 and the command on the demo."""

import io
import re
import statistics
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from indicators import backtest, progress
from indicators.backtest import TargetYear
from indicators.models import EntryState, ProgressEntry
from reporting import demo as demo_cycle


def linear(name, pace, december, target=1200, months=range(1, 12)):
    """A target-year exactly on ``pace`` until November, ending at ``december`` (a share)."""
    series = {m: D(target) * D(pace) * m / 12 for m in months}
    return TargetYear(name, "cumulative", D(target), series, D(target) * D(december), "hand")


def test_the_synthetic_set_is_the_same_for_the_same_seed():
    first, again = backtest.synthetic(seed=5), backtest.synthetic(seed=5)
    assert first == again
    assert first != backtest.synthetic(seed=6)
    # A smaller set is the start of the larger one: each target-year has its own stream.
    assert backtest.synthetic(seed=5, size=50) == first[:50]


def test_the_synthetic_set_holds_every_shape_kind_and_frequency_with_about_half_missed():
    years = backtest.synthetic()
    assert len(years) >= 1000
    ratio = [y for y in years if y.kind in (progress.CUMULATIVE, progress.STOCK)]
    assert {y.shape for y in ratio} == set(backtest.SHAPES)
    for shape in backtest.SHAPES:
        assert sum(y.shape == shape for y in ratio) >= 100, shape
    kinds = {y.kind for y in years}
    assert kinds == {progress.CUMULATIVE, progress.STOCK, progress.FLOOR, progress.CEILING}
    assert {y.frequency for y in years} == {"monthly", "quarterly", "half_yearly"}
    assert any(y.plan for y in years if y.shape == "seasonal")
    assert 0.4 <= sum(y.missed for y in years) / len(years) <= 0.6
    for year in years:
        assert all(progress.is_due(year.frequency, m) for m in year.series)
        assert max(year.series) <= 11 and year.december is not None
    # Cumulative and stock series do not fall (their monthly increments are positive).
    for year in ratio:
        values = [year.series[m] for m in sorted(year.series)]
        assert values == sorted(values)


def test_the_true_outcome_follows_the_kind():
    assert linear("a", 1, "0.99").missed and not linear("b", 1, 1).missed
    floor = TargetYear("f", "floor", D(6), {3: D(7)}, D("5.9"))
    ceiling = TargetYear("c", "ceiling", D("4.5"), {3: D(4)}, D("4.6"))
    assert floor.missed and ceiling.missed
    assert not TargetYear("c0", "ceiling", D(0), {3: D(1)}, D(0)).missed


def hand_made():
    return [
        linear("met", "1.2", "1.2"),  # 预计完成, met: a true negative, no error
        linear("missed", "0.8", "0.8"),  # 预计难以完成, missed: a true positive, no error
        linear("surged", "0.8", "1.0"),  # 预计难以完成 but met: a false positive, 20 points
        linear("slipped", "1.1", "0.9"),  # 预计完成 but missed: a false negative, 20 points
        # A floor read at 6.5 all year that ends at 5.5: a false negative, 1/6 of the target.
        TargetYear("floor", "floor", D(6), {m: D("6.5") for m in range(1, 12)}, D("5.5")),
        # Never projected: a milestone; a half-yearly target before June.
        TargetYear("node", "milestone", D(100), {m: D(8 * m) for m in range(1, 12)}, D(100)),
        TargetYear("half", "cumulative", D(10), {6: D(5)}, D(10), frequency="half_yearly"),
    ]


def test_the_scores_equal_a_count_by_hand():
    scores = backtest.score(backtest.projections(hand_made()), (3, 9))
    september = scores[9]
    assert september.n == 6  # the milestone is 不适用; the half-yearly one counts from June
    counts = (
        september.true_positive,
        september.false_positive,
        september.false_negative,
        september.true_negative,
    )
    assert counts == (1, 1, 2, 2)
    assert september.precision == 1 / 2 and september.recall == 1 / 3
    # Completion errors of the cumulative targets, in points: 0, 0, 20, 20, and the
    # half-yearly one (on 100 % of plan in June, ends at 100 %): 0.
    assert sorted(september.errors) == [0, 0, 0, 20, 20]
    assert september.mae == 0
    assert [round(error, 6) for error in september.limit_errors] == [D("16.666667")]
    # Steady series: a range of the plan still to come (25 %) x 1.28 x 0.25 each side, which
    # holds the exact ones and the half-yearly one, not the two that changed course in the
    # autumn, nor the floor.
    assert september.held == 3 and september.coverage == 3 / 6
    assert scores[3].n == 5  # June not reached: the half-yearly target is 尚早


def test_the_scores_equal_the_forecasts_recomputed_one_by_one():
    years = backtest.synthetic(seed=3, size=120)
    scores = backtest.score(backtest.projections(years))
    for month in (4, 8):
        errors, flagged, caught, missed = [], 0, 0, 0
        for year in years:
            projected = year.project(month)
            if not projected.is_projected:
                continue
            if year.kind in ("cumulative", "stock"):
                actual = year.december / year.target
                errors.append(abs(projected.completion - actual) * 100)
            flagged += projected.is_at_risk
            missed += year.missed
            caught += projected.is_at_risk and year.missed
        assert scores[month].mae == statistics.median(errors)
        assert scores[month].precision == caught / flagged
        assert scores[month].recall == caught / missed


def test_scores_by_group_add_up_to_the_whole():
    runs = backtest.projections(backtest.synthetic(seed=4, size=200), (6,))
    whole = backtest.score(runs, (6,))[6]
    shapes = backtest.score(runs, (6,), by=lambda year: year.shape)
    assert sum(group[6].n for group in shapes.values()) == whole.n
    assert sum(group[6].true_positive for group in shapes.values()) == whole.true_positive


def test_a_missed_aim_names_the_shapes_that_miss_it():
    years = [linear("surged", "0.8", "1.0")] * 3 + [linear("met", "1.2", "1.2")] * 3
    years += [linear("missed", "0.8", "0.8")]
    results = backtest.check_aims(backtest.projections(years))
    lines = [line for _, line in results]
    assert [met for met, _ in results] == [True, False, True] * 2
    assert lines[0] == "month 6: MAE 0.00 (aim <= 8): met"
    assert lines[1] == (
        "month 6: precision 0.25 (aim >= 0.8): MISSED; "
        "failing shapes: hand 0.25; kinds: cumulative 0.25"
    )
    assert lines[2] == "month 6: recall 1.00 (aim >= 0.7): met"


# The aims of issue 18 on the synthetic set (seed 2023, 1,000 target-years). Those the method
# meets are held here. Three are missed (at month 6 a stall or a surge still to come cannot be
# seen in the figures so far, and the set gives each of the five shapes a fifth; see
# `manage.py backtest_forecast` for the shapes that fail): for them the test holds the method to
# what it measured (9.5 points, precision 0.72 at month 6; precision 0.85 at month 9), so a
# change that makes the forecast worse fails here.
MET = [(6, "recall"), (9, "mae"), (9, "recall")]
MEASURED_FLOOR = {(6, "mae"): 10.0, (6, "precision"): 0.70, (9, "precision"): 0.83}


@pytest.fixture(scope="module")
def synthetic_scores():
    return backtest.score(backtest.projections(backtest.synthetic()), tuple(backtest.AIMS))


def aim_holds(scores, month, metric):
    most_error, least_precision, least_recall = backtest.AIMS[month]
    row = scores[month]
    return {
        "mae": row.mae <= most_error,
        "precision": row.precision >= least_precision,
        "recall": row.recall >= least_recall,
    }[metric]


@pytest.mark.parametrize(("month", "metric"), MET)
def test_the_forecast_meets_these_aims_on_the_synthetic_set(synthetic_scores, month, metric):
    assert aim_holds(synthetic_scores, month, metric)


@pytest.mark.parametrize(("month", "metric"), list(MEASURED_FLOOR))
def test_the_missed_aims_stay_where_they_were_measured(synthetic_scores, month, metric):
    row = synthetic_scores[month]
    floor = MEASURED_FLOOR[(month, metric)]
    if metric == "mae":
        assert row.mae <= floor
    else:
        assert getattr(row, metric) >= floor


@pytest.fixture
def demo_year(report):
    demo_cycle.load_demo()
    return report


def run(*arguments):
    out = io.StringIO()
    call_command("backtest_forecast", *arguments, stdout=out)
    return out.getvalue()


def table_row(text, month):
    """The first table row of ``month`` after ``text``: n, MAE, precision, recall."""
    match = re.search(rf"^\s+{month}\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)", text, re.MULTILINE)
    return match.groups()


def test_the_command_backtests_the_demo_year_and_the_synthetic_set(demo_year):
    text = run("--size", "200", "--seed", "9")
    demo_part, synthetic_part = text.split("== Synthetic set (seed 9) ==")
    assert "8 target-years (2 ceiling, 6 cumulative); 2 missed" in demo_part
    assert "derived from the project register: 10 (IP-01, PP-01" in demo_part
    assert "不适用 (milestone, year-end-only or yearly): 21" in demo_part
    # EC-01's December was returned, not approved.
    assert "no approved December figure: 1 (EC-01)" in demo_part
    for month in range(3, 12):
        assert table_row(demo_part, month)[0] == "8"
        assert table_row(synthetic_part, month)
    assert "PP-10    cumulative December 96.0% (missed)" in demo_part
    assert "200 target-years" in synthetic_part
    assert synthetic_part.count("month 6:") == 3 and synthetic_part.count("month 9:") == 3
    assert "late_surge" in synthetic_part


def test_the_demo_table_equals_the_forecasts_from_the_approved_figures(demo_year):
    """Recomputed from the database with ``forecast.project``: month 9's MAE, precision and
    recall as the command prints them."""
    approved = ProgressEntry.objects.filter(
        indicator__report=demo_year, state=EntryState.APPROVED, indicator__register_rule=""
    ).select_related("indicator")
    series = {}
    for entry in approved:
        series.setdefault(entry.indicator, {})[entry.month] = entry.value
    errors, flagged, caught, missed = [], 0, 0, 0
    for indicator, values in series.items():
        if 12 not in values or indicator.kind == "milestone" or indicator.is_year_end_only:
            continue
        projected = backtest.forecast.project(
            indicator.kind, indicator.target, values, 9, plan=indicator.monthly_plan
        )
        if indicator.kind == "ceiling":
            failed = values[12] > indicator.target
        elif indicator.kind == "floor":
            failed = values[12] < indicator.target
        else:
            failed = values[12] < indicator.target
            errors.append(abs(projected.completion - values[12] / indicator.target) * 100)
        flagged += projected.is_at_risk
        missed += failed
        caught += projected.is_at_risk and failed
    n, mae, precision, recall = table_row(run("--size", "10").split("== Synthetic")[0], 9)
    assert n == "8" and mae == f"{statistics.median(errors):.1f}"
    assert precision == f"{caught / flagged:.2f}" and recall == f"{caught / missed:.2f}"


def test_synthetic_only_skips_the_report_and_the_seed_and_size_count(db):
    text = run("--synthetic-only", "--size", "100", "--seed", "1")
    assert "report's year" not in text and "100 target-years" in text
    assert text == run("--synthetic-only", "--size", "100", "--seed", "1")
    assert text != run("--synthetic-only", "--size", "100", "--seed", "2")


def test_without_a_report_the_command_says_so(db):
    assert "no report in this database: skipped" in run("--size", "100")
