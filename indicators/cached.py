"""Dashboards computed once per data version: each page's content is cached, never its response.

A dashboard reads hundreds of rows and judges every target, yet changes only when something is
approved, reopened, locked, registered or configured. So each page renders its content (the
part that comes from the report's data) through `fragments`, which keeps it in Django's cache
under a key naming everything it depends on:

- the page and what it shows: the reports, the month, the object, the query string of a list;
- the reader's scope where the page narrows by it (a reporter sees their department's projects);
- the data version of those reports and of everything (``indicators.versions``), read *before*
  the content is made, so an entry never holds data older than its key says;
- today's date (what is 未报送 turns at a deadline), the language, the settings behind the
  status rules, and the code itself (a deploy never serves an older layout).

What belongs to the person is rendered on every request and never cached: the header (who is
signed in, their links), messages, CSRF tokens and forms that post, the period picker (the
reports this user may open). A change through the gate, the admin or a workbook advances the
version in its own transaction, so the next request in any process, on any server sharing the
database, misses the old key and renders anew: nothing expires or needs telling.

The cache is Django's: local memory by default, Redis when ``REDIS_URL`` is set (settings). A
cache that fails is logged and bypassed: pages are computed, never refused.
"""

import copy
import functools
import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from . import versions

log = logging.getLogger(__name__)

# What the rendered content is made from, besides the data: a change here is a new layout.
CODE_FOLDERS = (
    "county_targets",
    "indicators",
    "projects",
    "reporting",
    "opendata",
    "templates",
    "locale",
)
CODE_SUFFIXES = (".py", ".html", ".mo")


@functools.cache
def code_fingerprint():
    """A digest of the code and templates that render dashboards, made once per process."""
    digest = hashlib.blake2b(digest_size=8)
    base = Path(settings.BASE_DIR)
    for folder in CODE_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in CODE_SUFFIXES and "migrations" not in path.parts:
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(name, reports, parts=(), token=None):
    """The key of page ``name``'s content for ``reports`` and ``parts`` (month, object, query,
    scope...), at the data version of now. Reads the version: call it before the data. A page
    that read the version itself (the public page, with its report in one query) passes its
    ``token`` instead."""
    described = [
        name,
        versions.token(report.pk for report in reports) if token is None else token,
        timezone.localdate().isoformat(),
        translation.get_language() or "",
        settings.REPORT_DEADLINE_DAY,
        settings.BEHIND_TOLERANCE_POINTS,
        code_fingerprint(),
        *(str(part) for part in parts),
    ]
    digest = hashlib.blake2b("\x1f".join(map(str, described)).encode(), digest_size=16)
    return f"dashboard:{name}:{digest.hexdigest()}"


def fragments(name, *, reports=(), parts=(), make, token=None):
    """The dict of HTML fragments that ``make()`` returns for page ``name`` (each a string of
    rendered content, plus any plain values the page needs), from the cache or made now and
    kept. ``reports`` and ``parts`` are everything the content depends on besides the data
    (``token``: their version, already read)."""
    key = cache_key(name, reports, parts, token)
    found = _get(key)
    if found is None:
        found = make()
        _set(key, found)
    return {part: mark_safe(v) if isinstance(v, str) else v for part, v in found.items()}


def _get(key):
    try:
        return cache.get(key)
    except Exception:  # a cache outage must not take the dashboards down
        log.warning("dashboard cache unavailable (get)", exc_info=True)
        return None


def _set(key, value):
    try:
        cache.set(key, value, settings.DASHBOARD_CACHE_SECONDS)
    except Exception:  # as above: the page is already made
        log.warning("dashboard cache unavailable (set)", exc_info=True)


# What every dashboard reads of the query string: which report and month (``periods``).
PERIOD_PARAMETERS = ("report", "year", "month")


def reading(request, names=()):
    """``request`` as a page's cached content sees it: the query string narrowed to what the
    page reads (``names``, and the period's report, year and month), each parameter once (its
    last value, as a form field reads it), empty ones dropped.

    The content and its key (`query_part`) are both made from this copy, so a parameter the page
    ignores (``?junk=1``, ``?junk=2``…) neither makes a new cache entry nor rides along in the
    links of a page that is then served to others."""
    kept = QueryDict(mutable=True)
    for name in sorted({*names, *PERIOD_PARAMETERS}):
        value = request.GET.get(name, "")
        if value != "":
            kept[name] = value
    kept._mutable = False
    narrowed = copy.copy(request)
    narrowed.GET = kept
    narrowed.read_parameters = kept
    return narrowed


def table_parameters(table_class):
    """The query parameters a django-tables2 table reads through ``RequestConfig``."""
    meta = table_class._meta
    fields = (meta.order_by_field, meta.page_field, meta.per_page_field)
    return tuple(f"{meta.prefix}{field}" for field in fields if field)


def query_part(request):
    """The query string of a request narrowed by `reading`, in a stable order: part of the key
    of a page whose content depends on it (filters, sorting, pages, and links that keep them).
    A request not narrowed is refused: its every junk parameter would be a new entry."""
    if getattr(request, "read_parameters", None) is not request.GET:
        raise TypeError("narrow the request with cached.reading() before keying on its query")
    return request.GET.urlencode()
