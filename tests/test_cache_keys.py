"""Dashboards' cache keys hold only what a page reads of the query string: junk parameters
(``?junk=1``, ``?junk=2``…) make no new cache entries, and never ride along in cached links."""

import pytest
from django.core.cache import caches

from indicators.models import Department, Indicator, Section

JUNK_REQUESTS = 12


@pytest.fixture
def entries(settings):
    """A cache of its own (local memory), whose entries can be counted."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test-cache-keys",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
    store = caches["default"]
    store.clear()
    return lambda: len(store._cache)


def pages(report):
    section = Section.objects.filter(report=report).first()
    department = Department.objects.get(code="fgj")
    indicator = Indicator.objects.filter(report=report).first()
    return [
        f"/?report={report.pk}",
        f"/sections/{section.pk}/?report={report.pk}",
        f"/indicators/{indicator.pk}/?report={report.pk}",
        f"/departments/?report={report.pk}",
        f"/departments/{department.pk}/?report={report.pk}",
        f"/screen/?report={report.pk}",
        f"/projects/?report={report.pk}",
        f"/projects/investment/?report={report.pk}",
    ]


def test_junk_parameters_make_no_new_cache_entries(client, leader, report, entries):
    client.force_login(leader)
    for url in pages(report):
        assert client.get(url).status_code == 200, url
        cached = entries()
        assert cached > 0
        for n in range(JUNK_REQUESTS):
            response = client.get(f"{url}&junk={n}&junk{n}=x&utm_source=n{n}")
            assert response.status_code == 200
        assert entries() == cached, url


def test_junk_does_not_ride_along_in_a_cached_pages_links(client, leader, report, entries):
    section = Section.objects.filter(report=report).first()
    client.force_login(leader)
    client.get(f"/sections/{section.pk}/?report={report.pk}&planted=evil")
    page = client.get(f"/sections/{section.pk}/?report={report.pk}").content.decode()
    assert "planted" not in page
    client.get(f"/projects/?report={report.pk}&planted=evil")
    projects = client.get(f"/projects/?report={report.pk}").content.decode()
    assert "planted" not in projects


def test_the_parameters_a_page_reads_still_make_their_own_entries(client, leader, report, entries):
    """The control: sorting, filtering and paging are read, so each has its own content."""
    section = Section.objects.filter(report=report).first()
    client.force_login(leader)
    url = f"/sections/{section.pk}/?report={report.pk}"
    client.get(url)
    before = entries()
    client.get(f"{url}&sort=code")
    client.get(f"{url}&kind=cumulative")
    client.get(f"/projects/?report={report.pk}&stage=started")
    assert entries() >= before + 3
    sorted_page = client.get(f"{url}&sort=-code").content.decode()
    assert "sort=code" in sorted_page  # the header's link turns the order round


def test_a_repeated_parameter_counts_once(client, leader, report, entries):
    client.force_login(leader)
    url = f"/projects/?report={report.pk}&q=产业园"
    client.get(url)
    cached = entries()
    for n in range(JUNK_REQUESTS):
        client.get(f"/projects/?report={report.pk}&q=junk{n}&q=产业园")
    assert entries() == cached
