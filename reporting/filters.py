"""Filters for the dashboards' target lists."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators import forecast, progress
from indicators.models import Department, Indicator, Kind
from reporting.standing import judged


class IndicatorFilter(django_filters.FilterSet):
    """Department, kind and text narrow the query; status and forecast are judged in Python, so
    they are applied to the judged list by ``judged()`` rather than in SQL."""

    q = django_filters.CharFilter(method="search", label=_("编号或名称"))
    status = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=list(progress.STATUS_LABELS.items()),
        empty_label=_("全部"),
        method="judged_later",
    )
    forecast = django_filters.ChoiceFilter(
        label=_("预计"),
        choices=list(forecast.VERDICT_LABELS.items()),
        empty_label=_("全部"),
        method="judged_later",
    )
    department = django_filters.ModelChoiceFilter(
        label=_("牵头单位"),
        field_name="lead_department",
        queryset=Department.objects.all(),
        empty_label=_("全部"),
    )
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=Kind.choices, empty_label=_("全部"))

    class Meta:
        model = Indicator
        fields = ()

    def __init__(self, data=None, queryset=None, *, report, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["department"].queryset = Department.objects.filter(region=report.region_id)

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def judged_later(self, queryset, name, value):
        return queryset

    def judged(self, report, month):
        """The filtered targets of ``report``, each judged as of ``month`` (``.progress``,
        ``.forecast``)."""
        indicators = judged(report, month, self.qs)
        chosen = self.form.cleaned_data if self.form.is_valid() else {}
        if chosen.get("status"):
            indicators = [i for i in indicators if i.progress.status == chosen["status"]]
        if chosen.get("forecast"):
            indicators = [i for i in indicators if i.forecast.verdict == chosen["forecast"]]
        return indicators
