"""Who calls the API, how often, and the audit record of every call.

- `Bearer` (the API's authentication): ``Authorization: Bearer <token>`` names a person's token
  (``tokens.authenticate``), and the call reads what that person may read; no header at all is
  the public, which reads what ``opendata.published`` allows. A header naming no live token
  answers 401. The site's session cookie is not an API credential: a browser signed in to the
  site calls the API as the public.
- `spend`: each token, and each address calling without one, may make so many calls a minute
  (``API_TOKEN_RATE``, ``API_ANONYMOUS_RATE``), counted in Django's cache by an atomic
  increment (shared by every process and server with Redis); past that a call answers 429 with
  ``Retry-After``. A cache outage lets calls through rather than refusing them all.
- `audited`: every call, whatever its answer (200, 304, 401, 404, 429…), is one ``API_CALL``
  record in the security audit log: the path, the query (secrets masked), the status and the
  token's prefix.
"""

import functools
import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import Throttled
from ninja.security import HttpBearer

from audit import log
from audit.models import Action
from county_targets.middleware import client_ip, safe_query

from . import tokens

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60
WRITER = threading.Lock()
# Chinese as it is, not as \u escapes.
JSON = {"ensure_ascii": False}


@dataclass(frozen=True)
class Caller:
    """Who a call is for: a token's user, or the public (``user`` None) at ``address``."""

    user: object = None
    token: object = None
    address: str = ""

    @property
    def is_public(self):
        return self.user is None

    @property
    def rate_key(self):
        return f"token-{self.token.pk}" if self.token else f"address-{self.address}"

    @property
    def rate(self):
        return settings.API_TOKEN_RATE if self.token else settings.API_ANONYMOUS_RATE

    @property
    def scope(self):
        """Everything the access rule reads of the person, as text: two callers with the same
        scope read the same rows, so an answer's ETag and cache entry may be shared by them."""
        if self.is_public:
            return "public"
        user = self.user
        roles = (user.is_superuser, user.is_reviewer, user.is_leader, user.is_reporter)
        return f"user-{user.pk}-{user.region_id}-{user.department_id}-{roles}"


class Bearer(HttpBearer):
    """A person's token in ``Authorization: Bearer <token>``, or no header: the public."""

    def __call__(self, request):
        # The session's user is never the caller: the token's, or nobody's.
        request.user = AnonymousUser()
        if "Authorization" not in request.headers:
            caller = Caller(address=client_ip(request) or "")
        else:
            caller = super().__call__(request)
            if caller is None:
                return None
        spend(caller)
        return caller

    def authenticate(self, request, token):
        request.api_token_tried = token[: tokens.PREFIX_LENGTH]
        found = tokens.authenticate(token)
        if found is None:
            return None
        request.user = found.user
        return Caller(user=found.user, token=found, address=client_ip(request) or "")


def spend(caller):
    """Count one call of ``caller`` in this minute's window; raise `Throttled` (429) past its
    rate, with the seconds until the window turns."""
    now = time.time()
    start = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
    key = f"api-rate:{caller.rate_key}:{start}"
    try:
        cache.add(key, 0, WINDOW_SECONDS + 5)
        used = cache.incr(key)
    except ValueError:  # the entry went between add and incr (evicted): a fresh window
        cache.set(key, 1, WINDOW_SECONDS + 5)
        used = 1
    except Exception:  # a cache outage must not take the API down
        logger.warning("API rate limit unavailable", exc_info=True)
        return
    if used > caller.rate:
        raise Throttled(wait=max(1, math.ceil(start + WINDOW_SECONDS - now)))


def error(status, detail, **headers):
    """A refusal as the API words it: ``{"detail": "..."}`` with ``status``."""
    response = JsonResponse({"detail": str(detail)}, status=status, json_dumps_params=JSON)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def too_many(wait):
    return error(
        429,
        _("请求过于频繁，请%(seconds)s秒后再试。") % {"seconds": wait},
        Retry_After=str(wait),
    )


def audited(run):
    """Wrap an API view (an operation's ``run``) so that each call leaves its audit record."""

    @functools.wraps(run)
    def call(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        caller = getattr(request, "auth", None)
        token = caller.token.prefix if caller is not None and caller.token else ""
        tried = getattr(request, "api_token_tried", "")
        if not token and tried:
            # A refused token: its prefix if it looks like one of ours, never anything longer.
            token = tried if tried.startswith(tokens.SCHEME) else "***"
        detail = {
            "method": request.method,
            "path": request.path[:500],
            "query": safe_query(request),
            "status": response.status_code,
            "token": token,
        }
        user = caller.user if caller is not None else None
        # The calls of this process queue here for the chain's one writer, rather than in the
        # database's lock (where SQLite's busy handler polls with sleeps of up to 100 ms). No
        # holder of this lock holds a database lock yet: none waits for the other.
        with WRITER:
            log.record(Action.API_CALL, request=request, user=user, detail=detail)
        # One record a call: the audit middleware does not add a refusal for the same 404.
        request.audit_recorded = True
        return response

    return call


def public(view):
    """The schema view: called as the public (rate-limited by address) and audited."""

    @audited
    @functools.wraps(view)
    def call(request, *args, **kwargs):
        request.user = AnonymousUser()
        caller = Caller(address=client_ip(request) or "")
        try:
            spend(caller)
        except Throttled as refused:
            return too_many(refused.wait)
        request.auth = caller
        return view(request, *args, **kwargs)

    return call
