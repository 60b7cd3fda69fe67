"""Who may see and change what. Views call these; templates only hide what views already lock.

- leaders read every dashboard and change nothing;
- reviewers (督查室) and superusers read everything, review entries and lock months;
- reporters read and change only what their own department leads.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404


def can_read_dashboards(user):
    return user.is_authenticated and (user.is_superuser or user.is_reviewer or user.is_leader)


def can_review(user):
    return user.is_authenticated and user.is_reviewer


def owns(user, department_id):
    """A reporter owns their own department's rows; nobody else owns rows through this rule."""
    return user.is_reporter and user.department_id == department_id


def can_read_department(user, department_id):
    return can_read_dashboards(user) or owns(user, department_id)


def dashboard_required(view):
    """Leaders, reviewers and superusers only: a reporter is refused (403), anonymous to login."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not can_read_dashboards(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def reviewer_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not can_review(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def reporter_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_reporter:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def get_indicator_for_reader(user, queryset, pk):
    """The indicator if this user may read it: 404 if it does not exist, 403 if not theirs."""
    indicator = get_object_or_404(queryset, pk=pk)
    if not can_read_department(user, indicator.lead_department_id):
        raise PermissionDenied
    return indicator


def indicators_owned_by(user, queryset):
    """The part of ``queryset`` (indicators) this reporter may report on."""
    if not user.is_reporter:
        return queryset.none()
    return queryset.filter(lead_department_id=user.department_id)
