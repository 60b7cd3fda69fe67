"""Views' gates on who may open them: one decorator factory for every app.

`requires` ``(test)`` makes a decorator: anonymous visitors are sent to log in, a signed-in
person for whom ``test(user)`` is false is refused (403). ``indicators.access`` builds the
business pages' decorators from it (``dashboard_required``…), ``accounts.views`` the security
page's.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def requires(test):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
