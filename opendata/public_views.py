"""The public progress page and the CSV behind its charts: no login, a strict policy of their
own, and cached whole.

A cached hit costs one query and a cache read, to stay close to /healthz's speed: the report
(a region whose page is on, a report out of 筹备: ``published.public_reports``) read together
with its data version (``indicators.versions``), whose token keys the page in the cache with the
language and the type size. Every change the page can show advances that version (the entries
through ``indicators.versions``; the switch, the published months and the public fields through
``opendata.apps``), so a cached page is never stale and nothing expires. That query's SQL is
compiled from those querysets once per process (`lookup_statement`): compiling an ORM query
costs more than running it.

Nothing here touches the session or a CSRF token: an anonymous visitor is sent no cookie, and
the page and its CSV are answered ahead of the session, authentication and the rest of the
middleware (``opendata.middleware``). The language is the ``django_language`` cookie, as on
every page; the switch is a link (`public_language`) that sets it, since a form posting to
Django's set_language would need a CSRF cookie.
"""

import functools
import re

from csp.constants import HEADER, NONE, SELF
from csp.utils import build_policy
from django.conf import settings
from django.db import connection
from django.db.models import OuterRef
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, get_language
from django.views.decorators.http import require_safe

from audit.middleware import public
from indicators import cached, versions
from indicators.models import Report

from . import published
from .public_page import page_content, section_csvs, size_of

# Scripts, styles and images from this site only, nothing else at all: no frames, no plugins,
# no fonts, no <base>. The page needs no data: image (its charts have no "download as PNG").
PUBLIC_POLICY = {
    "default-src": [NONE],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF],
    "connect-src": [SELF],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
# Written once by django-csp's own writer. (Its `csp` decorator would have the middleware copy
# and write the policy again on every request: a tenth of this page's time.)
PUBLIC_HEADER = build_policy(config=PUBLIC_POLICY)
PUBLIC_PREFIX = "/public/"


def public_policy(view):
    """The public pages' own policy, in place of the site's (the middleware keeps a header a
    view has set)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response[HEADER] = PUBLIC_HEADER
        return response

    return wrapped


# What a region's code can be (``Region.code``: six digits).
REGION_CODE = re.compile(r"\d{6}", re.ASCII)
# Stand-ins for the URL's region code and year while the lookup's SQL is compiled.
SOME_CODE, SOME_YEAR = "\x00region-code", 32749  # a year the field holds


@functools.cache
def lookup_statement():
    """The SQL and parameters of `site_lookup`, compiled once per process from the querysets
    that define them, with ``SOME_CODE`` and ``SOME_YEAR`` where the request's go."""
    queryset = (
        published.public_reports()
        .filter(region__code=SOME_CODE, year=SOME_YEAR)
        .annotate(
            everything=versions.stamp_of(versions.EVERYTHING),
            own=versions.stamp_of(versions.report_key_of(OuterRef("pk"))),
        )
        .order_by()
        .values_list("pk", "everything", "own")[:1]
    )
    sql, params = queryset.query.sql_with_params()
    assert list(params).count(SOME_CODE) == 1 and list(params).count(SOME_YEAR) == 1
    return sql, tuple(params)


def site_lookup(code, year):
    """(report id, data version token) of the report of ``year`` of the region of ``code`` that
    the public may see, or None: one query (none for what cannot be a region's code or a
    report's year, such as a NUL, which PostgreSQL would refuse with an error)."""
    if not (REGION_CODE.fullmatch(code) and 1 <= year <= 9999):
        return None
    sql, params = lookup_statement()
    given = {SOME_CODE: code, SOME_YEAR: year}
    with connection.cursor() as cursor:
        cursor.execute(sql, [given.get(p, p) for p in params])
        row = cursor.fetchone()
    return None if row is None else (row[0], versions.joined(row[1:]))


def the_report(report_id):
    """The report the lookup found, for rendering (a cache miss only)."""
    return Report.objects.select_related("region").get(pk=report_id)


def not_found():
    """A plain 404 that names nothing: the same for a region that is off, an unknown code, a
    report in 筹备 and a year with no report."""
    return public(HttpResponseNotFound(not_found_page(get_language())))


@functools.lru_cache(maxsize=8)
def not_found_page(language):
    """The 404 page in ``language``, rendered once (anyone may ask for many)."""
    return render_to_string("opendata/public/not_found.html").encode()


@public_policy
@require_safe
def public_page(request, code, year):
    found = site_lookup(code, year)
    if found is None:
        return not_found()
    report_id, token = found
    size = size_of(request.GET.get("size"))
    content = cached.fragments(
        "public-page",
        token=token,
        parts=[report_id, size],
        # Kept encoded: a hit then copies bytes, never decodes and encodes the page again.
        make=lambda: {
            "html": render_to_string(
                "opendata/public/page.html", page_content(the_report(report_id), size)
            ).encode()
        },
    )
    return public(HttpResponse(content["html"]))


@public_policy
@require_safe
def public_section_csv(request, code, year, section_id):
    found = site_lookup(code, year)
    if found is None:
        return not_found()
    report_id, token = found
    files = cached.fragments(
        "public-csv",
        token=token,
        parts=[report_id],
        make=lambda: {
            str(pk): text.encode() for pk, text in section_csvs(the_report(report_id)).items()
        },
    )
    text = files.get(str(section_id))
    if text is None:
        return not_found()
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = f"{code}-{year}-section-{section_id}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return public(response)


@public_policy
@require_safe
def public_language(request):
    """Switch the public page's language (?language=en&next=/public/…): the same cookie as the
    header's switch sets, then back to the page. Only pages under /public/ are returned to."""
    following = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not (safe and following.startswith(PUBLIC_PREFIX)):
        return not_found()
    response = public(HttpResponseRedirect(following))
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES) and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
