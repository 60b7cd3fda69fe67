"""The audit page's filters: who, what, from and to which day, where."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .log import region_model
from .models import Action, AuditRecord


class AuditFilter(django_filters.FilterSet):
    who = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="icontains", label=_("操作人（登录名）")
    )
    action = django_filters.ChoiceFilter(
        choices=Action.choices, label=_("事件"), empty_label=_("全部")
    )
    start = django_filters.DateFilter(
        field_name="time",
        lookup_expr="date__gte",
        label=_("起始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = django_filters.DateFilter(
        field_name="time",
        lookup_expr="date__lte",
        label=_("截止日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=None, method="in_region", label=_("地区"), empty_label=_("全部")
    )

    class Meta:
        model = AuditRecord
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = region_model().objects.all()

    def in_region(self, queryset, name, value):
        return queryset.filter(region_id=value.pk)
