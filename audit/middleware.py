"""Refusals and downloads, recorded from the response: one rule for every page.

- A refusal: any 403, and a 404 on a URL that names an object (a number in the path, or
  ``?report=``), since refusals about another region's object answer 404.
- A download: any successful response that carries a file (``Content-Disposition``): the
  summary, the 通报, evidence, templates, the users' initial passwords, the audit export.

What anyone may read without a login is never recorded: the public progress page and its CSV
files (marked `public` by their view), and everything an anonymous visitor reads under
``/public/`` (the open data, the published 对照表, their 404s). It refuses nothing private and
hands out nothing private, and recording it would let anyone write to the audit log at will and
queue every writer behind its lock.

Ordinary pages pass through without a query.
A view that records each request itself (the API, ``api.callers.audited``) marks it, and
gets no second record here.
"""

import re

from django.utils.http import parse_header_parameters

from county_targets.middleware import safe_query

from .log import record
from .models import Action

PUBLIC_PREFIX = "/public/"
NAMES_AN_OBJECT = re.compile(r"/\d+(?:[/.]|$)")
# Query parameters that name an object by its id (?report=3, /slips/new/?indicator=12).
OBJECT_PARAMETERS = ("report", "indicator", "department", "project")


def names_an_object(request):
    return bool(NAMES_AN_OBJECT.search(request.path)) or any(
        name in request.GET for name in OBJECT_PARAMETERS
    )


def attachment_name(response):
    _kind, parameters = parse_header_parameters(response.get("Content-Disposition", ""))
    return parameters.get("filename", "")


def public(response):
    """Mark ``response`` as what anyone may read (neither a refusal nor a download to record)."""
    response.audit_public = True
    return response


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "audit_recorded", False):
            return response  # the view kept its own record of this request (an API call)
        if getattr(response, "audit_public", False) or (
            request.path.startswith(PUBLIC_PREFIX) and not request.user.is_authenticated
        ):
            return response
        status = response.status_code
        if status == 403 or (status == 404 and names_an_object(request)):
            record(Action.REFUSED, request=request, detail=self._where(request, status))
        elif 200 <= status < 300 and response.has_header("Content-Disposition"):
            detail = {
                **self._where(request, status),
                "file": attachment_name(response),
                "content_type": response.get("Content-Type", ""),
            }
            record(Action.DOWNLOAD, request=request, detail=detail)
        return response

    def _where(self, request, status):
        return {
            "status": status,
            "method": request.method,
            "path": request.path[:500],
            "query": safe_query(request),
        }
