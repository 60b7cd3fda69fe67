"""The in-app inbox: the bell in the header (a context processor) and marking notices read.

Notices are written only by the messages of ``supervision.reminders`` (reminders, escalation,
slips); a person reads and marks their own, nobody else's.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators import access
from reporting.navigation import chosen_report_id, keeping_report

from .models import Notice


def cycle_links(user, report_id=None):
    """The header's links to the supervision cycle, for those who may open them, keeping the
    report chosen on the page (``report_id``)."""
    links = []
    if access.can_read_dashboards(user) or user.is_reporter:
        links.append((_("督办"), keeping_report(reverse("supervision:slips"), report_id)))
    if access.can_read_dashboards(user):
        links.append((_("通报"), keeping_report(reverse("supervision:bulletins"), report_id)))
    if access.can_review(user):
        links.append((_("核实"), keeping_report(reverse("supervision:verifications"), report_id)))
    return links


def bell(request):
    """Context processor: how many unread notices the signed-in user has (one query), and the
    header's links to slips and bulletins."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notices": Notice.objects.filter(user=user).unread().count(),
        "cycle_links": cycle_links(user, chosen_report_id(request)),
    }


def mark_read(user, notices):
    """Mark ``user``'s own notices among ``notices`` read; returns how many changed."""
    return notices.filter(user=user).unread().update(read_at=timezone.now())
