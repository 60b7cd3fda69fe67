"""/regions/: a city's (or province's) view of the regions under it, for a year and month."""

from io import BytesIO

import django_tables2 as tables
from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig

from indicators import access, charts, progress
from indicators.access import dashboard_required
from indicators.models import MONTHS, Region, Report
from indicators.numbers import percent
from indicators.periods import default_month
from indicators.tables import NUM, BaseTable
from indicators.xlsx import xlsx_response
from reporting import regions


class RegionPeriodForm(forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.none(), required=False)
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
    month = forms.TypedChoiceField(choices=MONTHS, coerce=int, required=False, empty_value=None)
    compare = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = parents


def parents_for(user):
    """Regions with regions under them that ``user`` may open."""
    parents = Region.objects.filter(children__isnull=False).distinct().order_by("code", "name")
    visible = access.visible_regions(user)
    return parents if visible is None else parents.filter(pk__in=visible)


def _choose(request):
    """(parent region, year, month, compare) the page asks for; 404 for a region not visible."""
    user = request.user
    parents = parents_for(user)
    form = RegionPeriodForm(request.GET, parents=parents)
    if not form.is_valid():
        raise Http404("no such region")
    chosen = form.cleaned_data
    home = access.home_region_id(user)
    parent = (
        chosen["region"]
        or parents.filter(pk=home).first()
        or (parents.first() if user.is_superuser else None)
    )
    years = (
        sorted(
            set(
                Report.objects.published()
                .filter(region__parent=parent)
                .values_list("year", flat=True)
            ),
            reverse=True,
        )
        if parent
        else []
    )
    year = chosen["year"] if chosen["year"] in years else (years[0] if years else None)
    today = timezone.localdate()
    month = chosen["month"] or (default_month(Report(year=year), today) if year else today.month)
    return parent, parents, years, year, month, chosen["compare"]


class RegionTable(BaseTable):
    region = tables.Column(
        verbose_name=_("地区"), orderable=False, attrs={"td": {"class": "nowrap"}}
    )
    total = tables.Column(verbose_name=_("目标数"), attrs=NUM, orderable=False)
    done = tables.Column(verbose_name=progress.STATUS_LABELS[progress.DONE], attrs=NUM)
    on_track = tables.Column(verbose_name=progress.STATUS_LABELS[progress.ON_TRACK], attrs=NUM)
    behind = tables.Column(verbose_name=progress.STATUS_LABELS[progress.BEHIND], attrs=NUM)
    far_behind = tables.Column(verbose_name=progress.STATUS_LABELS[progress.FAR_BEHIND], attrs=NUM)
    no_data = tables.Column(verbose_name=progress.STATUS_LABELS[progress.NO_DATA], attrs=NUM)
    share = tables.Column(verbose_name=_("已完成或达到序时进度"), attrs=NUM)
    on_time = tables.Column(verbose_name=_("按时报送的单位"), attrs=NUM)

    class Meta(BaseTable.Meta):
        row_attrs = {"data-region": lambda record: record["region_name"]}
        empty_text = _("所辖地区还没有这一年的工作报告。")

    def render_region(self, value, record):
        return format_html('<a href="{}">{}</a>', record["url"], value)

    def render_share(self, value):
        return percent(value)

    def render_on_time(self, value):
        return percent(value)


def table_rows(rows, month):
    return [
        {
            "region": row.region.name,
            "region_name": row.region.name,
            "url": f"{reverse('reporting:home')}?report={row.report.pk}&month={month}",
            "total": row.summary.total,
            **{status: row.summary.counts[status] for status in progress.STATUSES},
            "share": row.summary.share_on_track,
            "on_time": row.on_time_share,
        }
        for row in rows
    ]


@dashboard_required
def region_list(request):
    parent, parents, years, year, month, compare = _choose(request)
    rows, standings = regions.county_rows(parent, year, month) if parent and year else ([], {})
    table = RegionTable(table_rows(rows, month))
    RequestConfig(request, paginate=False).configure(table)
    shared = regions.shared_targets(standings)
    compare = compare if compare in shared else (shared[0] if shared else "")
    comparison = None
    if compare:
        names, values, marks, unit, limit = regions.compared(rows, standings, compare)
        comparison = charts.embed(
            "chart-compare",
            charts.region_comparison(names, values, marks, unit=unit, target=limit),
        )
    context = {
        "parent": parent,
        "parents": parents,
        "years": years,
        "year": year,
        "month": month,
        "months": range(1, 13),
        "rows": rows,
        "table": table,
        "chart": charts.embed(
            "chart-regions",
            charts.status_stacks([r.region.name for r in rows], [r.summary.counts for r in rows]),
        )
        if rows
        else None,
        "shared": shared,
        "compare": compare,
        "comparison": comparison,
    }
    return render(request, "reporting/regions.html", context)


@dashboard_required
def region_workbook(request):
    parent, _parents, _years, year, month, _compare = _choose(request)
    if parent is None or year is None:
        raise Http404("no regions")
    rows, _standings = regions.county_rows(parent, year, month)
    buffer = BytesIO()
    regions.write_regions(parent, year, month, rows, buffer)
    name = gettext("%(city)s%(year)s年各地区目标任务对比（截至%(month)s底）.xlsx") % {
        "city": parent.name,
        "year": year,
        "month": progress.month_label(month),
    }
    return xlsx_response(buffer.getvalue(), name)
