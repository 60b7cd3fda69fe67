"""The public pages, served ahead of most of the middleware.

They read nothing the session, authentication, CSRF, messages, the audit log, django-axes or the
history middleware give a request: no login, no form, no cookie but the language. Served here,
after the request log, the security headers and the static files, a cached page costs about what
/healthz costs (issue 21 asks at least 0.8 of its throughput), and a logged-in official reading
it touches no session either.

What those middleware would still have done for these pages is done here with the same classes:
the language from the ``django_language`` cookie (``LanguageMiddleware``, which also adds
``Vary: Cookie``), ``X-Frame-Options`` (Django's), the host check of ALLOWED_HOSTS and the
``Content-Length`` (CommonMiddleware's). The views
set their own Content-Security-Policy and mark their answers public for the audit log. Any other
path, and a path under /public/ that is no public page, goes through the whole stack as before.
"""

from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.urls import Resolver404, resolve

from county_targets.middleware import LanguageMiddleware

from . import public_views

PUBLIC_VIEWS = {public_views.public_page, public_views.public_section_csv}


def public_view(request):
    """The public page ``request`` asks for, as a ``ResolverMatch``, or None."""
    if not request.path_info.startswith(public_views.PUBLIC_PREFIX):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match if match.func in PUBLIC_VIEWS else None


class PublicPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.language = LanguageMiddleware(get_response)
        self.frames = XFrameOptionsMiddleware(get_response)

    def __call__(self, request):
        match = public_view(request)
        if match is None:
            return self.get_response(request)
        request.get_host()  # DisallowedHost (400) for a host not allowed, as CommonMiddleware
        self.language.process_request(request)
        response = match.func(request, *match.args, **match.kwargs)
        response = self.language.process_response(request, response)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware
        return self.frames.process_response(request, response)
