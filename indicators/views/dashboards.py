from itertools import groupby

from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import render

from indicators import progress
from indicators.access import dashboard_required
from indicators.models import Indicator, Report
from indicators.periods import resolve_period


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def section_summaries(indicators):
    """(section, summary, indicators) for each section, in report order."""
    rows = []
    for section, members in groupby(indicators, key=lambda i: i.section):
        members = list(members)
        rows.append((section, progress.summarise(i.progress for i in members), members))
    return rows


@dashboard_required
def overview(request):
    period = resolve_period(request)
    indicators = Indicator.objects.for_dashboard(period.report, period.month)
    context = {
        "period": period,
        "reports": Report.objects.latest_first(),
        "months": range(1, 13),
        "summary": progress.summarise(i.progress for i in indicators),
        "sections": section_summaries(indicators),
        "indicators": indicators,
    }
    return render(request, "indicators/overview.html", context)


def _todo(*args, **kwargs):
    raise Http404("not built yet")


section_detail = indicator_detail = department_list = department_detail = screen = _todo
