"""The rules for one monthly row. Every figure typed in passes one of these forms: the monthly
web form and the Excel import build the same form for the same row (``reporting.rows``), so a
number refused on the page is refused in a workbook too.

`RowForm` holds what every row shares: the version the page showed, the 说明 (explanation) a
flagged figure needs before it is submitted, and the plausibility checks (``checks.figures``,
the same the workflow gate runs on every write) whose flags the page shows beside the row;
`EntryForm` is a target's month, ``projects.forms.ProjectProgressForm`` a project's.
"""

import copy

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import workflow
from .checks import figures
from .models import LIMIT_KINDS, Kind
from .numbers import NumberField


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
    ``submitting`` whether the row is submitted rather than saved as a draft; ``checking``
    what the plausibility checks need, loaded for all the rows at once (``figures.load``; None:
    loaded for this row alone).

    A flagged figure may be saved as a draft; it is submitted only with a 说明, and a rule the
    report declares blocking refuses it. The 说明 is stored with the row, so a figure saved
    again as displayed is not asked about again: its 说明 comes back with it.
    """

    value_field = ""  # the field holding the figure
    text_fields = ()  # the other fields a clerk types in
    required_message = ""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    explanation = text_field(pgettext_lazy("a figure's", "说明"))

    def __init__(
        self,
        data=None,
        *,
        subject,
        month,
        previous=None,
        entry=None,
        submitting=False,
        checking=None,
        **kwargs,
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
        self.checking = checking
        self.flags = None  # the typed figure's flags, once cleaned

    @classmethod
    def initial_for(cls, entry):
        """What the form shows for a stored row (nothing but version 0 for a new one)."""
        if entry is None:
            return {"version": 0}
        return {"version": entry.version, **{name: getattr(entry, name) for name in cls.typed()}}

    def clean(self):
        cleaned = super().clean()
        name = self.value_field
        value = cleaned.get(name)
        self.flags = []
        if value is None:
            action = workflow.SUBMIT if self.submitting else workflow.SAVE
            if name not in self.errors and workflow.needs_value(self.entry, action):
                # A returned row stays returned when saved: it keeps a figure to correct.
                self.add_error(name, self.required_message if self.submitting else KEEP_MESSAGE)
            return cleaned
        self.flags = self._flags_of(value)
        reason = figures.blocking_refusal(self.flags)
        if reason:
            self.add_error(name, reason)
        elif self.submitting:
            reason = figures.explanation_refusal(self.flags, cleaned.get("explanation"))
            if reason and "explanation" not in self.errors:
                self.add_error("explanation", reason)
        return cleaned

    def _flags_of(self, value):
        if self.checking is None:
            self.checking = figures.load([(self.subject, self.month)])
        return figures.flags(self.subject, self.month, value, self.checking)

    @property
    def shown_flags(self):
        """The flags to show beside the row: the typed figure's once the form is cleaned, else
        the stored figure's, judged as the gate would judge it now."""
        if self.flags is None:
            number = self.entry.number if self.entry is not None else None
            self.flags = [] if number is None else self._flags_of(number)
        return self.flags

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
        """The fields a clerk types in, the figure first and the 说明 last."""
        return (cls.value_field, *cls.text_fields, "explanation")

    @property
    def typed_fields(self):
        return self.typed()

    @property
    def flags_in_errors(self):
        """Whether the row's errors already say its flags (a blocked figure, a missing 说明)."""
        return bool(self.errors.get(self.value_field) or self.errors.get("explanation"))

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
    required_message = _("报送前请填写本月累计值。")

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
