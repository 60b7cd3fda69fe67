"""Who changed what, from django-simple-history: one reading for targets, projects and their
monthly rows, old value -> new.

simple-history's ``diff_against`` asks the database for each record's predecessor; a page with a
year of changes would pay a query per row. Here the caller fetches the history rows once (with
their users) and `changes` pairs each row with the previous one of the same object in Python.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .checks import flags_of
from .numbers import amount
from .progress import month_label

ACTIONS = {"+": gettext_lazy("新建"), "~": gettext_lazy("修改"), "-": gettext_lazy("删除")}


@dataclass(frozen=True)
class Change:
    """One history row worth showing: who did what to which record, and when."""

    when: datetime
    who: str
    subject: str  # the record: "目标任务", "9月进展", "项目信息"
    action: str  # 新建 / 修改 / 删除
    fields: list  # (label, old, new) as display text; old is "" on creation
    # (label, text) of what the record held unchanged but is worth reading beside every version
    # (a monthly row's plausibility flags and 说明: what was flagged when it was approved).
    carried: tuple = ()


def display(record, name, names=None):
    """A stored value as a person reads it: choice labels, names behind ids, plain amounts."""
    value = getattr(record, name)
    if value is None or value == "" or value == []:
        return "—"
    if name == "flags":
        return "；".join(_flag_text(flag) for flag in flags_of(record))
    if names and name in names:
        return str(names[name].get(value, value))
    field = record._meta.get_field(name.removesuffix("_id"))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return amount(value, 4)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _flag_text(flag):
    """A stored plausibility flag as words: its rule, and its message where that says more."""
    label, message = str(flag.label), flag.message
    return label if message == label else f"{label}：{message}"


def _label(record, name):
    return str(record._meta.get_field(name.removesuffix("_id")).verbose_name)


def changes(records, fields, *, subject, names=None, on_create=(), carried=()):
    """The changes in ``records`` (historical rows, any order, of one or more objects).

    ``fields``: attribute names worth comparing (``lead_department_id`` for a foreign key, with
    its display names in ``names``: {name: {id: text}}); ``subject(record)`` names the record;
    ``on_create``: the fields worth showing when a record is created or deleted; ``carried``:
    fields shown beside every change while they hold something, unless the change shows them.
    """
    previous = {}
    found = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        previous[record.id] = record
        if before is None or record.history_type != "~":
            # Creation and deletion: say what the record held, not every empty "before".
            diffs = [
                (_label(record, f), "", display(record, f, names))
                for f in on_create
                if getattr(record, f) not in (None, "", [])
            ]
        else:
            diffs = [
                (_label(record, f), display(before, f, names), display(record, f, names))
                for f in fields
                if getattr(before, f) != getattr(record, f)
            ]
            if not diffs:
                continue
        user = record.history_user
        found.append(
            Change(
                when=record.history_date,
                who=user.display_name if user else _("系统"),
                subject=subject(record),
                action=str(ACTIONS.get(record.history_type, record.history_type)),
                fields=diffs,
                carried=_carried(record, carried, {label for label, _old, _new in diffs}),
            )
        )
    return found


def _carried(record, fields, shown):
    """(label, text) of ``fields`` that ``record`` holds and the change does not already show."""
    held = [f for f in fields if getattr(record, f) not in (None, "", [])]
    labelled = [(_label(record, f), display(record, f)) for f in held]
    return tuple((label, text) for label, text in labelled if label not in shown)


def newest_first(*groups):
    """Several lists of changes as one, newest first."""
    merged = [change for group in groups for change in group]
    merged.sort(key=lambda change: change.when, reverse=True)
    return merged


def trail(subject, fields, *, label, names=None, with_evidence=False):
    """Every change to ``subject`` (a target or a project: anything with an ``entry_model``) and
    to its monthly rows, and, ``with_evidence``, the files added to and removed from them;
    newest first, old value -> new. The one audit trail of the target's and the project's page.

    ``fields`` and ``names`` as for `changes`; ``label`` names the subject's own rows. Three
    queries whatever the history's length (four with evidence), besides the caller's ``names``.
    """
    model = subject.entry_model
    own = changes(
        subject.history.select_related("history_user"),
        fields,
        subject=lambda record: label,
        names=names,
    )
    # A monthly row's plausibility flags and 说明 are read beside each of its versions, so the
    # history says what was flagged, and explained, when the figure was submitted and approved.
    checked = ("flags", "explanation")
    monthly = changes(
        model.history.filter(**{f"{model.subject_field}_id": subject.pk}).select_related(
            "history_user"
        ),
        (
            "month",
            model.value_field,
            "state",
            *model.history_text_fields,
            *checked,
            "review_comment",
        ),
        subject=lambda record: _("%(month)s进展") % {"month": month_label(record.month)},
        on_create=(model.value_field, "state", *checked),
        carried=checked,
    )
    files = []
    if with_evidence:
        evidence = model.evidence_model().history.filter(
            **{f"entry__{model.subject_field}_id": subject.pk}
        )
        files = changes(
            evidence.select_related("history_user", "entry"),
            (),
            subject=lambda record: (
                _("%(month)s佐证材料") % {"month": month_label(record.entry.month)}
            ),
            on_create=("original_name",),
        )
    return newest_first(own, monthly, files)
