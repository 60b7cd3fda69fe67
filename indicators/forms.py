"""The rules for one monthly row. Every figure typed in passes one of these forms: the monthly
web form and the Excel import build the same form for the same row (``reporting.rows``), so a
number refused on the page is refused in a workbook too.

`RowForm` holds what every row shares (the version the page showed, the confirmation box, and
the two figures a clerk must confirm: one far above the year's goal, and a cumulative figure
that falls); `EntryForm` is a target's month, ``projects.forms.ProjectProgressForm`` a project's.
"""

import copy

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from . import workflow
from .models import LIMIT_KINDS, Kind
from .numbers import NumberField, plain

# A figure above this multiple of the year's goal is accepted only once confirmed.
CONFIRM_ABOVE_TIMES = 3

# Kinds whose value accumulates through the year: it should not fall below an approved month.
ACCUMULATING = (Kind.CUMULATIVE, Kind.MILESTONE)


def number_field(label, *, max_digits, decimal_places):
    return NumberField(
        label=label,
        required=False,
        max_digits=max_digits,
        decimal_places=decimal_places,
        error_messages={
            "max_digits": _("数字太长，最多%(max)s位。"),
            "max_decimal_places": _("最多保留%(max)s位小数。"),
            "max_whole_digits": _("数字太大，请核实单位。"),
        },
    )


def text_field(label):
    return forms.CharField(
        label=label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SharedFields(dict):
    """A form's fields that its every instance shares. Django copies the fields for each form
    so that rendering one cannot change another; forms that only validate need not pay that."""

    def __deepcopy__(self, memo):
        return SharedFields(self)


KEEP_MESSAGE = _("退回的记录不能清空数值：请填写更正后的数值再保存。")


class RowForm(forms.Form):
    """One row of a month: ``subject`` (a target or a project) for ``month``; ``entry`` its
    stored row (or None); ``previous`` the latest approved row of an earlier month (or None);
    ``submitting`` whether the row is submitted rather than saved as a draft.

    A figure the clerk already confirmed is not asked about again: the checks below apply only
    when the value differs from the stored one, so a row saved again as displayed goes through
    (unless a month approved since its last save makes it fall: that is news to confirm).
    """

    value_field = ""  # the field holding the figure
    text_fields = ()  # the other fields a clerk types in
    explain_field = ""  # where a falling figure is explained
    required_message = ""
    fall_message = ""
    above_message = ""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirm = forms.BooleanField(label=_("确认数值无误"), required=False)

    def __init__(
        self, data=None, *, subject, month, previous=None, entry=None, submitting=False, **kwargs
    ):
        kwargs.setdefault("initial", self.initial_for(entry))
        super().__init__(data, **kwargs)
        # The page posts back what it showed beside what was typed, so a row the clerk did not
        # touch is told apart from one they changed even after someone else saved it meanwhile.
        for name in self.typed_fields:
            self.fields[name].show_hidden_initial = True
        self.subject = subject
        self.month = month
        self.previous = previous
        self.entry = entry
        self.submitting = submitting
        self.needs_confirmation = False

    @classmethod
    def initial_for(cls, entry):
        """What the form shows for a stored row (nothing but version 0 for a new one)."""
        if entry is None:
            return {"version": 0}
        fields = (cls.value_field, *cls.text_fields)
        return {"version": entry.version, **{name: getattr(entry, name) for name in fields}}

    # What the subclass says about its figure.
    def goal(self):
        """The year's goal: a figure above `CONFIRM_ABOVE_TIMES` times it (any figure above 0
        when the goal is 0) must be confirmed; None: no such check."""
        return None

    def may_fall(self):
        return True

    def clean(self):
        cleaned = super().clean()
        name = self.value_field
        value = cleaned.get(name)
        if value is None:
            action = workflow.SUBMIT if self.submitting else workflow.SAVE
            if name not in self.errors and workflow.needs_value(self.entry, action):
                # A returned row stays returned when saved: it keeps a figure to correct.
                self.add_error(name, self.required_message if self.submitting else KEEP_MESSAGE)
            return cleaned
        if self.is_confirmed_before(value):
            return cleaned
        confirmed = cleaned.get("confirm")
        last = self.previous.number if self.previous is not None else None
        if last is not None and value < last and not self.may_fall():
            explained = bool(cleaned.get(self.explain_field, "").strip())
            if not (confirmed and explained):
                self.needs_confirmation = True
                self.add_error(
                    name,
                    self.fall_message
                    % {
                        "value": plain(value),
                        "month": self.previous.month,
                        "previous": plain(last),
                    },
                )
        goal = self.goal()
        if goal is not None and value > max(goal * CONFIRM_ABOVE_TIMES, 0) and not confirmed:
            self.needs_confirmation = True
            self.add_error(name, self.above_message % {"goal": plain(goal)})
        return cleaned

    @classmethod
    def for_checking(cls):
        """This form for rows that are checked and never rendered (an import's thousands): its
        instances share one set of fields instead of each copying its own, which is most of a
        form's cost. The rules are the same form's rules."""
        checking = cls.__dict__.get("_checking")
        if checking is None:
            checking = type(f"{cls.__name__}Checking", (cls,), {"__module__": cls.__module__})
            checking.base_fields = SharedFields(copy.deepcopy(cls.base_fields))
            cls._checking = checking
        return checking

    @classmethod
    def typed(cls):
        """The fields a clerk types in, the figure first."""
        return (cls.value_field, *cls.text_fields)

    @property
    def typed_fields(self):
        return self.typed()

    def is_confirmed_before(self, value):
        """Whether ``value`` is the stored figure, checked when it was saved against everything
        known now (no month approved since)."""
        entry, previous = self.entry, self.previous
        if entry is None or value != entry.number:
            return False
        approved_since = previous is not None and (
            previous.reviewed_at is not None and previous.reviewed_at > entry.updated_at
        )
        return not approved_since

    @property
    def is_touched(self):
        """Whether the clerk changed anything the page showed (the version aside)."""
        return bool(set(self.changed_data) & set(self.typed_fields))

    def hidden_initials(self):
        """The hidden inputs carrying what the page showed (see ``is_touched``)."""
        return mark_safe(
            "".join(self[name].as_hidden(only_initial=True) for name in self.typed_fields)
        )

    def fields_to_save(self):
        """The cleaned values the workflow writes to the row."""
        return {name: self.cleaned_data[name] for name in self.typed_fields}


class EntryForm(RowForm):
    """A target's end-of-month value (截至月底累计), progress note and problems."""

    value_field = "value"
    text_fields = ("note", "problems")
    explain_field = "note"
    required_message = _("报送前请填写本月累计值。")
    fall_message = _(
        "本月累计值%(value)s低于%(month)s月已审核的%(previous)s。累计值一般不会减少；"
        "如确需调减，请在进展情况中说明原因，并勾选“确认数值无误”。"
    )
    above_message = _("填报值超过年度目标（%(goal)s）的3倍，请核实；确认无误请勾选“确认数值无误”。")

    value = number_field(_("截至月底累计"), max_digits=16, decimal_places=4)
    note = text_field(_("进展情况"))
    problems = text_field(_("存在问题"))

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value is None:
            return value
        indicator = self.subject
        # A floor or a ceiling may read negative (revenue growth −2 %, CPI −0.3 %).
        if value < 0 and indicator.kind not in LIMIT_KINDS:
            raise forms.ValidationError(_("不能为负数。"))
        if indicator.kind == Kind.MILESTONE and value > 100:
            raise forms.ValidationError(_("节点型目标填写完成百分比，须在0到100之间。"))
        if indicator.unit.strip() in ("%", "％") and value > 100:
            raise forms.ValidationError(_("百分比须在0到100之间。"))
        return value

    def goal(self):
        # A target of 0 (动态清零) has no scale to be three times over.
        return self.subject.target or None

    def may_fall(self):
        return self.subject.kind not in ACCUMULATING
