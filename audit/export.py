"""Audit records as people read them: a record's object and detail in words, and the Excel
export of a filtered list (the project's own writer: user text never becomes a formula)."""

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.xlsx import WRAP, Column, Sheet, workbook_bytes

from .models import Action


def object_kind(label):
    """A model label (indicators.Department) as its name (责任单位)."""
    if not label:
        return ""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


# The detail's keys and the workbooks' names, as the page's language says them.
DETAIL_LABELS = {
    "path": gettext_lazy("路径"),
    "query": gettext_lazy("参数"),
    "status": gettext_lazy("状态码"),
    "method": gettext_lazy("请求方式"),
    "file": gettext_lazy("文件"),
    "content_type": gettext_lazy("文件类型"),
    "workbook": gettext_lazy("工作簿"),
    "rows": gettext_lazy("行数"),
    "created": gettext_lazy("新建"),
    "updated": gettext_lazy("更新"),
    "unchanged": gettext_lazy("未变"),
    "relation": gettext_lazy("关联"),
    "added": gettext_lazy("增加"),
    "removed": gettext_lazy("移除"),
    "records": gettext_lazy("条数"),
    "before": gettext_lazy("早于"),
    "last_id": gettext_lazy("最后编号"),
    "last_hash": gettext_lazy("最后哈希"),
}
WORKBOOKS = {
    "report": gettext_lazy("工作报告设置"),
    "users": gettext_lazy("用户"),
    "monthly": gettext_lazy("月度填报"),
}


def _value(value):
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def field_label(label, name):
    """A field of the model ``label`` by its verbose name (简称 for short_name)."""
    try:
        field = apps.get_model(label)._meta.get_field(name)
    except (LookupError, ValueError):
        return name
    return str(getattr(field, "verbose_name", name))


def detail_text(detail, label=""):
    """What a record's detail says, on one line: a change as 字段: 旧 → 新, anything else as
    its key's name and value."""
    if not detail:
        return ""
    parts = []
    for key, value in detail.items():
        if key == "changes" and isinstance(value, dict):
            parts += [
                f"{field_label(label, name)}: {_value(change.get('old'))} → "
                f"{_value(change.get('new'))}"
                for name, change in value.items()
                if isinstance(change, dict)
            ]
        elif key == "fields" and isinstance(value, dict):
            parts += [f"{field_label(label, name)}: {_value(v)}" for name, v in value.items()]
        elif key == "relation":
            parts.append(f"{DETAIL_LABELS[key]}: {field_label(label, value)}")
        elif key == "workbook":
            parts.append(f"{DETAIL_LABELS[key]}: {WORKBOOKS.get(value, value)}")
        else:
            parts.append(f"{DETAIL_LABELS.get(key, key)}: {_value(value)}")
    return "; ".join(parts)


def action_label(code):
    try:
        return str(Action(code).label)
    except ValueError:
        return code


def _rows(records):
    for record in records:
        yield [
            record.pk,
            timezone.localtime(record.time).replace(tzinfo=None, microsecond=0),
            record.actor_name,
            record.address,
            record.region_name,
            action_label(record.action),
            object_kind(record.object_label),
            record.object_id,
            record.object_text,
            detail_text(record.detail, record.object_label),
            record.prev_hash,
            record.hash,
        ]


def records_bytes(records):
    """The workbook of ``records`` (a queryset, in the order given)."""
    columns = [
        Column(_("编号"), 8),
        Column(_("时间"), 19),
        Column(_("操作人"), 14),
        Column(_("地址"), 15),
        Column(_("地区"), 10),
        Column(_("事件"), 12),
        Column(_("对象类型"), 12),
        Column(_("对象编号"), 9),
        Column(_("对象"), 24),
        Column(_("详情"), 60, WRAP),
        Column(_("前一记录哈希"), 20),
        Column(_("哈希"), 20),
    ]
    sheet = Sheet(
        _("安全审计记录"),
        columns,
        _rows(records.iterator(chunk_size=2000)),
        title=_("安全审计记录"),
    )
    return workbook_bytes([sheet])
