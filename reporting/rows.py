"""The rows of a department's month: every target it leads and every project it runs, each with
its stored entry, the latest approved one before it, whether it may change now, and the form that
checks what is typed into it.

One builder for the monthly web form, the Excel template and the Excel import, so the three show
the same rows, ask the same question ("may this row change", answered by the workflow gate) and
check typing with the same form.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators import checks, periods, timeliness, workflow
from indicators.checks import figures
from indicators.forms import EntryForm
from indicators.models import EntryState, Indicator, MonthLock, ProgressEntry
from projects.forms import ProjectProgressForm
from projects.models import Project, ProjectProgress


@dataclass(frozen=True)
class RowKind:
    """A kind of subject reported monthly: targets ("i") or projects ("p")."""

    key: str
    model: type
    form_class: type

    @property
    def subject_field(self):
        return self.model.subject_field

    @property
    def fields(self):
        return self.form_class.typed()

    @property
    def subject_model(self):
        return self.model._meta.get_field(self.subject_field).related_model

    @property
    def evidence_model(self):
        return self.model.evidence_model()


TARGET = RowKind("i", ProgressEntry, EntryForm)
PROJECT = RowKind("p", ProjectProgress, ProjectProgressForm)


@dataclass
class Row:
    kind: RowKind
    subject: object  # an Indicator or a Project
    month: int
    entry: object  # the stored ProgressEntry / ProjectProgress, or None
    previous: object  # the latest approved row of an earlier month, or None
    refusal: str | None  # why it cannot change now (None: it can)
    form: object = None
    evidence: list = field(default_factory=list)  # the stored entry's files (佐证材料)
    checking: object = None  # what the plausibility checks need (``figures.load``, all rows)

    @property
    def key(self):
        """("i", id) for a target, ("p", id) for a project: how posted row lists name it."""
        return (self.kind.key, self.subject.pk)

    @property
    def prefix(self):
        """ "i12": the row's form prefix, and its name in the page's ids."""
        return f"{self.kind.key}{self.subject.pk}"

    @property
    def is_editable(self):
        return self.refusal is None

    @property
    def version(self):
        return self.entry.version if self.entry is not None else 0

    @property
    def state(self):
        return self.entry.state if self.entry is not None else None

    @property
    def awaits_annual_figure(self):
        """A target's December that the annual statistics settle (待统计年报), until its figure
        is reported: the form tells the reporter it is not late (the rule the timeliness and
        the landing's owed months ask)."""
        reported = self.state in timeliness.REPORTED
        return self.subject.awaits_annual_figure(self.month, december_in=reported)

    def bind(self, data=None, *, submitting=False, rendered=True):
        """Give the row its form (bound to ``data`` when given) and return it; ``rendered``
        False for a row that is only checked (an import's), which costs less."""
        form_class = self.kind.form_class
        if not rendered:
            form_class = form_class.for_checking()
        self.form = form_class(
            data,
            prefix=self.prefix,
            subject=self.subject,
            month=self.month,
            previous=self.previous,
            entry=self.entry,
            submitting=submitting,
            checking=self.checking,
        )
        return self.form

    @property
    def flags(self):
        """The plausibility flags shown beside the row: while it may change, its figure's as
        the gate would judge it now (typed or stored); else those stored with its entry."""
        if self.is_editable and self.form is not None:
            return self.form.shown_flags
        return checks.flags_of(self.entry) if self.entry is not None else []

    def bind_values(self, values, *, submitting=False):
        """Bind the row's form to unprefixed ``values`` (an import's cells, by field name), to
        be checked and never rendered."""
        data = {f"{self.prefix}-{name}": value for name, value in values.items()}
        return self.bind(data, submitting=submitting, rendered=False)

    @property
    def is_filled(self):
        name = self.kind.form_class.value_field
        if self.form is not None and self.form.is_bound:
            return bool(str(self.form[name].value() or "").strip())
        return self.entry is not None and self.entry.number is not None

    def is_blank(self):
        """Nothing typed in this row (in what was posted)."""
        return all(not str(self.form[name].value() or "").strip() for name in self.kind.fields)

    def change(self):
        """What the workflow gate writes for this row's (valid) form."""
        cleaned = self.form.cleaned_data
        return workflow.Change(
            self.subject, self.month, self.form.fields_to_save(), version=cleaned["version"]
        )


def approved_before(model, ids, month):
    """For each subject id, its approved ``model`` rows of the months before ``month``, in
    month order (one query)."""
    key = f"{model.subject_field}_id"
    found = {}
    rows = model.objects.filter(
        **{f"{key}__in": ids}, month__lt=month, state=EntryState.APPROVED
    ).order_by(key, "month")
    for row in rows:
        found.setdefault(getattr(row, key), []).append(row)
    return found


def latest_before(model, ids, month):
    """For each subject id, its latest approved ``model`` row of a month before ``month``."""
    return {pk: rows[-1] for pk, rows in approved_before(model, ids, month).items()}


def _rows(kind, user, subjects, month, locked, today):
    """The rows of ``subjects``, and their approved series for the checks ({(entry model,
    subject id): [(month, figure)]})."""
    ids = [subject.pk for subject in subjects]
    key = f"{kind.subject_field}_id"
    entries = {
        getattr(entry, key): entry
        for entry in kind.model.objects.filter(**{f"{key}__in": ids}, month=month).select_related(
            "submitted_by", "reviewed_by", "updated_by"
        )
    }
    approved = approved_before(kind.model, ids, month)
    files = evidence_by_entry(
        kind.evidence_model.objects.filter(**{f"entry__{key}__in": ids}, entry__month=month)
    )
    rows = []
    for subject in subjects:
        entry = entries.get(subject.pk)
        reason = workflow.refusal(
            user, subject, month, entry, workflow.SAVE, locked=locked, today=today
        )
        earlier = approved.get(subject.pk)
        row = Row(kind, subject, month, entry, earlier[-1] if earlier else None, reason)
        row.evidence = files.get(entry.pk, []) if entry is not None else []
        rows.append(row)
    series = {
        (kind.model, pk): [(row.month, row.number) for row in earlier]
        for pk, earlier in approved.items()
    }
    return rows, series


def evidence_by_entry(queryset):
    """{entry id: [its evidence files, in upload order]} from one query (however many rows:
    the monthly form asks by subject and month, so the count never depends on what exists)."""
    found = {}
    for item in queryset.order_by("uploaded_at", "pk"):
        found.setdefault(item.entry_id, []).append(item)
    return found


@dataclass
class MonthRows:
    """A department's month: its target rows and project rows, and whether the month is locked."""

    report: object
    month: int
    locked: bool
    targets: list
    projects: list

    @property
    def all(self):
        return self.targets + self.projects


def month_rows(user, report, month, today=None):
    """The `MonthRows` of the department of ``user`` (a reporter) for ``month`` of ``report``:
    targets in report order, projects by code. A fixed number of queries however many rows."""
    today = today or timezone.localdate()
    locked = workflow.is_locked(report, month)
    indicators = list(
        Indicator.objects.for_report(report)
        .select_related("report")
        .filter(lead_department_id=user.department_id)
    )
    projects = list(
        Project.objects.filter(report=report, lead_department_id=user.department_id)
        .select_related("report")
        .order_by("code")
    )
    targets, target_series = _rows(TARGET, user, indicators, month, locked, today)
    project_rows, project_series = _rows(PROJECT, user, projects, month, locked, today)
    # The checks' history of every row at once: the approved series just read, the report's
    # rules, last year's series (a fixed number of queries however many rows).
    checking = figures.load(
        [(row.subject, month) for row in targets + project_rows],
        approved={**target_series, **project_series},
    )
    for row in targets + project_rows:
        row.checking = checking
    return MonthRows(report, month, locked, targets, project_rows)


# --- What a department still owes ------------------------------------------------------------

TO_FILL = "to_fill"
RETURNED = "returned"
ANNUAL = timeliness.ANNUAL
OWED_LABELS = {
    timeliness.MISSING: timeliness.LABELS[timeliness.MISSING],
    TO_FILL: _("待填报"),
    RETURNED: _("已退回"),
    ANNUAL: timeliness.LABELS[timeliness.ANNUAL],
}


@dataclass(frozen=True)
class DueMonth:
    """A month of an open report in which the department still owes a row: one it reports
    (typed in, due that month) with nothing submitted or approved. A December owed only by
    targets waiting for the annual statistics (``progress.awaits_annual_figure``) is ANNUAL:
    neither late nor chased; ``some_annual`` says such rows are among those of a month owed
    for other rows too."""

    report: object
    month: int
    state: str  # timeliness.MISSING (its deadline has passed), TO_FILL, RETURNED or ANNUAL
    some_annual: bool = False

    @property
    def label(self):
        return OWED_LABELS[self.state]

    @property
    def is_annual(self):
        return self.state == ANNUAL

    @property
    def deadline(self):
        return self.report.deadline(self.month)

    @property
    def url(self):
        """The month's form, naming its report (two years are open at the turn of the year)."""
        path = reverse("reporting:monthly-form", args=[self.report.year, self.month])
        return f"{path}?{urlencode({'report': self.report.pk})}"


def due_months(user, reports, today=None):
    """The `DueMonth`s the department of ``user`` owes across ``reports`` (open ones), oldest
    report and month first: the one answer the landing page, the monthly form's month links and
    the Excel import's default share. Months not yet reportable and locked months are not owed.
    Five queries whatever the number of rows and reports."""
    today = today or timezone.localdate()
    reports = sorted(reports, key=lambda r: (r.year, r.pk))
    months = {r.pk: periods.reportable_months(r, today) for r in reports}
    locked = set(MonthLock.objects.filter(report__in=reports).values_list("report_id", "month"))
    owed = {}  # (report id, month): the states of the rows still owed (ANNUAL: awaiting ones)
    for kind in (TARGET, PROJECT):
        for key, state in _unreported(kind, user.department_id, reports, months):
            owed.setdefault(key, set()).add(state)
    return [
        _due_month(report, month, owed[report.pk, month], today)
        for report in reports
        for month in months[report.pk]
        if (report.pk, month) in owed and (report.pk, month) not in locked
    ]


def _unreported(kind, department_id, reports, months):
    """((report id, month), entry state or None) for each row of ``kind`` the department reports
    in ``months`` with nothing submitted or approved (``timeliness.REPORTED``); ANNUAL instead
    of the state for a target whose December waits for the annual statistics."""
    subjects = [
        subject
        for subject in kind.subject_model.objects.filter(
            report__in=reports, lead_department_id=department_id
        )
        if subject.is_reportable
    ]
    key = f"{kind.subject_field}_id"
    states = {
        (subject_id, month): state
        for subject_id, month, state in kind.model.objects.filter(
            **{f"{key}__in": [s.pk for s in subjects]}
        ).values_list(key, "month", "state")
    }
    for subject in subjects:
        for month in months[subject.report_id]:
            state = states.get((subject.pk, month))
            if not subject.is_due(month) or state in timeliness.REPORTED:
                continue
            # Nothing reported yet, so its December figure is not in.
            annual = subject.awaits_annual_figure(month, december_in=False)
            yield (subject.report_id, month), ANNUAL if annual else state


def _due_month(report, month, states, today):
    """The month's `DueMonth` from the states of its owed rows: the other rows' state, if any."""
    others = states - {ANNUAL}
    if not others:
        return DueMonth(report, month, ANNUAL)
    return DueMonth(report, month, _owed_state(report, month, others, today), ANNUAL in states)


def _owed_state(report, month, states, today):
    if EntryState.RETURNED in states:
        return RETURNED
    if today > report.deadline(month):  # as timeliness and progress.is_missing judge it
        return timeliness.MISSING
    return TO_FILL
