"""The read-only API, /api/v1/ (django-ninja): routes, refusals, and the one way every endpoint
answers (`answer`: ETag, 304, cached body).

Every endpoint is a GET, audited (``callers.audited``), rate-limited and scoped to its caller
(``callers.Bearer``); what a caller may read is ``reads``' answer, the shapes are ``schemas``'.
An answer's ETag names everything it depends on: the data version of the reports it reads
(``indicators.versions``, read before the data), which reports the caller may open, the query,
the caller's scope, the day, the language and the code. So an unchanged answer costs a few
queries and a 304, and an approval anywhere in the report gives a new ETag at once. The body of
each ETag is kept in the cache: another call with the same scope reads it without the data.
"""

import functools
import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, Throttled, ValidationError

from indicators import cached

from . import reads, schemas
from .callers import Bearer, audited, error, public, too_many

logger = logging.getLogger(__name__)

DESCRIPTION = """县政府工作报告目标任务的只读接口。

- 令牌：登录后在“接口令牌”页面（/api/tokens/）创建，请求头写
  `Authorization: Bearer <令牌>`。令牌只能读取其用户可见的数据。
- 不带令牌：只能读取已开启公开页面的地区、已公开月份的已审核数据（与公开页面相同）。
- 列表分页（`limit` 至多 1000，`offset`），返回总数 `count`。
- 每个回答带 `ETag`；带 `If-None-Match` 再请求，未变化时回答 304。
- 超过频率限制回答 429，`Retry-After` 为需等待的秒数。每次调用都记入安全审计日志。
- 数值为 JSON 数字，单位同目标；完成率、序时进度为小数（1 = 100%）。
"""

api = NinjaAPI(
    title="County Targets API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/schema/",
    docs_url=None,  # the page would load Swagger UI's scripts: the schema is the document
    docs_decorator=public,
    auth=Bearer(),
)

# What each endpoint may answer besides its page (documented in the schema).
REFUSALS = {
    304: None,
    400: schemas.Error,
    401: schemas.Error,
    403: schemas.Error,
    404: schemas.Error,
    422: schemas.Error,
    429: schemas.Error,
}


def endpoint(path, schema, name, summary, *, public=True):
    """A GET endpoint answering ``schema``, named ``name``, audited on every call; ``public``:
    a call without a token is answered too (with the public data)."""

    def register(view):
        audited_view = decorate_view(audited)(view)
        return api.get(
            path,
            response={200: schema, **REFUSALS},
            url_name=name,
            operation_id=name,
            summary=summary,
            openapi_extra={"security": [{"Bearer": []}, {}]} if public else None,
        )(audited_view)

    return register


# --- Refusals ------------------------------------------------------------------------------------


@api.exception_handler(Http404)
def not_found(request, exc):
    return error(404, _("未找到。"))


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return error(403, _("无权查看：填报员只能查看本单位牵头的目标任务。"))


@api.exception_handler(AuthenticationError)
def unauthorised(request, exc):
    return error(
        401,
        _("访问令牌无效、已过期或已撤销，或其用户已停用。"),
        WWW_Authenticate='Bearer realm="api"',
    )


@api.exception_handler(Throttled)
def throttled(request, exc):
    return too_many(exc.wait or 1)


# How a bad parameter is worded, by pydantic's error type (others keep pydantic's own words).
PROBLEMS = {
    "less_than_equal": lambda ctx: _("不能大于%(limit)s") % {"limit": ctx.get("le")},
    "greater_than_equal": lambda ctx: _("不能小于%(limit)s") % {"limit": ctx.get("ge")},
    "int_parsing": lambda ctx: _("应为整数"),
    "int_type": lambda ctx: _("应为整数"),
}


@api.exception_handler(ValidationError)
def invalid(request, exc):
    problems = []
    for problem in exc.errors:
        name = ".".join(str(part) for part in problem["loc"][1:]) or str(problem["loc"][0])
        words = PROBLEMS.get(problem["type"])
        problems.append(f"{name} {words(problem.get('ctx', {})) if words else problem['msg']}")
    return error(422, _("参数有误：%(problems)s。") % {"problems": "；".join(problems)})


@api.exception_handler(reads.Refusal)
def refused(request, exc):
    headers = {"WWW_Authenticate": 'Bearer realm="api"'} if exc.status == 401 else {}
    return error(exc.status, exc.detail, **headers)


# --- The answer ----------------------------------------------------------------------------------

CODE_FOLDERS = ("api", "opendata")


@functools.cache
def fingerprint():
    """A digest of this app's and the public rule's code: a deploy changes every ETag."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in CODE_FOLDERS:
        for path in sorted((Path(settings.BASE_DIR) / folder).glob("*.py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def answer(request, name, schema, reports, query, make):
    """The response of endpoint ``name`` to ``request``: 304 when ``If-None-Match`` holds its
    ETag, else ``make()`` checked against ``schema`` and written as JSON (or its body from the
    cache). ``reports``: every report the answer reads or lists; ``query``: the validated
    parameters. The version is read here, before ``make`` reads the data."""
    caller = request.auth
    parts = [caller.scope, sorted(r.pk for r in reports), query, fingerprint()]
    key = cached.cache_key(f"api-{name}", reports, parts)
    etag = f'"{key.rsplit(":", 1)[1]}"'
    offered = parse_etags(request.headers.get("If-None-Match", ""))
    if etag in offered or f"W/{etag}" in offered or "*" in offered:
        return headed(HttpResponseNotModified(), etag)
    body = stored(key)
    if body is None:
        body = schema.model_validate(make()).model_dump_json()
        store(key, body)
    return headed(HttpResponse(body, content_type="application/json"), etag)


def headed(response, etag):
    response["ETag"] = etag
    # Any cache must ask again each time (the 304 is cheap), and never share a token's answer.
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization"
    return response


def stored(key):
    try:
        return cache.get(key)
    except Exception:  # a cache outage: the answer is made, never refused
        logger.warning("API cache unavailable (get)", exc_info=True)
        return None


def store(key, body):
    try:
        cache.set(key, body, settings.DASHBOARD_CACHE_SECONDS)
    except Exception:  # as above: the answer is already made
        logger.warning("API cache unavailable (set)", exc_info=True)


def listing(request, name, schema, reports, query, rows):
    """`answer` for a page of what ``rows()`` gives: a list of rows, or (a list or a queryset,
    the function making each row)."""

    def make():
        found = rows()
        source, row = found if isinstance(found, tuple) else (found, None)
        return reads.page(source, query, row)

    return answer(request, name, schema, reports, query, make)


# --- Endpoints -----------------------------------------------------------------------------------


@endpoint("/regions/", schemas.RegionPage, "regions", "地区列表")
def regions(request, query: Query[schemas.Paging]):
    caller = request.auth
    shown = reads.reports(caller)
    rows = functools.partial(reads.regions, caller)
    return listing(request, "regions", schemas.RegionPage, shown, query, rows)


@endpoint("/regions/{int:pk}/", schemas.Region, "region", "一个地区")
def region(request, pk: int):
    caller = request.auth
    shown = reads.reports(caller)
    make = lambda: reads.one(reads.regions(caller), pk)  # noqa: E731
    return answer(request, "region", schemas.Region, shown, pk, make)


@endpoint("/reports/", schemas.ReportPage, "reports", "工作报告列表")
def reports(request, query: Query[schemas.Paging]):
    caller = request.auth
    shown = reads.reports(caller)
    rows = functools.partial(reads.report_rows, caller, shown)
    return listing(request, "reports", schemas.ReportPage, shown, query, rows)


@endpoint("/reports/{int:pk}/", schemas.Report, "report", "一份工作报告")
def report(request, pk: int):
    caller = request.auth
    shown = reads.one_report(caller, pk)
    make = lambda: reads.report_rows(caller, [shown])[0]  # noqa: E731
    return answer(request, "report", schemas.Report, [shown], pk, make)


@endpoint("/sections/", schemas.SectionPage, "sections", "板块列表")
def sections(request, query: Query[schemas.SectionQuery]):
    caller = request.auth
    chosen = reads.report(caller, query.report)
    rows = functools.partial(reads.sections, caller, chosen)
    return listing(request, "sections", schemas.SectionPage, [chosen], query, rows)


@endpoint("/sections/{int:pk}/", schemas.Section, "section", "一个板块")
def section(request, pk: int):
    caller = request.auth
    chosen = reads.section_report(caller, pk)
    make = lambda: reads.one(reads.sections(caller, chosen), pk)  # noqa: E731
    return answer(request, "section", schemas.Section, [chosen], pk, make)


@endpoint("/targets/", schemas.TargetPage, "targets", "目标任务列表")
def targets(request, query: Query[schemas.TargetQuery]):
    caller = request.auth
    chosen = reads.report(caller, query.report)

    def rows():
        reads.check_section(caller, chosen, query.section)
        return reads.targets(caller, chosen, query.section)

    return listing(request, "targets", schemas.TargetPage, [chosen], query, rows)


@endpoint("/targets/{int:pk}/", schemas.Target, "target", "一项目标任务")
def target(request, pk: int):
    caller = request.auth
    chosen = reads.target_report(caller, pk)
    make = functools.partial(reads.target, caller, chosen, pk)
    return answer(request, "target", schemas.Target, [chosen], pk, make)


@endpoint("/values/", schemas.ValuePage, "values", "已审核的月度数据")
def values(request, query: Query[schemas.ValueQuery]):
    caller = request.auth
    chosen = reads.report(caller, query.report)
    rows = functools.partial(reads.values, caller, chosen, query)
    return listing(request, "values", schemas.ValuePage, [chosen], query, rows)


@endpoint("/statuses/", schemas.StatusPage, "statuses", "进度状态")
def statuses(request, query: Query[schemas.StandingQuery]):
    caller = request.auth
    chosen = reads.report(caller, query.report)
    rows = functools.partial(reads.statuses, caller, chosen, query)
    return listing(request, "statuses", schemas.StatusPage, [chosen], query, rows)


@endpoint("/forecasts/", schemas.ForecastPage, "forecasts", "年底预计", public=False)
def forecasts(request, query: Query[schemas.StandingQuery]):
    caller = request.auth
    reads.require_token(caller)
    chosen = reads.report(caller, query.report)
    rows = functools.partial(reads.forecasts, caller, chosen, query)
    return listing(request, "forecasts", schemas.ForecastPage, [chosen], query, rows)
