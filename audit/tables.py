"""The audit page's table: one row per record, newest first."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from indicators.tables import BaseTable

from .export import action_label, detail_text, object_kind
from .models import AuditRecord


class AuditTable(BaseTable):
    id = tables.Column(verbose_name=_("编号"))
    time = tables.DateTimeColumn(verbose_name=_("时间"), format="Y-m-d H:i:s")
    actor_name = tables.Column(verbose_name=_("操作人"), orderable=False)
    address = tables.Column(verbose_name=_("地址"), orderable=False)
    region_name = tables.Column(verbose_name=_("地区"), orderable=False)
    action = tables.Column(verbose_name=_("事件"), orderable=False)
    object_text = tables.Column(verbose_name=_("对象"), orderable=False, empty_values=())
    detail = tables.Column(verbose_name=_("详情"), orderable=False, empty_values=())

    class Meta(BaseTable.Meta):
        model = AuditRecord
        fields = ()
        sequence = (
            "id",
            "time",
            "actor_name",
            "address",
            "region_name",
            "action",
            "object_text",
            "detail",
        )
        order_by = ("-id",)

    def render_action(self, value):
        return action_label(value)

    def render_object_text(self, record):
        if not record.object_label:
            return "—"
        return f"{object_kind(record.object_label)} {record.object_text}".strip()

    def render_detail(self, record):
        return detail_text(record.detail, record.object_label) or "—"
