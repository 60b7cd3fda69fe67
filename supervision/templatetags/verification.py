"""核实 on other apps' pages: the target's card (its verified months, and for the office the
form that marks a month) and, on the reporter's monthly form, the verified value a 核实 proposes
for a figure it re-opened. Each costs one query a page, whatever its rows."""

from django import template

from indicators import access
from indicators.models import EntryState
from indicators.numbers import plain

from .. import verification
from ..models import VerificationTask

register = template.Library()
State = VerificationTask.State


@register.inclusion_tag("supervision/_verification.html", takes_context=True)
def verification_card(context, indicator, entries):
    """``indicator``'s 核实: the months verified (with the date) to everyone who reads the page;
    the tasks still open to those who read tasks (the office and leaders, never a reporter);
    and to the office, the approved months (of ``entries``, the page's) it may mark."""
    request = context["request"]
    user = request.user
    reads_tasks = access.can_read_dashboards(user)
    tasks = list(
        VerificationTask.objects.filter(entry__indicator=indicator.pk)
        .select_related("verified_by")
        .order_by("month", "created_at")
    )
    taken = {t.entry_id for t in tasks if t.state in (State.PENDING, State.VERIFIED)}
    may_mark = verification.refusal(user, indicator.report) is None
    return {
        "indicator": indicator,
        "done": [t for t in tasks if t.state in (State.VERIFIED, State.REOPENED)],
        "pending": [t for t in tasks if t.state == State.PENDING] if reads_tasks else [],
        "reads_tasks": reads_tasks,
        "markable": [e for e in entries if e.state == EntryState.APPROVED and e.pk not in taken]
        if may_mark
        else [],
        "next": request.get_full_path(),
    }


@register.inclusion_tag("supervision/_verification_proposal.html", takes_context=True)
def verification_proposal(context, row):
    """The verified value a 核实 proposes for ``row`` (a row of the monthly form, its figure
    re-opened by that 核实), with the button that puts it in the row's input. The proposals of
    every row of the page are read once, on the first row that asks."""
    cache = context.render_context
    if "verification_proposals" not in cache:
        rows = context.get("all_rows") or []
        cache["verification_proposals"] = verification.proposals(
            [r.entry for r in rows if r.kind.key == "i"]
        )
        cache["verification_script"] = False
    task = cache["verification_proposals"].get(row.entry.pk) if row.entry is not None else None
    if task is None or row.kind.key != "i" or row.form is None:
        return {"task": None}
    first = not cache["verification_script"]
    cache["verification_script"] = True
    return {
        "task": task,
        "unit": row.subject.unit,
        "value": plain(task.verified_value),
        "input_id": row.form[row.kind.form_class.value_field].id_for_label,
        "with_script": first,
    }
