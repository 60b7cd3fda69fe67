"""The public progress page (/public/<region code>/<year>/): the contract's URL, its 404s, what it
shows, its own strict policy, its cache, its CSV files and its language and type-size switches.

The generated leak test and the query counts at ten times the data, which need the whole demo,
are in test_public_leaks.py; the browser's view in test_browser_public.py.
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from audit.models import Action, AuditRecord
from indicators import numbers
from indicators.models import Indicator, Region, Report, Section
from opendata import published, publishing
from opendata.models import PublicField

from .conftest import approve, make_next_year

pytestmark = pytest.mark.django_db

PAGE = "/public/450222/2023/"
STRICT_POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def code(report, value):
    return Indicator.objects.get(report=report, code=value)


@pytest.fixture
def site(report, reviewer):
    """柳城县's page switched on, LV-01 (新增就业) approved for January to April, and January to
    March published."""
    jobs = code(report, "LV-01")
    for month, value in ((1, 120), (2, 260), (3, 1263), (4, 4321)):
        approve(jobs, month, value, note=f"第{month}月进展")
    publishing.switch_site(report.region, True, user=reviewer)
    for month in (1, 2, 3):
        publishing.publish(report, month, user=reviewer)
    return report


def policy(response):
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def csv_urls(html):
    return re.findall(r'href="(/public/[^"]+\.csv)"', html)


# --- The URL and its 404s ------------------------------------------------------------------------


def test_the_contract_url_shows_the_last_published_month_without_a_login(client, site):
    assert reverse("opendata:public-page", args=["450222", 2023]) == PAGE
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert site.title in page
    assert "以下为截至3月底经审核并公开的数据。" in page
    card = page.split('<span class="code">LV-01</span>', 1)[1].split("</article>", 1)[0]
    assert '<span class="value">1,263</span> 人' in card and "（截至3月底）" in card
    assert "4,321" not in page and "4321" not in page  # April is approved, not published
    assert "截至4月底" not in page


def test_a_page_is_found_only_when_switched_on_for_a_public_report(client, site, reviewer):
    make_next_year(site)  # 2024, in 筹备
    Region.objects.create(name="鹿寨县", code="450223")
    missing = [
        "/public/450222/2024/",  # the report is in 筹备
        "/public/450222/1999/",  # no report that year
        "/public/450223/2023/",  # a region without a page
        "/public/000000/2023/",  # no such region
        "/public/45%00222/2023/",  # no region's code at all
        "/public/450222/99999999999/",
    ]
    answers = [client.get(url) for url in missing]
    assert [a.status_code for a in answers] == [404] * 6
    assert len({a.content for a in answers}) == 1  # the same page, naming nothing
    assert "柳城县" not in answers[0].content.decode()
    assert client.get(PAGE).status_code == 200
    publishing.switch_site(site.region, False, user=reviewer)
    off = client.get(PAGE)  # at once, although the page was cached a moment ago
    assert off.status_code == 404 and off.content == answers[0].content
    assert client.get(PAGE + "sections/1.csv").status_code == 404


def test_a_report_with_nothing_published_says_so_in_one_sentence(client, report, reviewer):
    publishing.switch_site(report.region, True, user=reviewer)
    approve(code(report, "LV-01"), 1, 120)
    page = client.get(PAGE).content.decode()
    assert "这份工作报告的目标任务进展还没有公开，公开后将在本页发布。" in page
    assert "plotly" not in page and not csv_urls(page) and "120" not in page


# --- What it shows -------------------------------------------------------------------------------


def test_each_section_has_a_sentence_a_chart_its_words_its_table_and_its_csv(client, site):
    page = client.get(PAGE).content.decode()
    state = published.state(site)
    assert page.count('class="section"') == len(state.sections) == site.sections.count()
    for section in state.sections:
        part = page.split(f'<section class="section" aria-labelledby="section-{section.id}">')[1]
        part = part.split("</section>", 1)[0]
        assert section.sentence in part
        assert f'data-chart="chart-section-{section.id}"' in part
        assert f'aria-labelledby="summary-{section.id}"' in part and "图：" in part
        assert "<table>" in part and "<caption>" in part
        assert f'href="/public/450222/2023/sections/{section.id}.csv"' in part
        assert "下载数据 (CSV)" in part
        assert part.count('<li class="target') == len(section.targets)
    assert page.count("plotly/plotly.min.js") == 1


def test_each_target_shows_its_promise_figure_month_unit_and_status_in_words(client, site):
    page = client.get(PAGE).content.decode()
    jobs = next(t for t in published.state(site).targets if t.code == "LV-01")
    card = page.split('<span class="code">LV-01</span>', 1)[1].split("</article>", 1)[0]
    assert jobs.promise in card and jobs.promise != jobs.name
    assert f"{numbers.amount(jobs.target)} {jobs.unit}" in card
    assert f'<span class="status status-{jobs.status}">{jobs.status_label}</span>' in card
    assert jobs.phrase and jobs.phrase in card
    unreported = page.split('<span class="code">EC-01</span>', 1)[1].split("</article>", 1)[0]
    assert "暂无已公开的数据" in unreported and "无数据" in unreported


def test_optional_fields_show_only_when_the_office_chooses_them(client, site, reviewer):
    publishing.set_fields(site, [], user=reviewer)
    page = client.get(PAGE).content.decode()
    card = page.split('<span class="code">LV-01</span>', 1)[1].split("</article>", 1)[0]
    for word in ("<dt>牵头单位</dt>", "<dt>完成率</dt>", "<dt>序时进度</dt>", "<dt>进展情况</dt>"):
        assert word not in card
    assert "第3月进展" not in page and "县人力资源和社会保障局" not in page
    csv_text = client.get(PAGE + f"sections/{code(site, 'LV-01').section_id}.csv").content
    assert "牵头单位" not in csv_text.decode() and "完成率" not in csv_text.decode()
    chart = page.split('data-chart="chart-section-', 1)[1].split("</script>", 1)[0]
    assert '"type":"bar"' in chart and '"orientation":"h"' in chart
    assert "LV-01" not in chart  # with completion private, the chart counts statuses

    publishing.set_fields(site, PublicField.values, user=reviewer)
    page = client.get(PAGE).content.decode()
    card = page.split('<span class="code">LV-01</span>', 1)[1].split("</article>", 1)[0]
    jobs = next(t for t in published.state(site).targets if t.code == "LV-01")
    for shown in (
        "<dt>牵头单位</dt>",
        jobs.lead,
        "<dt>完成率</dt>",
        numbers.percent(jobs.completion),
    ):
        assert shown in card
    assert "<dt>序时进度</dt>" in card and "第3月进展" in card


def test_the_csv_behind_a_chart_holds_the_sections_targets_as_the_page_shows_them(client, site):
    jobs = code(site, "LV-01")
    response = client.get(PAGE + f"sections/{jobs.section_id}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="450222-2023-section-{jobs.section_id}.csv"'
    )
    header, *rows = csv_rows(response)
    assert header[:3] == ["板块", "编号", "目标任务"] and "牵头单位" in header
    section = next(s for s in published.state(site).sections if s.id == jobs.section_id)
    assert [row[1] for row in rows] == [t.code for t in section.targets]
    row = dict(zip(header, next(r for r in rows if r[1] == "LV-01"), strict=True))
    assert row["最新数据"] == "1263" and row["数据月份"] == "3" and row["单位"] == "人"
    shown = next(t for t in section.targets if t.code == "LV-01")
    assert row["完成率（%）"] == numbers.percent(shown.completion).removesuffix("%")
    assert row["状态"] == shown.status_label and row["状态说明"] == shown.phrase
    assert client.get(PAGE + "sections/999999.csv").status_code == 404


def test_a_csv_cell_that_reads_as_a_formula_is_written_as_text(client, site):
    jobs = code(site, "LV-01")
    jobs.source_quote = '=HYPERLINK("http://example.com","新增就业")'
    jobs.save()
    floor = Indicator.objects.create(
        report=site, section=jobs.section, code="T-FLOOR", name="财政收入增长", kind="floor",
        target=Decimal(5), unit="%", lead_department=jobs.lead_department,
    )  # fmt: skip
    approve(floor, 3, Decimal("-0.5"))
    header, *rows = csv_rows(client.get(PAGE + f"sections/{jobs.section_id}.csv"))
    by_code = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_code["LV-01"]["报告原文"] == "'" + jobs.source_quote
    assert by_code["T-FLOOR"]["最新数据"] == "-0.5"  # a negative figure stays a number


# --- Language, type size, policy, cookies --------------------------------------------------------


def test_english_follows_the_language_cookie_and_its_link_sets_it(client, site):
    page = client.get(PAGE).content.decode()
    assert '<html lang="zh-hans">' in page
    switch = re.search(r'<a href="([^"]+)" lang="en"', page).group(1).replace("&amp;", "&")
    response = client.get(switch)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get(PAGE)
    assert '<html lang="en">' in english.content.decode()
    assert english["Content-Language"] == "en"
    assert 'lang="zh-hans"' in english.content.decode()  # the way back


@pytest.mark.parametrize(
    "following", ["https://example.com/public/", "//example.com/public/", "/admin/", ""]
)
def test_the_language_link_returns_only_to_public_pages(client, site, following):
    response = client.get(
        reverse("opendata:public-language"), {"language": "en", "next": following}
    )
    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_large_type_is_a_link_that_every_link_of_the_page_keeps(client, site):
    normal = client.get(PAGE).content.decode()
    assert '<body class="public">' in normal
    assert f'<a class="size-switch" href="{PAGE}?size=large">大字版</a>' in normal
    large = client.get(PAGE + "?size=large").content.decode()
    assert '<body class="public large">' in large
    assert f'<a class="size-switch" href="{PAGE}">标准字号</a>' in large
    switch = re.search(r'<a href="([^"]+)" lang="en"', large).group(1)
    assert "next=%2Fpublic%2F450222%2F2023%2F%3Fsize%3Dlarge" in switch
    chart = large.split('data-chart="chart-section-', 1)[1].split("</script>", 1)[0]
    assert '"size":20' in chart
    assert client.get(PAGE + "?size=huge&x=1").content.decode() == normal


def test_the_page_has_its_own_strict_policy(client, site):
    for url in (PAGE, PAGE + "?size=large", PAGE + "sections/1.csv", "/public/000000/2023/"):
        assert policy(client.get(url)) == STRICT_POLICY, url
    # The rest of the site keeps its own.
    assert policy(client.get("/accounts/login/"))["default-src"] == "'self'"


def test_an_anonymous_visitor_gets_no_cookie_and_no_session(client, site):
    sessions = Session.objects.count()
    for url in (PAGE, PAGE, PAGE + "?size=large", PAGE + "sections/1.csv", "/public/0/2023/"):
        response = client.get(url)
        assert not response.cookies, url
        assert "Set-Cookie" not in response.headers
        assert "Cookie" in response["Vary"]  # the language cookie chooses the page
    assert Session.objects.count() == sessions
    assert not client.cookies


def test_public_answers_are_not_written_to_the_audit_log(client, site, leader):
    before = AuditRecord.objects.count()
    for url in (PAGE, PAGE + "sections/1.csv", "/public/000000/2023/", PAGE + "sections/9.csv"):
        client.get(url)
    assert AuditRecord.objects.count() == before
    client.force_login(leader)
    assert client.get("/indicators/999999/").status_code == 404
    refused = AuditRecord.objects.filter(action=Action.REFUSED).order_by("id").last()
    assert refused.detail["path"] == "/indicators/999999/"  # the internal pages still are


# --- The cache -----------------------------------------------------------------------------------


def test_a_cached_hit_costs_one_query(client, site, django_assert_num_queries):
    csv_path = f"{PAGE}sections/{Section.objects.filter(report=site).first().pk}.csv"
    client.get(PAGE)
    client.get(csv_path)
    with django_assert_num_queries(1):  # the report with its data version
        assert client.get(PAGE).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(csv_path).status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/public/000000/2023/").status_code == 404


def test_every_change_the_page_shows_moves_its_cache(client, site, reviewer):
    def card():
        page = client.get(PAGE).content.decode()
        return page.split('<span class="code">LV-01</span>', 1)[1].split("</article>", 1)[0]

    assert "1,263" in card()
    entry = code(site, "LV-01").entries.get(month=3)
    entry.value = Decimal(1300)
    entry.save()  # the office reopens and corrects a published figure
    assert "1,300" in card()
    publishing.publish(site, 4, user=reviewer)
    assert "4,321" in card() and "（截至4月底）" in card()
    publishing.unpublish(site, 4, user=reviewer)
    assert "1,300" in card()
    publishing.set_fields(site, [PublicField.NOTE], user=reviewer)
    assert "第3月进展" in card() and "牵头单位" not in card()
    site.title = "2023年柳城县政府工作报告（修订）"
    site.save()
    assert "（修订）" in client.get(PAGE).content.decode()


def test_a_report_set_back_to_preparation_disappears(client, site):
    assert client.get(PAGE).status_code == 200
    Report.objects.filter(pk=site.pk).update(state=Report.State.PREPARING)
    assert client.get(PAGE).status_code == 404
    assert Section.objects.filter(report=site).exists()


# --- Served ahead of the session and the rest (opendata.middleware) ------------------------------


def test_the_page_carries_the_sites_headers_without_the_session_stack(client, site):
    response = client.get(PAGE)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert int(response["Content-Length"]) == len(response.content)
    assert response["Content-Language"] == "zh-hans"
    assert not hasattr(response.wsgi_request, "user")  # answered before authentication
    assert client.get(PAGE, HTTP_HOST="evil.example").status_code == 400
    assert client.get(PAGE.rstrip("/"))["Location"] == PAGE  # the rest of the stack: a slash


def test_a_signed_in_official_reads_the_page_without_touching_the_session(client, site, leader):
    client.force_login(leader)
    session_key = client.session.session_key
    response = client.get(PAGE)
    assert response.status_code == 200 and not response.cookies
    assert client.session.session_key == session_key
    assert "县领导" not in response.content.decode() and "t-leader" not in response.content.decode()
