"""The slips of a target or a department, for their pages (one query)."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from indicators import access

from .. import slips
from ..models import Slip

register = template.Library()


@register.inclusion_tag("supervision/_slips_card.html", takes_context=True)
def slips_card(context, indicator=None, department=None, report=None, month=None):
    """A card listing the slips of ``indicator`` (or ``department`` in ``report``), with a link
    to issue one for the office."""
    user = context["request"].user
    found = slips.visible_slips(user)
    if indicator is not None:
        found, report = found.filter(indicator=indicator.pk), indicator.report
        params = {"indicator": indicator.pk, "month": month}
    else:
        found = found.filter(department=department.pk, report=report)
        params = {"department": department.pk, "report": report.pk, "month": month}
    rows = slips.with_colours(list(found.order_by("-issued_at")[:30]))
    rows.sort(key=lambda s: (s.state == Slip.State.CLOSED, -s.pk))
    issue_url = None
    if access.can_supervise(user, report):
        issue_url = f"{reverse('supervision:slip-new')}?{urlencode(params)}"
    return {"slips": rows, "issue_url": issue_url}
