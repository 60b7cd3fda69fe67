"""The 审计管理员's page: the audit log, filtered, and its Excel export. Read only: opening
the page changes nothing (the export, a download, is itself recorded by the middleware)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from accounts import roles
from indicators.xlsx import xlsx_response

from .export import records_bytes
from .filters import AuditFilter
from .models import AuditRecord
from .tables import AuditTable

PER_PAGE = 50
# The table's own parameters, which the export does not take.
TABLE_PARAMETERS = ("page", "sort")


def auditor_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not roles.can_read_audit(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _filtered(request):
    return AuditFilter(request.GET, queryset=AuditRecord.objects.all())


def _render(request, filterset, status=200):
    table = AuditTable(filterset.qs if filterset.is_valid() else AuditRecord.objects.none())
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    query = request.GET.copy()
    for name in TABLE_PARAMETERS:
        query.pop(name, None)
    context = {"filter": filterset, "table": table, "export_query": query.urlencode()}
    return render(request, "audit/records.html", context, status=status)


@auditor_required
def records(request):
    filterset = _filtered(request)
    return _render(request, filterset, status=200 if filterset.is_valid() else 400)


@auditor_required
def export(request):
    filterset = _filtered(request)
    if not filterset.is_valid():
        return _render(request, filterset, status=400)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = _("安全审计记录-%(stamp)s.xlsx") % {"stamp": stamp}
    return xlsx_response(records_bytes(filterset.qs.order_by("id")), name)
