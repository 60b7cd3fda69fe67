"""Filters of the project list. Besides the obvious ones (category, stage, department...), the
month filters select the projects behind each register-derived number (`register.list_url`)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.models import MONTHS, Department

from . import register
from .models import BuildType, Category, Project, Stage

YES_NO = [("true", _("是")), ("false", _("否"))]


class MonthFilter(django_filters.ChoiceFilter):
    """A month of the report's year (1–12); the filter method gets the month's last day."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", MONTHS)
        kwargs.setdefault("empty_label", _("不限"))
        super().__init__(*args, **kwargs)


class ProjectFilter(django_filters.FilterSet):
    """Filters over ``Project.objects.as_of``; ``report`` gives the year the month filters mean."""

    q = django_filters.CharFilter(method="filter_text", label=_("名称或编号"))
    category = django_filters.ChoiceFilter(
        choices=Category.choices, label=_("类别"), empty_label=_("全部")
    )
    build_type = django_filters.ChoiceFilter(
        choices=BuildType.choices, label=_("建设性质"), empty_label=_("全部")
    )
    stage = django_filters.ChoiceFilter(
        field_name="stage_then", choices=Stage.choices, label=_("项目阶段"), empty_label=_("全部")
    )
    programme = django_filters.ChoiceFilter(label=_("所属工程"), empty_label=_("全部"))
    department = django_filters.ModelChoiceFilter(
        field_name="lead_department",
        queryset=Department.objects.all(),
        label=_("牵头单位"),
        empty_label=_("全部"),
    )
    promoted = django_filters.ChoiceFilter(
        field_name="is_promoted",
        choices=YES_NO,
        method="filter_yes_no",
        label=_("招商引资项目"),
        empty_label=_("全部"),
    )
    late = django_filters.ChoiceFilter(
        field_name="is_late",
        choices=YES_NO,
        method="filter_yes_no",
        label=_("逾期未报送"),
        empty_label=_("全部"),
    )
    started_by = MonthFilter(method="filter_started_by", label=_("截至该月底已开工"))
    started_in_year_by = MonthFilter(method="filter_started_in_year_by", label=_("本年开工至"))
    completed_in_year_by = MonthFilter(method="filter_completed_in_year_by", label=_("本年竣工至"))
    signed_in_year_by = MonthFilter(method="filter_signed_in_year_by", label=_("本年签约至"))

    class Meta:
        model = Project
        fields = []

    def __init__(self, data=None, queryset=None, *, report, departments=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.report = report
        programmes = (
            Project.objects.filter(report=report)
            .exclude(programme="")
            .order_by("programme")
            .values_list("programme", flat=True)
            .distinct()
        )
        self.filters["programme"].extra["choices"] = lambda: [(p, p) for p in programmes]
        if departments is not None:
            self.filters["department"].queryset = departments

    # The month filters are for the links from derived numbers; the page folds them away.
    MONTH_FILTERS = (
        "started_by",
        "started_in_year_by",
        "completed_in_year_by",
        "signed_in_year_by",
    )

    @property
    def main_fields(self):
        return [f for f in self.form if f.name not in self.MONTH_FILTERS]

    @property
    def month_fields(self):
        return [f for f in self.form if f.name in self.MONTH_FILTERS]

    @property
    def has_month_filter(self):
        return any(self.form[name].value() for name in self.MONTH_FILTERS)

    def _condition(self, queryset, name, value):
        """A month filter as the register's rules mean it (`register.CONDITIONS`)."""
        return queryset.filter(register.CONDITIONS[name](int(value), self.report.year))

    filter_started_by = filter_started_in_year_by = _condition
    filter_completed_in_year_by = filter_signed_in_year_by = _condition

    def filter_yes_no(self, queryset, name, value):
        return queryset.filter(**{name: value == "true"})

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))
