"""The open data and the published 对照表, without a login: /public/<region code>/<year>/…

Each answers 404, naming nothing, unless the region's public page is switched on and the year
has a report the public may see (``published.site_region``, ``published.public_report``); the
对照表's files also wait until the office publishes it. The data files are cached by the data
version (``export.cache_key``), which is also their ETag: a reader that sends it back in
``If-None-Match`` gets 304 after three small queries.
"""

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from indicators.xlsx import XLSX_CONTENT_TYPE

from . import comparison, export, published
from .comparison_files import DOCX_CONTENT_TYPE, comparison_docx, comparison_xlsx, file_name
from .models import Publication

# Cached copies may be kept by browsers and proxies, but asked about again every time: the ETag
# makes that cheap, and a month published shows at once.
CACHE_CONTROL = "public, no-cache"


def public_report(code, year):
    """The report of ``year`` of the region ``code`` if the public may see it, else 404."""
    region = published.site_region(code)
    report = published.public_report(region, year) if region is not None else None
    if report is None:
        raise Http404
    return report


def _etag(key):
    return '"' + key.rsplit(":", 1)[-1] + '"'


def _unchanged(request, etag):
    """Whether the reader already holds ``etag`` (If-None-Match, weak or strong)."""
    sent = request.headers.get("If-None-Match", "")
    tags = {tag.strip().removeprefix("W/") for tag in sent.split(",")}
    return etag in tags or "*" in tags


def _open(response, etag=None):
    """What every open file carries: who may read it (anyone: no credentials are involved) and
    how long it may be kept."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = CACHE_CONTROL
    if etag:
        response["ETag"] = etag
    return response


def _attachment(response, name):
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _data_file(request, code, year, kind):
    report = public_report(code, year)
    key = export.cache_key(report, kind)
    etag = _etag(key)
    if _unchanged(request, etag):
        return _open(HttpResponseNotModified(), etag)
    body = export.file_bytes(report, kind, key)
    response = _open(HttpResponse(body, content_type=export.CONTENT_TYPES[kind]), etag)
    if kind == export.CSV:
        _attachment(response, export.file_name(report, kind))
    return response


@require_safe
def data_csv(request, code, year):
    return _data_file(request, code, year, export.CSV)


@require_safe
def data_json(request, code, year):
    return _data_file(request, code, year, export.JSON)


@require_safe
def data_dictionary(request, code, year):
    report = public_report(code, year)
    response = HttpResponse(export.dictionary_csv(), content_type=export.CSV_CONTENT_TYPE)
    return _attachment(_open(response), export.file_name(report, export.DICTIONARY))


def _published_table(code, year):
    report = public_report(code, year)
    if not Publication.objects.filter(report=report, table_published_at__isnull=False).exists():
        raise Http404
    return comparison.table(report)


@require_safe
def public_comparison_docx(request, code, year):
    table = _published_table(code, year)
    response = _open(HttpResponse(comparison_docx(table), content_type=DOCX_CONTENT_TYPE))
    return _attachment(response, file_name(table, "docx"))


@require_safe
def public_comparison_xlsx(request, code, year):
    table = _published_table(code, year)
    response = _open(HttpResponse(comparison_xlsx(table), content_type=XLSX_CONTENT_TYPE))
    return _attachment(response, file_name(table, "xlsx"))
