"""The public page shows nothing unpublished, unapproved or internal: a test generated from the
whole demo (a year of entries, December's story of rows waiting and returned, the register).

January to June are published. Then every row the public must not see is scribbled over with a
marker of its own: each figure of July onwards and each row not approved gets a unique value and
unique words, and every problem (存在问题), review comment, 说明, flag, 对照表 explanation and
person's name gets a unique marker. The public page (both languages, both type sizes) and every
section's CSV must then read exactly as before, carrying no marker. Publishing July afterwards
shows July (the cache moves).

Also here, because it needs the demo too: the page's queries stay the same at ten times the data.
"""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import numbers, versions
from indicators.models import EntryState, Indicator, ProgressEntry, User
from opendata import publishing
from opendata.demo import open_to_the_public
from opendata.models import ComparisonNote, PublicField
from projects.models import ProjectProgress
from reporting import demo
from supervision.demo import tell_the_story

pytestmark = pytest.mark.django_db

PAGE = "/public/450222/2023/"
PUBLISHED = 6
LANGUAGES = ("zh-hans", "en")
SIZES = ("", "?size=large")


@pytest.fixture
def full_demo(report):
    demo.load_demo()
    tell_the_story(report)
    return report


def public_texts(client):
    """Everything the public can read of the report: the page in each language and type size,
    and each section's CSV in each language, by a name saying which."""
    texts = {}
    for language in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for size in SIZES:
            response = client.get(PAGE + size)
            assert response.status_code == 200
            texts[f"{language} page{size}"] = response.content.decode()
        for url in sorted(
            set(re.findall(r'href="(/public/[^"]+\.csv)"', texts[f"{language} page"]))
        ):
            response = client.get(url)
            assert response.status_code == 200
            texts[f"{language} {url}"] = response.content.decode("utf-8")
    return texts


def marker_value(index, kind):
    """A figure no real row holds, different for each row (a milestone's stays within 100)."""
    if kind == "milestone":
        return Decimal("99.0001") + Decimal(index % 900) / 10000
    return Decimal(7_000_000 + index) + Decimal("0.37")


def shown_forms(value):
    """Every way a page, a chart or a CSV could write ``value``."""
    return {numbers.amount(value), numbers.amount(value, grouped=False), numbers.plain(value)}


def scribble(report):
    """Mark everything the public must not see; returns (words, written figures)."""
    words, figures = set(), set()
    rows = ProgressEntry.objects.filter(indicator__report=report).order_by("pk")
    for index, entry in enumerate(rows.select_related("indicator")):
        internal = {
            "problems": f"LEAK-problem-{entry.pk}",
            "review_comment": f"LEAK-review-{entry.pk}",
            "explanation": f"LEAK-explain-{entry.pk}",
            "flags": [{"rule": "step", "blocks": False, "params": {"x": f"LEAK-flag-{entry.pk}"}}],
        }
        words |= {value for key, value in internal.items() if key != "flags"}
        words.add(f"LEAK-flag-{entry.pk}")
        if entry.month > PUBLISHED or entry.state != EntryState.APPROVED:
            value = marker_value(index, entry.indicator.kind)
            internal["value"] = value
            internal["note"] = f"LEAK-note-{entry.pk}"
            words.add(internal["note"])
            if entry.indicator.kind != "milestone":
                figures |= shown_forms(value)
            if entry.month >= 8:  # later months in every state (July stays approved)
                states = (EntryState.DRAFT, EntryState.SUBMITTED, EntryState.RETURNED)
                internal["state"] = states[index % 3]
        ProgressEntry.objects.filter(pk=entry.pk).update(**internal)
    for progress in ProjectProgress.objects.filter(project__report=report, month__gt=PUBLISHED):
        ProjectProgress.objects.filter(pk=progress.pk).update(
            investment_completed=Decimal(9_000_000 + progress.pk),
            physical_progress=f"LEAK-site-{progress.pk}",
            problems=f"LEAK-project-problem-{progress.pk}",
        )
        words |= {f"LEAK-site-{progress.pk}", f"LEAK-project-problem-{progress.pk}"}
    for user in User.objects.all():
        User.objects.filter(pk=user.pk).update(
            first_name=f"LEAK-first-{user.pk}", last_name=f"LEAK-last-{user.pk}"
        )
        words |= {f"LEAK-first-{user.pk}", f"LEAK-last-{user.pk}"}
    for indicator in Indicator.objects.filter(report=report):
        ComparisonNote.objects.create(
            report=report, indicator=indicator, explanation=f"LEAK-table-{indicator.pk}"
        )
        words.add(f"LEAK-table-{indicator.pk}")
    versions.advance([report.pk], everything=True)  # written by update(): no signals
    return words, figures


def found_in(texts, markers):
    return sorted({(name, m) for name, text in texts.items() for m in markers if m in text})


def test_the_public_sees_nothing_unpublished_unapproved_or_internal(client, full_demo):
    report = full_demo
    office = User.objects.get(username="reviewer")
    publishing.switch_site(report.region, True, user=office)
    for month in range(1, PUBLISHED + 1):
        publishing.publish(report, month, user=office)
    # Every optional field shown: the widest the office can open the page.
    publishing.set_fields(report, PublicField.values, user=office)
    before = public_texts(client)
    assert len(before) == 2 * len(SIZES) + 2 * report.sections.count()
    assert "截至6月底" in before["zh-hans page"]

    words, figures = scribble(report)
    assert len(words) > 1000 and len(figures) > 50
    after = public_texts(client)
    assert found_in(after, words | figures) == []
    assert after == before  # nothing the public must not see moves what it sees
    assert all(int(m) <= PUBLISHED for m in re.findall(r"截至(\d+)月底", after["zh-hans page"]))

    # June's own rows held back from approval (waiting, drafted again, returned): gone too.
    held = []
    june = ProgressEntry.objects.filter(
        indicator__report=report, month=PUBLISHED, indicator__register_rule=""
    ).select_related("indicator")
    for index, entry in enumerate(june.order_by("pk")):
        value = marker_value(10_000 + index, entry.indicator.kind)
        state = (EntryState.DRAFT, EntryState.SUBMITTED, EntryState.RETURNED)[index % 3]
        ProgressEntry.objects.filter(pk=entry.pk).update(
            state=state, value=value, note=f"LEAK-june-{entry.pk}"
        )
        held.append(f"LEAK-june-{entry.pk}")
        if entry.indicator.kind != "milestone":
            figures |= shown_forms(value)
    versions.advance([report.pk])
    held_back = public_texts(client)
    assert found_in(held_back, words | figures | set(held)) == []
    jobs = held_back["zh-hans page"].split('<span class="code">LV-01</span>', 1)[1]
    assert "（截至5月底）" in jobs.split("</article>", 1)[0]

    # July published: its approved figures show at once.
    publishing.publish(report, PUBLISHED + 1, user=office)
    july = public_texts(client)
    assert "以下为截至7月底经审核并公开的数据。" in july["zh-hans page"]
    july_figures = set()
    for index, entry in enumerate(ProgressEntry.objects.filter(indicator__report=report)
                                  .order_by("pk").select_related("indicator")):  # fmt: skip
        if entry.month == PUBLISHED + 1 and entry.indicator.kind == "cumulative":
            july_figures.add(numbers.amount(marker_value(index, "cumulative")))
    assert july_figures and any(f in july["zh-hans page"] for f in july_figures)
    assert found_in(july, {w for w in words if not w.startswith("LEAK-note-")}) == []


def query_counts(client, urls):
    counts = {}
    for url in urls:
        cache.clear()
        runs = []
        for _ in range(2):  # cold, then a cached hit
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            runs.append(len(captured))
        counts[url] = tuple(runs)
    return counts


def test_the_public_page_runs_the_same_queries_at_ten_times_the_data(client, full_demo):
    open_to_the_public(full_demo)
    section = full_demo.sections.order_by("order").first()
    urls = [PAGE, PAGE + "?size=large", f"{PAGE}sections/{section.pk}.csv"]
    small = query_counts(client, urls)
    demo.grow(full_demo, 10)
    large = query_counts(client, urls)
    assert large == small
    assert all(warm == 1 for _cold, warm in small.values())
    page = client.get(PAGE).content.decode()
    assert page.count('<li class="target') == 10 * 40  # the grown targets are all there
    print("public queries (cold, warm):", small)
