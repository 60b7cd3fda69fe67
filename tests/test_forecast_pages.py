"""Early warning on the dashboards: 预计难以完成 counted and listed on the overview, and every
target's forecast (labelled 预计, with its range) on the section, department, screen and target
pages; 尚早 before enough months are approved; who may read what is unchanged.

Expected numbers are worked out here from the judged list (``standing.judged``) with plain
Python formatting, not with the pages' own helpers.
"""

import json
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from indicators import forecast, progress
from indicators.models import Department, Indicator, Section
from reporting import demo as demo_cycle
from reporting.standing import judged

PERIOD = "?year=2023&month=9"


@pytest.fixture
def demo_year(report):
    demo_cycle.load_demo()
    return report


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def between(text, start, end):
    return text.split(start, 1)[1].split(end, 1)[0]


def row_of(text, code):
    """A target's row in the page's table of targets (not its item in a list above it)."""
    if 'class="data indicators"' in text:
        text = between(text, 'class="data indicators"', "</table>")
    return between(text, f'data-code="{code}"', "</tr>")


def pct(fraction):
    return f"{Decimal(fraction) * 100:.1f}%"


def plain(value):
    """An amount as the tables print it: two decimals at most, no trailing zeros, grouped."""
    text = f"{Decimal(value).quantize(Decimal('0.01')):,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def expected_phrase(indicator):
    """The forecast as the pages must word it, from the judged target's own numbers."""
    f = indicator.forecast
    if not f.is_projected:
        return {forecast.TOO_EARLY: "尚早", forecast.NOT_APPLICABLE: "不适用"}[f.verdict]
    if indicator.kind in progress.RATIO_KINDS:
        target = indicator.target
        return f"预计完成率{pct(f.completion)}（{pct(f.low / target)}～{pct(f.high / target)}）"
    unit = indicator.unit if indicator.unit == "%" else f" {indicator.unit}"
    return f"预计{plain(f.value)}{unit}（{plain(f.low)}{unit}～{plain(f.high)}{unit}）"


def judged_at(report, month=9):
    return judged(report, month)


def at_risk_codes(report, month=9):
    return [i.code for i in judged_at(report, month) if i.forecast.verdict == forecast.AT_RISK]


def section_url(report, name, query=""):
    section = Section.objects.get(report=report, name=name)
    return reverse("reporting:section", args=[section.pk]) + "?month=9" + query


def indicator_url(report, code, month=9):
    pk = Indicator.objects.get(report=report, code=code).pk
    return reverse("reporting:indicator", args=[pk]) + f"?month={month}"


def department_url(code):
    return reverse("reporting:department", args=[Department.objects.get(code=code).pk]) + PERIOD


def codes_in(text):
    return re.findall(r'data-code="([^"]+)"', text)


# --- The overview ---


def test_the_overview_counts_the_targets_projected_to_miss(client, demo_year, leader):
    expected = at_risk_codes(demo_year)
    assert expected, "the demo has targets projected to miss in September"
    text = page(client, leader, "/" + PERIOD)
    card = between(text, "forecast-edge-at_risk", "</li>")
    assert "预计难以完成" in card
    assert f'<span class="number">{len(expected)}</span>' in card
    projected = sum(1 for i in judged_at(demo_year) if i.forecast.is_projected)
    assert f"共预计{projected}项" in card
    heading = between(text, 'id="at-risk"', "</h2>")
    assert f'<span class="count">{len(expected)}</span>' in heading


def test_the_overview_lists_each_one_with_its_projection_and_a_link(client, demo_year, leader):
    indicators = {i.code: i for i in judged_at(demo_year)}
    text = page(client, leader, "/" + PERIOD)
    listing = between(text, '<ol class="at-risk">', "</ol>")
    assert codes_in(listing) == at_risk_codes(demo_year)  # report order
    for code in codes_in(listing):
        item = between(listing, f'data-code="{code}"', "</li>")
        indicator = indicators[code]
        assert expected_phrase(indicator) in item
        assert str(indicator.lead_department) in item
        link = re.search(r'href="([^"]+)"', item).group(1)
        assert link == f"/indicators/{indicator.pk}/?month=9"
        target_page = client.get(link)
        assert target_page.status_code == 200
        assert expected_phrase(indicator) in target_page.content.decode()


def test_every_row_of_the_overview_says_its_forecast(client, demo_year, leader):
    text = page(client, leader, "/" + PERIOD)
    assert "<th>预计</th>" in between(text, 'class="data indicators"', "</thead>")
    for indicator in judged_at(demo_year):
        cell = between(row_of(text, indicator.code), '<td class="forecast">', "</td>")
        assert expected_phrase(indicator) in cell
        if indicator.forecast.is_at_risk:
            assert "预计难以完成" in cell


def test_ratio_and_level_projections_are_worded_with_their_ranges(client, demo_year, leader):
    indicators = {i.code: i for i in judged_at(demo_year)}
    text = page(client, leader, "/" + PERIOD)
    ratio = row_of(text, "LV-01")  # jobs: cumulative, 人
    assert re.search(r"预计完成率\d+\.\d%（\d+\.\d%～\d+\.\d%）", ratio)
    assert expected_phrase(indicators["LV-01"]) in ratio
    level = row_of(text, "LV-02")  # unemployment: a ceiling in %
    assert indicators["LV-02"].forecast.verdict == forecast.LIKELY
    assert re.search(r"预计[\d.]+%（[\d.]+%～[\d.]+%）", level)
    assert expected_phrase(indicators["LV-02"]) in level
    milestone = row_of(text, "UC-07")
    assert "不适用" in milestone and "节点型、年终确定和按年报送的目标不作预计" in milestone


# --- Too early ---


def test_before_enough_months_everything_reads_too_early(client, demo_year, leader):
    text = page(client, leader, "/?year=2023&month=2")
    card = between(text, "forecast-edge-at_risk", "</li>")
    assert '<span class="number">尚早</span>' in card
    assert "尚早" in between(text, 'id="at-risk"', "<h2")
    for indicator in judged_at(demo_year, 2):
        cell = between(row_of(text, indicator.code), '<td class="forecast">', "</td>")
        word = "不适用" if indicator.kind == progress.MILESTONE else "尚早"
        assert word in cell and "预计完成" not in cell


@override_settings(FORECAST_FROM_MONTH=10)
def test_the_first_forecast_month_is_a_setting(client, demo_year, leader):
    assert not at_risk_codes(demo_year)
    text = page(client, leader, "/" + PERIOD)
    assert '<span class="number">尚早</span>' in between(text, "forecast-edge-at_risk", "</li>")
    assert "已审核数据满10个月后预计" in text
    target = page(client, leader, indicator_url(demo_year, "LV-01"))
    standing = between(target, 'class="standing-forecast"', "</div>")
    assert "尚早" in standing and "已审核数据不足10个月，暂不预计。" in standing
    screen = page(client, leader, "/screen/" + PERIOD)
    assert "尚早" in between(screen, 'class="screen-forecast"', "</section>")


# --- A section ---


def test_the_section_table_has_a_forecast_column(client, demo_year, leader):
    text = page(client, leader, section_url(demo_year, "项目谋划与建设"))
    table = between(text, '<table class="data"', "</table>")
    assert "预计" in between(table, "<thead", "</thead>")
    members = [i for i in judged_at(demo_year) if i.section.name == "项目谋划与建设"]
    for indicator in members:
        assert expected_phrase(indicator) in row_of(table, indicator.code)
    line = between(text, 'class="forecast-line"', "</p>")
    assert f"<strong>{sum(i.forecast.is_at_risk for i in members)}</strong>" in line


def test_the_section_filters_and_sorts_by_forecast(client, demo_year, leader):
    members = [i for i in judged_at(demo_year) if i.section.name == "项目谋划与建设"]
    for verdict in (forecast.AT_RISK, forecast.LIKELY):
        url = section_url(demo_year, "项目谋划与建设", f"&forecast={verdict}")
        text = page(client, leader, url)
        table = between(text, '<table class="data"', "</table>")
        expected = sorted(i.code for i in members if i.forecast.verdict == verdict)
        assert expected and sorted(codes_in(table)) == expected
    text = page(client, leader, section_url(demo_year, "项目谋划与建设", "&sort=forecast"))
    order = codes_in(between(text, '<table class="data"', "</table>"))
    verdicts = [next(i for i in members if i.code == c).forecast.verdict for c in order]
    assert verdicts == sorted(verdicts, key=[forecast.AT_RISK, forecast.LIKELY].index)


def test_nonsense_in_the_forecast_filter_is_ignored(client, demo_year, leader):
    everything = codes_in(page(client, leader, section_url(demo_year, "民生事业")))
    assert codes_in(page(client, leader, section_url(demo_year, "民生事业", "&forecast=x"))) == (
        everything
    )


# --- Departments ---


def test_the_league_counts_each_departments_targets_projected_to_miss(client, demo_year, leader):
    counts = {}
    for indicator in judged_at(demo_year):
        key = indicator.lead_department_id
        counts[key] = counts.get(key, 0) + indicator.forecast.is_at_risk
    text = page(client, leader, "/departments/" + PERIOD)
    league = between(text, 'class="data league"', "</table>")
    assert "预计难以完成" in between(league, "<thead>", "</thead>")
    rows = re.findall(r'data-league="(\d+)"(.*?)</tr>', league, re.S)
    assert rows
    for pk, row in rows:
        assert f'data-count="at_risk">{counts.get(int(pk), 0)}<' in row


def test_a_department_page_says_its_forecasts(client, demo_year, leader):
    department = Department.objects.get(code="fgj")
    led = [i for i in judged_at(demo_year) if i.lead_department_id == department.pk]
    text = page(client, leader, department_url("fgj"))
    line = between(text, 'class="forecast-line"', "</p>")
    risky = [i for i in led if i.forecast.is_at_risk]
    assert risky and f"<strong>{len(risky)}</strong>" in line
    for indicator in risky:
        assert f"/indicators/{indicator.pk}/?month=9" in line
    table = between(text, 'class="data indicators"', "</table>")
    for indicator in led:
        assert expected_phrase(indicator) in row_of(table, indicator.code)


def test_a_department_of_milestones_only_says_it_has_no_forecast(client, demo_year, leader):
    text = page(client, leader, department_url("zjj"))  # 住建局 leads milestones only
    line = between(text, 'class="forecast-line"', "</p>")
    assert "不适用" in line and "预计难以完成" not in line


# --- The big screen ---


def test_the_screen_shows_the_targets_projected_to_miss(client, demo_year, leader):
    indicators = {i.code: i for i in judged_at(demo_year)}
    expected = at_risk_codes(demo_year)
    text = page(client, leader, "/screen/" + PERIOD)
    strip = between(text, 'class="screen-forecast"', "</section>")
    assert "预计难以完成全年目标" in strip
    assert f'<span class="count">{len(expected)}</span>' in strip
    shown = codes_in(strip)
    assert shown == expected[:4]
    for code in shown:
        item = between(strip, f'data-code="{code}"', "</li>")
        assert indicators[code].name in item and expected_phrase(indicators[code]) in item
    assert f"另有{len(expected) - 4}项" in strip
    assert text.count("screen-block") == 4  # the strip sits under the four blocks


# --- A target ---


def test_the_target_page_shows_the_forecast_its_range_and_how_it_was_made(
    client, demo_year, leader
):
    indicator = next(i for i in judged_at(demo_year) if i.code == "PP-10")  # typed, at risk
    f = indicator.forecast
    assert f.verdict == forecast.AT_RISK and f.method == forecast.PACE
    text = page(client, leader, indicator_url(demo_year, "PP-10"))
    standing = between(text, 'class="standing-forecast"', "</div>")
    assert "预计难以完成" in standing and expected_phrase(indicator) in standing
    unit = f" {indicator.unit}"
    sentence = (
        f"按截至{f.as_of}月底的完成数和今年以来的进度（近期明显加快或放缓时以近期为主）"
        f"推算剩余计划，12月底预计完成{plain(f.value)}{unit}"
        f"（{plain(f.low)}{unit}～{plain(f.high)}{unit}）。"
    )
    assert sentence in standing
    figure = json.loads(between(text, 'data-chart="chart-path">', "</script>"))
    traces = {trace["name"]: trace for trace in figure["data"]}
    assert traces["预计"]["x"] == [f.as_of, 12]
    assert traces["预计"]["y"][1] == pytest.approx(float(f.value))
    assert traces["预计"]["line"]["dash"] == "dash"
    band = traces["预计范围"]
    assert band["fill"] == "toself"
    assert max(band["y"]) == pytest.approx(float(f.high))
    assert min(band["y"]) == pytest.approx(float(min(f.low, indicator.series[f.as_of])))
    assert figure["layout"]["yaxis"]["range"][1] >= float(f.high)


def test_a_level_target_page_explains_its_method(client, demo_year, leader):
    indicator = next(i for i in judged_at(demo_year) if i.code == "LV-02")
    text = page(client, leader, indicator_url(demo_year, "LV-02"))
    standing = between(text, 'class="standing-forecast"', "</div>")
    assert expected_phrase(indicator) in standing
    value = plain(indicator.forecast.value)
    assert f"按最近两期数值的平均水平推算，12月底预计为{value}%" in standing


def test_a_milestone_says_it_has_no_forecast_and_draws_none(client, demo_year, leader):
    text = page(client, leader, indicator_url(demo_year, "UC-07"))
    standing = between(text, 'class="standing-forecast"', "</div>")
    assert "不适用" in standing and "节点型、年终确定和按年报送的目标不作预计。" in standing
    figure = json.loads(between(text, 'data-chart="chart-path">', "</script>"))
    assert [trace["name"] for trace in figure["data"]] == ["实际完成", "序时进度"]


# --- Who may read what: unchanged ---


@pytest.mark.parametrize("path", ["/departments/", "/screen/"])
def test_a_reporter_is_still_refused_the_leadership_pages(client, demo_year, fgj, path):
    client.force_login(fgj)
    assert client.get(path + PERIOD).status_code == 403


def test_a_reporter_cannot_filter_a_section_by_forecast(client, demo_year, fgj):
    client.force_login(fgj)
    url = section_url(demo_year, "项目谋划与建设", f"&forecast={forecast.AT_RISK}")
    assert client.get(url).status_code == 403
    assert client.get("/" + PERIOD).status_code == 302  # home is their monthly form


def test_a_reporter_sees_the_forecasts_of_their_own_department_only(client, demo_year, fgj, rsj):
    text = page(client, fgj, department_url("fgj"))
    line = between(text, 'class="forecast-line"', "</p>")
    fgj_pk = Department.objects.get(code="fgj").pk
    for pk in re.findall(r"/indicators/(\d+)/", line):
        indicator = Indicator.objects.get(pk=pk)
        assert indicator.lead_department_id == fgj_pk
        assert client.get(f"/indicators/{pk}/?month=9").status_code == 200
    cache.clear()
    client.force_login(rsj)
    assert client.get(department_url("fgj")).status_code == 403
    risky = next(i for i in judged_at(demo_year) if i.code == "PP-10")
    assert client.get(indicator_url(demo_year, risky.code)).status_code == 403
