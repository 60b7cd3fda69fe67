"""Who changed what in a project and its monthly progress: old → new, from django-simple-history.

simple-history's ``diff_against`` asks the database for each record's predecessor; a project page
with a year of changes would pay a query per row. Here the caller fetches a project's history rows
once, and `changes` pairs each row with the previous one of the same object in Python.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise

from django.utils.translation import gettext as _

from indicators.templatetags.targets import amount

KIND_LABELS = {"+": _("新建"), "~": _("修改"), "-": _("删除")}


@dataclass(frozen=True)
class Change:
    when: datetime
    who: str
    what: str  # the object: a project, or "9月进展"
    kind: str  # 新建 / 修改 / 删除
    field: str
    old: str
    new: str


def display(field, value, labels=None):
    """A stored value as a person reads it: choice labels, dates, amounts without noise."""
    if value is None or value == "":
        return "—"
    if labels and value in labels:
        return str(labels[value])
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return amount(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def changes(records, model, fields, *, describe=str, labels=None):
    """The changes recorded in ``records`` (historical rows of ``model``, any order), newest first.

    ``fields``: the field names worth showing; ``describe(record)`` names the object a change is
    about; ``labels``: {field name: {stored value: text}} for foreign keys (department ids...).
    """
    labels = labels or {}
    meta = {name: model._meta.get_field(name) for name in fields}
    by_object = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        by_object.setdefault(record.id, []).append(record)
    found = []
    for rows in by_object.values():
        first = rows[0]
        found.append(_change(first, describe, "+", "", "", ""))
        for old, new in pairwise(rows):
            for name, field in meta.items():
                before, after = getattr(old, field.attname), getattr(new, field.attname)
                if before != after:
                    found.append(
                        _change(
                            new,
                            describe,
                            new.history_type,
                            str(field.verbose_name),
                            display(field, before, labels.get(name)),
                            display(field, after, labels.get(name)),
                        )
                    )
            if new.history_type == "-":
                found.append(_change(new, describe, "-", "", "", ""))
    found.sort(key=lambda c: c.when, reverse=True)
    return found


def _change(record, describe, kind, field, old, new):
    user = record.history_user
    who = (user.get_full_name() or user.username) if user else _("系统")
    return Change(record.history_date, who, describe(record), KIND_LABELS[kind], field, old, new)
