"""The project list: one row per project as of a month, and a totals row over the whole filter."""

import django_tables2 as tables
from django.db.models import Case, IntegerField, Value, When
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from indicators.numbers import amount, percent
from indicators.tables import NUM, BaseTable

from .models import Project, Stage
from .register import STAGE_ORDER, in_yi


def _total_attrs(name):
    return {**NUM, "tf": {"class": "num", "data-total": name}}


def _amount_footer(attribute):
    """A totals cell in 万元 with its 亿元 equivalent, the unit the report's targets use."""

    def footer(table):
        value = getattr(table.totals, attribute)
        if value is None:
            return "—"
        yi = amount(in_yi(value), 4)
        return format_html(
            '{}<span class="yi" data-yi="{}">{}{}</span>', amount(value), yi, yi, _("亿元")
        )

    return footer


class AmountColumn(tables.Column):
    def render(self, value):
        return amount(value)


class ProjectTable(BaseTable):
    code = tables.Column(
        linkify=("projects:detail", [tables.A("pk")]),
        footer=_("合计"),
        attrs={"td": {"class": "nowrap"}},
    )
    name = tables.Column(
        linkify=("projects:detail", [tables.A("pk")]),
        footer=lambda table: format_html(
            '<span data-total="count">{}</span>{}', table.totals.count, _("个项目")
        ),
    )
    category = tables.Column()
    build_type = tables.Column()
    stage_then = tables.Column(verbose_name=_("项目阶段"))
    lead_department = tables.Column(order_by=("lead_department__order", "lead_department_id"))
    programme = tables.Column()
    total_investment = AmountColumn(
        verbose_name=_("总投资"),
        attrs=_total_attrs("total_investment"),
        footer=_amount_footer("total"),
    )
    planned_investment = AmountColumn(
        verbose_name=_("本年计划"),
        attrs=_total_attrs("planned_investment"),
        footer=_amount_footer("planned"),
    )
    invested = AmountColumn(
        verbose_name=_("本年完成"),
        attrs=_total_attrs("invested"),
        footer=_amount_footer("invested"),
    )
    share = tables.Column(
        verbose_name=_("完成率"),
        accessor="pk",
        orderable=False,
        attrs=_total_attrs("share"),
        footer=lambda table: percent(table.totals.share),
    )
    is_late = tables.Column(verbose_name=_("本月报送"), attrs={"td": {"class": "nowrap"}})

    class Meta(BaseTable.Meta):
        # The lighter row (each cell's class is its column's name, styled in projects.css): a
        # cold page of 50 projects spent most of its time computing attributes cell by cell.
        template_name = "_table.html"
        model = Project
        fields = ()
        sequence = (
            "code",
            "name",
            "category",
            "build_type",
            "stage_then",
            "lead_department",
            "programme",
            "total_investment",
            "planned_investment",
            "invested",
            "share",
            "is_late",
        )
        order_by = ("code",)
        row_attrs = {"data-code": lambda record: record.code}
        empty_text = _("没有符合条件的项目。")

    def __init__(self, *args, totals, **kwargs):
        super().__init__(*args, **kwargs)
        self.totals = totals

    def render_stage_then(self, value):
        return Stage(value).label

    def order_stage_then(self, queryset, is_descending):
        rank = Case(
            *(When(stage_then=stage, then=Value(i)) for i, stage in enumerate(STAGE_ORDER)),
            output_field=IntegerField(),
        )
        queryset = queryset.annotate(stage_rank=rank).order_by(
            "-stage_rank" if is_descending else "stage_rank", "code"
        )
        return queryset, True

    def render_share(self, record):
        if record.invested is None or not record.planned_investment:
            return "—"
        return percent(record.invested / record.planned_investment)

    def render_is_late(self, record):
        if record.is_late:
            return format_html('<span class="badge status-far_behind">{}</span>', _("未报送"))
        if record.is_reported:
            return _("已报送")
        return "—"
