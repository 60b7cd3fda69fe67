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

import functools
import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from . import versions

log = logging.getLogger(__name__)

# What the rendered content is made from, besides the data: a change here is a new layout.
CODE_FOLDERS = ("county_targets", "indicators", "projects", "reporting", "templates", "locale")
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


def cache_key(name, reports, parts=()):
    """The key of page ``name``'s content for ``reports`` and ``parts`` (month, object, query,
    scope...), at the data version of now. Reads the version: call it before the data."""
    described = [
        name,
        versions.token(report.pk for report in reports),
        timezone.localdate().isoformat(),
        translation.get_language() or "",
        settings.REPORT_DEADLINE_DAY,
        settings.BEHIND_TOLERANCE_POINTS,
        code_fingerprint(),
        *(str(part) for part in parts),
    ]
    digest = hashlib.blake2b("\x1f".join(map(str, described)).encode(), digest_size=16)
    return f"dashboard:{name}:{digest.hexdigest()}"


def fragments(name, *, reports, parts=(), make):
    """The dict of HTML fragments that ``make()`` returns for page ``name`` (each a string of
    rendered content, plus any plain values the page needs), from the cache or made now and
    kept. ``reports`` and ``parts`` are everything the content depends on besides the data."""
    key = cache_key(name, reports, parts)
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


def query_part(request):
    """The request's query string in a stable order: part of the key of a page whose content
    depends on it (filters, sorting, pages, and links that keep them)."""
    return "&".join(
        f"{name}={value}" for name, values in sorted(request.GET.lists()) for value in values
    )
