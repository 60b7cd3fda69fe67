"""The public progress page and the CSV behind its charts: no login, a strict policy of their
own, and cached whole.

A request costs two queries and a cache read: the report (a region whose page is on, a report
out of 筹备, one query), then the data version (``indicators.cached``), whose key also names the
language and the type size. Every change the page can show advances that version (the entries
through ``indicators.versions``; the switch, the published months and the public fields through
``opendata.apps``), so a cached page is never stale and nothing expires.

Nothing here touches the session or a CSRF token: an anonymous visitor is sent no cookie. The
language is the ``django_language`` cookie, as on every page; the switch is a link
(`public_language`) that sets it, since a form posting to Django's set_language would need a
CSRF cookie.
"""

from csp.constants import NONE, SELF
from csp.decorators import csp
from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_safe

from audit.middleware import public
from indicators import cached

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
public_policy = csp(PUBLIC_POLICY)
PUBLIC_PREFIX = "/public/"


def site_report(code, year):
    """The report of ``year`` of the region of ``code`` that the public may see, or None: one
    query."""
    return published.public_reports().filter(region__code=code, year=year).first()


def not_found():
    """A plain 404 that names nothing: the same for a region that is off, an unknown code, a
    report in 筹备 and a year with no report."""
    return public(HttpResponseNotFound(render_to_string("opendata/public/not_found.html")))


@public_policy
@require_safe
def public_page(request, code, year):
    report = site_report(code, year)
    if report is None:
        return not_found()
    size = size_of(request.GET.get("size"))
    content = cached.fragments(
        "public-page",
        reports=[report],
        parts=[size],
        make=lambda: {
            "html": render_to_string("opendata/public/page.html", page_content(report, size))
        },
    )
    return public(HttpResponse(content["html"]))


@public_policy
@require_safe
def public_section_csv(request, code, year, section_id):
    report = site_report(code, year)
    if report is None:
        return not_found()
    files = cached.fragments(
        "public-csv",
        reports=[report],
        make=lambda: {str(pk): text for pk, text in section_csvs(report).items()},
    )
    text = files.get(str(section_id))
    if text is None:
        return not_found()
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    name = f"{report.region.code}-{report.year}-section-{section_id}.csv"
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
