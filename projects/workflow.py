"""How approved project progress changes the register.

Project progress moves through the same states as indicator entries (`indicators.workflow`).
What is particular to projects: a row may report a stage change (开工, 竣工 ...), and the register
takes it only when the row is approved, so the derived counts (PP-07, PP-08, PP-09) follow
approvals and never a reporter's draft.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from indicators import workflow
from indicators.models import EntryState
from indicators.progress import month_end
from indicators.workflow import APPROVE, WorkflowError

from .models import STAGE_ORDER, Stage


def stage_date(progress):
    """The date a row gives for its stage change; without one, the last day of the reported
    month, which gives the same derived values at every month's end."""
    return progress.stage_date or month_end(progress.project.report.year, progress.month)


@transaction.atomic
def apply_stage_change(progress, user):
    """Move ``progress.project`` to the stage an approved row reports, with its date.

    Returns True if the project changed. Idempotent: approving the same row twice changes
    nothing more. A row older than the register's stage (approved late, after a later month's
    row moved the project on) changes nothing. A move the register cannot take raises
    `WorkflowError`, so the approval it belongs to is refused whole.
    """
    if progress.state != EntryState.APPROVED:
        raise WorkflowError(_("只有已审核的进展才能更新项目库。"))
    stage = progress.stage
    if not stage:
        return False
    project = progress.project
    if STAGE_ORDER.index(stage) < STAGE_ORDER.index(project.stage):
        return False
    if stage == project.stage and not progress.stage_date:
        return False  # the same stage reported again: nothing to move, no date to correct
    before = (project.stage, project.start_date, project.completion_date)
    day = stage_date(progress)
    if stage == Stage.STARTED:
        project.start_date = day
    elif stage == Stage.COMPLETED:
        if project.start_date is None:
            raise WorkflowError(
                _("%(project)s 尚未登记开工日期，不能登记竣工：请退回，先报送开工。")
                % {"project": project}
            )
        if day < project.start_date:
            raise WorkflowError(
                _("%(project)s 的竣工日期早于开工日期（%(start)s）。")
                % {"project": project, "start": project.start_date.isoformat()}
            )
        project.completion_date = day
    project.stage = stage
    if (project.stage, project.start_date, project.completion_date) == before:
        return False
    project._history_user = user
    project.save()
    return True


def review(user, entries, action, comment=""):
    """Approve or return project progress rows, all or none; approval updates the register."""
    if not entries:
        return 0
    with transaction.atomic():
        count = workflow.review(user, entries, action, comment)
        if action == APPROVE:
            for entry in sorted(entries, key=lambda e: e.month):
                apply_stage_change(entry, user)
    return count
