"""What every request passes through: the request log, the interface language, and the forced
password change (after an initial password, or once a password has expired).

The request log writes one JSON line per request on stdout (settings.LOGGING): request id,
user, method, path, status and duration. The id comes from nginx's X-Request-ID when it sends
one, else it is made here; it goes back in the response's X-Request-ID header and onto every
other line logged while the request runs, so a 500's traceback can be found from what a user
reports.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from urllib.parse import urlencode as urlencode_pairs

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

log = logging.getLogger("county_targets.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from outside as a request id: short and plain, so it cannot forge log lines.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id = contextvars.ContextVar("request_id", default="")


def client_ip(request):
    """The address a request came from: nginx's X-Real-IP behind a proxy (settings.BEHIND_PROXY),
    else the socket's. Used by django-axes to count failed logins per address."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


# Query parameters whose values are secrets (a password, a session or CSRF key, a token, a
# signature, a robot's URL): never written to a log, whatever page receives them.
SENSITIVE_PARAMETER = re.compile(
    r"pass|secret|token|key|session|csrf|sign|auth|webhook|url|code", re.IGNORECASE
)


def safe_query(request, limit=500):
    """The request's query string with every secret-looking value (by its name, or a value
    that is itself a URL) replaced by ***: what the request log and the audit log may keep."""
    pairs = [
        (name, "***" if SENSITIVE_PARAMETER.search(name) or "://" in value else value)
        for name, values in request.GET.lists()
        for value in values
    ]
    return urlencode_pairs(pairs)[:limit]


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _ACCEPTED_ID.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            user = getattr(request, "user", None)
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    # Never the body (passwords), never cookies (the session key); the query
                    # string only with its secrets masked.
                    "query": safe_query(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": user.get_username() if user and user.is_authenticated else "",
                },
            )
            return response
        finally:
            _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, the request id, and the
    request log's own fields."""

    FIELDS = ("method", "path", "query", "status", "duration_ms", "user")

    def format(self, record):
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or _request_id.get()
        if request_id:
            line["request_id"] = request_id
        for name in self.FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class LanguageMiddleware(LocaleMiddleware):
    """The interface language: the one chosen with the header's switch (Django's
    ``django_language`` cookie, set by /i18n/setlang/), else LANGUAGE_CODE (Chinese).

    Django's own LocaleMiddleware would also follow the browser's Accept-Language, so an office
    computer with an English Windows would show English pages nobody asked for; here only the
    person's choice counts."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen or "")
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        # The page depends on the cookie alone, never on Accept-Language.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


# Pages a user who must change their password may still open.
PASSWORD_CHANGE_EXEMPT = ("password_change", "logout", "healthz")


class PasswordChangeRequiredMiddleware:
    """An account given an initial password by the office (``User.must_change_password``), or
    whose password has expired (``request.password_expired``, set before by
    accounts.sessions.SessionLimitsMiddleware from the security policy), sees only the password
    change page until the person sets a new password of their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and (
            user.must_change_password or getattr(request, "password_expired", False)
        ):
            exempt = [reverse(name) for name in PASSWORD_CHANGE_EXEMPT]
            if request.path not in exempt and not request.path.startswith(settings.STATIC_URL):
                next_page = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('password_change')}?{next_page}")
        return self.get_response(request)
