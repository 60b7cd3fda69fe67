"""The leadership dashboards: who may read each page, what it shows, and what it costs."""

import datetime
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indicators import progress
from indicators.models import Department, EntryState, Indicator, ProgressEntry, Section
from reporting import demo as demo_cycle
from reporting.standing import judged

from .conftest import approve

PERIOD = "?year=2023&month=9"


def code(report, value):
    return Indicator.objects.get(report=report, code=value)


def page_urls(report):
    """Every dashboard page, keyed by a short name, as of September 2023."""
    section = Section.objects.filter(report=report).order_by("order").first()
    return {
        "overview": "/" + PERIOD,
        "section": reverse("reporting:section", args=[section.pk]) + PERIOD,
        "indicator": reverse("reporting:indicator", args=[code(report, "EC-05").pk]) + PERIOD,
        "departments": reverse("reporting:departments") + PERIOD,
        "department": reverse("reporting:department", args=[Department.objects.get(code="fgj").pk])
        + PERIOD,
        "screen": reverse("reporting:screen") + PERIOD,
    }


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def text(response):
    assert response.status_code == 200
    return response.content.decode()


def row_of(page, marker):
    return page.split(marker, 1)[1].split("</tr>", 1)[0]


# --- Who may read what ---


@pytest.mark.parametrize(
    "name", ["overview", "section", "indicator", "departments", "department", "screen"]
)
def test_anonymous_is_sent_to_login(client, report, name):
    response = client.get(page_urls(report)[name])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "name", ["overview", "section", "indicator", "departments", "department", "screen"]
)
def test_leader_and_reviewer_read_every_page(client, report, leader, reviewer, name):
    url = page_urls(report)[name]
    assert get(client, leader, url).status_code == 200
    assert get(client, reviewer, url).status_code == 200


@pytest.mark.parametrize("name", ["section", "departments", "screen"])
def test_reporter_is_refused_the_leadership_pages(client, report, fgj, name):
    assert get(client, fgj, page_urls(report)[name]).status_code == 403


def test_the_overview_sends_a_reporter_home_instead_of_refusing(client, report, fgj):
    response = get(client, fgj, page_urls(report)["overview"])
    assert (response.status_code, response["Location"]) == (302, "/start/")


def test_reporter_reads_own_department_and_its_targets(client, report, fgj):
    fgj_department = Department.objects.get(code="fgj")
    assert get(client, fgj, f"/departments/{fgj_department.pk}/").status_code == 200
    assert get(client, fgj, f"/indicators/{code(report, 'EC-05').pk}/").status_code == 200


def test_every_link_on_a_department_page_opens_for_its_reader(client, report, fgj, leader):
    """The leader's and the reporter's views of one department page share cached content: each
    still links only to pages that reader may open (a reporter's section names are plain)."""
    department = Department.objects.get(code="fgj")
    for user in (leader, fgj):  # the leader first: their copy is cached when the reporter comes
        page = get(client, user, f"/departments/{department.pk}/?month=9").content.decode()
        links = set(re.findall(r'href="(/[^"#]*)"', page)) - {"/accounts/logout/"}
        assert any(link.startswith("/indicators/") for link in links)
        assert any(link.startswith("/sections/") for link in links) == (user == leader)
        for link in sorted(links):
            status = client.get(link.replace("&amp;", "&")).status_code
            assert status in (200, 302), (user.username, link, status)


def test_reporter_cannot_read_another_department_or_its_targets(client, report, rsj):
    fgj_department = Department.objects.get(code="fgj")
    assert get(client, rsj, f"/departments/{fgj_department.pk}/").status_code == 403
    assert get(client, rsj, f"/indicators/{code(report, 'EC-05').pk}/").status_code == 403


@pytest.mark.parametrize(
    "path", ["/sections/999999/", "/indicators/999999/", "/departments/999999/"]
)
def test_unknown_ids_are_not_found(client, report, leader, path):
    assert get(client, leader, path).status_code == 404


def test_unknown_year_is_not_found_on_every_period_page(client, report, leader):
    for path in ("/", "/departments/", "/screen/"):
        assert get(client, leader, path + "?year=1999").status_code == 404


# --- The overview ---


@pytest.fixture
def demo_year(report):
    """The demo's year of approved entries and its project register."""
    demo_cycle.load_demo()
    return report


def judged_by_code(report, month=9):
    return {i.code: i for i in judged(report, month)}


def test_overview_cards_match_the_status_module(client, demo_year, leader):
    summary = progress.summarise(i.progress for i in judged_by_code(demo_year).values())
    page = text(get(client, leader, "/" + PERIOD))
    cards = page.split('class="headline"', 1)[1].split("</ul>", 1)[0]
    for status in ("done", "on_track", "behind", "far_behind", "no_data"):
        card = cards.split(f"status-edge-{status}", 1)[1].split("</li>", 1)[0]
        assert str(progress.STATUS_LABELS[status]) in card
        # A floor or ceiling that holds is 达到目标, not 达到序时进度: the card counts the rest.
        count = summary.on_schedule if status == "on_track" else summary.counts[status]
        assert f'<span class="number">{count}</span>' in card
    average = f"{summary.average_completion * 100:.1f}%"
    expected = f"{summary.average_expected * 100:.1f}%"
    assert average in cards and expected in cards


def test_overview_lists_far_behind_targets_with_problems_and_department(client, demo_year, leader):
    indicators = judged_by_code(demo_year)
    far = [i for i in indicators.values() if i.progress.status == progress.FAR_BEHIND]
    assert far, "the demo has far-behind targets in September"
    page = text(get(client, leader, "/" + PERIOD))
    listing = page.split('class="far-behind"', 1)[1].split("</ol>", 1)[0]
    assert listing.count("<li ") == len(far)
    for indicator in far:
        item = listing.split(f'data-code="{indicator.code}"', 1)[1].split("</li>", 1)[0]
        if indicator.is_derived:
            assert "由项目库计算" in item  # no problems text of its own
        else:
            assert indicator.latest_problems and indicator.latest_problems in item
        assert str(indicator.lead_department) in item
        assert progress.gap_phrase(indicator.progress, indicator.kind, indicator.unit) in item


def test_overview_ranks_departments_by_share_on_track(client, demo_year, leader):
    page = text(get(client, leader, "/" + PERIOD))
    ranking = page.split('class="data ranking"', 1)[1].split("</table>", 1)[0]
    ids = re.findall(r'data-department="(\d+)"', ranking)
    by_department = {}
    for indicator in judged_by_code(demo_year).values():
        by_department.setdefault(indicator.lead_department_id, []).append(indicator.progress)
    shares = [progress.summarise(by_department[int(pk)]).share_on_track for pk in ids]
    known = [s for s in shares if s is not None]
    assert known == sorted(known, reverse=True)
    assert len(ids) == len(by_department)


def test_overview_draws_its_charts_with_plotly_served_once(client, demo_year, leader):
    page = text(get(client, leader, "/" + PERIOD))
    assert page.count("plotly/plotly.min.js") == 1
    for chart_id in ("chart-sections", "chart-status"):
        assert f'<div id="{chart_id}"' in page
        assert f'data-chart="{chart_id}"' in page
    figure = json.loads(page.split('data-chart="chart-sections">', 1)[1].split("</script>", 1)[0])
    names = [s.name for s in Section.objects.filter(report=demo_year).order_by("order")]
    assert figure["data"][0]["y"] == names
    assert figure["data"][1]["name"] == "序时进度"
    assert "http" not in page.split('data-chart="chart-sections">', 1)[1].split("</script>")[0]


def test_overview_rows_keep_their_numbers(client, report, leader):
    jobs = code(report, "LV-01")
    approve(jobs, 9, 1263, problems="")
    page = text(get(client, leader, "/" + PERIOD))
    row = row_of(page, 'data-code="LV-01"')
    assert "1,263" in row and "84.2%" in row and "75.0%" in row
    assert "达到序时进度" in row and "超过序时进度9.2个百分点" in row


def test_register_derived_rows_link_to_the_projects_behind_them(client, demo_year, leader):
    from projects.register import list_url

    indicator = code(demo_year, "PP-01")
    url = list_url(demo_year, indicator.register_rule, 9).replace("&", "&amp;")
    page = text(get(client, leader, "/" + PERIOD))
    assert f'<a class="tag" href="{url}"' in row_of(page, 'data-code="PP-01"')
    page = text(get(client, leader, indicator_url(demo_year, "PP-01")))
    assert url in page


# --- A section ---


def section_url(report, name, query=""):
    section = Section.objects.get(report=report, name=name)
    return reverse("reporting:section", args=[section.pk]) + "?month=9" + query


def table_codes(page):
    table = page.split('<table class="data"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-code="([^"]+)"', table)


def test_section_lists_its_targets_with_their_status(client, demo_year, leader):
    page = text(get(client, leader, section_url(demo_year, "城市建设")))
    indicators = [i for i in judged_by_code(demo_year).values() if i.section.name == "城市建设"]
    assert sorted(table_codes(page)) == sorted(i.code for i in indicators)
    for indicator in indicators:
        row = row_of(page, f'data-code="{indicator.code}"')
        assert str(indicator.progress.label) in row
        assert progress.gap_phrase(indicator.progress, indicator.kind, indicator.unit) in row
    assert '<div id="chart-bullets"' in page
    assert page.count("plotly/plotly.min.js") == 1


def test_section_filters_by_status_judged_in_python(client, demo_year, leader):
    indicators = [i for i in judged_by_code(demo_year).values() if i.section.name == "城市建设"]
    for status in ("far_behind", "on_track", "done"):
        page = text(get(client, leader, section_url(demo_year, "城市建设", f"&status={status}")))
        expected = sorted(i.code for i in indicators if i.progress.status == status)
        assert sorted(table_codes(page)) == expected


def test_section_filters_by_department_kind_and_text(client, demo_year, leader):
    cgj = Department.objects.get(code="cgj")
    page = text(get(client, leader, section_url(demo_year, "城市建设", f"&department={cgj.pk}")))
    assert sorted(table_codes(page)) == ["UC-10", "UC-11", "UC-12"]
    page = text(get(client, leader, section_url(demo_year, "民生事业", "&kind=ceiling")))
    assert sorted(table_codes(page)) == ["LV-02", "LV-03"]
    page = text(get(client, leader, section_url(demo_year, "民生事业", "&q=失业")))
    assert table_codes(page) == ["LV-02"]


def test_section_ignores_nonsense_in_its_query_string(client, report, leader):
    everything = table_codes(text(get(client, leader, section_url(report, "民生事业"))))
    for query in ("&status=bogus", "&department=abc", "&kind=x", "&page=abc", "&sort=nope"):
        page = text(get(client, leader, section_url(report, "民生事业", query)))
        assert table_codes(page) == everything, query
    # A page past the end shows the last one rather than an error.
    page = text(get(client, leader, section_url(report, "民生事业", "&page=99")))
    assert table_codes(page) == everything


def test_section_sorts_by_completion(client, demo_year, leader):
    page = text(get(client, leader, section_url(demo_year, "城市建设", "&sort=completion")))
    indicators = judged_by_code(demo_year)
    completions = [indicators[c].progress.completion for c in table_codes(page)]
    known = [c for c in completions if c is not None]
    assert known == sorted(known)
    assert completions[: completions.count(None)] == [None] * completions.count(None)


def test_section_paginates_a_grown_report(client, demo_year, leader):
    demo_cycle.grow(demo_year, 4)
    first = text(get(client, leader, section_url(demo_year, "城市建设")))
    second = text(get(client, leader, section_url(demo_year, "城市建设", "&page=2")))
    assert len(table_codes(first)) == 25
    assert set(table_codes(first)).isdisjoint(table_codes(second))
    bullets = json.loads(first.split('data-chart="chart-bullets">', 1)[1].split("</script>")[0])
    assert len(bullets["data"][0]["y"]) == 25  # one bullet per row shown, not per target


# --- A target ---


def indicator_url(report, value, month=9):
    return reverse("reporting:indicator", args=[code(report, value).pk]) + f"?month={month}"


def test_indicator_page_shows_entries_sentence_and_status(client, demo_year, leader):
    indicator = judged_by_code(demo_year)["UC-07"]
    page = text(get(client, leader, indicator_url(demo_year, "UC-07")))
    assert indicator.source_quote and indicator.source_quote in page
    assert str(indicator.progress.label) in page
    assert progress.gap_phrase(indicator.progress, indicator.kind, indicator.unit) in page
    september = row_of(page, 'data-month="9"')
    entry = ProgressEntry.objects.get(indicator=indicator, month=9)
    assert entry.note in september and entry.problems in september
    assert "已审核" in september
    figure = json.loads(page.split('data-chart="chart-path">', 1)[1].split("</script>")[0])
    assert figure["data"][0]["x"] == list(range(1, 10))  # values up to the chosen month
    assert figure["data"][1]["name"] == "序时进度" and len(figure["data"][1]["y"]) == 12
    assert figure["layout"]["annotations"][0]["text"].startswith("年度目标")


def test_ceiling_is_drawn_as_a_limit_and_milestone_in_percent(client, demo_year, leader):
    page = text(get(client, leader, indicator_url(demo_year, "LV-02")))
    figure = json.loads(page.split('data-chart="chart-path">', 1)[1].split("</script>")[0])
    # No expected path for a limit (its year-end forecast, 预计, is drawn beside the figures).
    assert [t["name"] for t in figure["data"]] == ["实际完成", "预计范围", "预计"]
    assert figure["layout"]["annotations"][0]["text"] == "上限 4.5%"
    page = text(get(client, leader, indicator_url(demo_year, "UC-07")))
    figure = json.loads(page.split('data-chart="chart-path">', 1)[1].split("</script>")[0])
    assert figure["layout"]["yaxis"]["title"]["text"] == "%"
    assert figure["data"][1]["y"][11] == 100.0


def test_indicator_history_shows_who_changed_what(client, report, leader, fgj, reviewer):
    indicator = code(report, "EC-05")
    entry = ProgressEntry(indicator=indicator, month=9, value=Decimal(40), note="初稿")
    entry._history_user = fgj
    entry.state = EntryState.SUBMITTED
    entry.save()
    entry.value = Decimal(45)
    entry.state = EntryState.APPROVED
    entry._history_user = reviewer
    entry.save()
    page = text(get(client, leader, indicator_url(report, "EC-05")))
    history = page.split('class="data history"', 1)[1].split("</table>", 1)[0]
    rows = history.split("<tr>")[2:]  # after the header
    newest, created = rows[0], rows[1]
    assert reviewer.display_name in newest and "9月进展" in newest and "修改" in newest
    assert "<del>40</del> → <ins>45</ins>" in newest
    assert "<del>已报送</del> → <ins>已审核</ins>" in newest
    assert fgj.display_name in created and "新建" in created


def test_indicator_page_for_register_derived_target(client, demo_year, leader):
    page = text(get(client, leader, indicator_url(demo_year, "PP-01")))
    assert "该目标由项目库自动计算" in page


# --- Departments ---


@pytest.fixture
def september_reporting(report, fgj, reviewer):
    """rsj leads LV-01..03: one approved on time, one submitted late, one returned."""
    on_time = timezone.make_aware(datetime.datetime(2023, 10, 3, 10))
    late = timezone.make_aware(datetime.datetime(2023, 10, 9, 10))
    approve(code(report, "LV-01"), 9, 1263, submitted_at=on_time)
    ProgressEntry.objects.create(
        indicator=code(report, "LV-02"), month=9, value=4, state="submitted", submitted_at=late
    )
    ProgressEntry.objects.create(
        indicator=code(report, "LV-03"), month=9, value=0, state="returned", submitted_at=on_time
    )
    ProgressEntry.objects.create(indicator=code(report, "EC-05"), month=9, value=50)  # a draft
    return report


def department_row(page, code_name):
    department = Department.objects.get(code=code_name)
    return row_of(page, f'data-department="{department.pk}"')


def count_cell(row, name):
    return int(row.split(f'data-count="{name}">', 1)[1].split("<", 1)[0])


@time_machine.travel(datetime.datetime(2023, 11, 1, 12, tzinfo=datetime.UTC))
def test_departments_count_the_months_reporting(client, september_reporting, leader):
    page = text(get(client, leader, "/departments/" + PERIOD))
    rsj = department_row(page, "rsj")
    counts = {n: count_cell(rsj, n) for n in ("due", "submitted", "approved", "returned")}
    assert counts == {"due": 3, "submitted": 1, "approved": 1, "returned": 1}
    assert count_cell(rsj, "missing") == 1  # the returned one, past the deadline
    assert count_cell(rsj, "late") == 1
    assert "未报送" in rsj
    fgj = department_row(page, "fgj")
    assert count_cell(fgj, "due") == 2 and count_cell(fgj, "drafted") == 1
    assert count_cell(fgj, "missing") == 2
    assert '<div id="chart-timeliness"' in page


@time_machine.travel(datetime.datetime(2023, 10, 4, 12, tzinfo=datetime.UTC))
def test_before_the_deadline_nothing_is_missing(client, september_reporting, leader):
    page = text(get(client, leader, "/departments/" + PERIOD))
    rsj = department_row(page, "rsj")
    assert count_cell(rsj, "missing") == 0
    assert "未到期" in rsj


def test_ids_past_a_thousand_print_without_a_thousands_comma(client, report, leader):
    Department.objects.create(
        pk=1234, region=report.region, name="县测试局", short_name="测试局", code="csj"
    )
    page = text(get(client, leader, "/departments/" + PERIOD))
    assert 'data-department="1234"' in page
    assert "/departments/1234/" in page


def test_department_page_lists_targets_and_projects(client, demo_year, fgj):
    department = Department.objects.get(code="fgj")
    page = text(get(client, fgj, f"/departments/{department.pk}/" + PERIOD))
    led = [i for i in judged_by_code(demo_year).values() if i.lead_department_id == department.pk]
    targets = page.split('class="data indicators"', 1)[1].split("</table>", 1)[0]
    assert sorted(re.findall(r'data-code="([^"]+)"', targets)) == sorted(i.code for i in led)
    for indicator in led:
        assert str(indicator.progress.label) in row_of(targets, f'data-code="{indicator.code}"')
    projects = re.findall(r'data-project="([^"]+)"', page)
    assert len(projects) == 25  # first page of its projects
    assert "p-page=2" in page
    assert '<div id="chart-timeliness"' in page


# --- The big screen ---


def test_screen_refreshes_itself_and_shows_the_four_blocks(client, demo_year, leader):
    page = text(get(client, leader, "/screen/" + PERIOD))
    # It reloads itself by script, which a reader may pause (a <meta> refresh could not be).
    assert 'data-refresh="300"' in page and 'id="refresh-toggle"' in page
    assert 'http-equiv="refresh"' not in page
    assert page.count("screen-block") == 4
    assert '<div id="chart-sections"' in page and '<div id="chart-timeliness"' in page
    far = [
        i for i in judged_by_code(demo_year).values() if i.progress.status == progress.FAR_BEHIND
    ]
    listing = page.split('class="screen-list"', 1)[1].split("</ol>", 1)[0]
    assert listing.count("<li ") == min(len(far), 8)


# --- Cost: a fixed number of queries whatever the size of the report ---


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def cold_and_warm(client, urls):
    """{page: (queries with the cache empty, queries once cached)}."""
    counts = {}
    for name, url in urls.items():
        cache.clear()
        counts[name] = (count_queries(client, url), count_queries(client, url))
    return counts


def test_every_page_runs_the_same_queries_from_demo_size_to_a_city(client, demo_year, leader):
    """1x, then the report grown ten times, then ten more counties under a city: each page's
    query count stays the same, cold (cache empty) and warm."""
    # The clock stands still: a session's last activity is written once a minute
    # (accounts/sessions.py), and growing the report may take longer than that.
    with time_machine.travel(timezone.now(), tick=False):
        client.force_login(leader)
        urls = page_urls(demo_year)
        for url in urls.values():
            client.get(url)  # warm the session
        small = cold_and_warm(client, urls)
        demo_cycle.grow(demo_year, 10)
        large = cold_and_warm(client, urls)
        demo_cycle.add_counties(demo_year, 10)
        city = cold_and_warm(client, urls)
    assert large == small
    assert city == small
    assert all(warm < cold for cold, warm in small.values())
    print("queries per page (cold, warm):", small)
