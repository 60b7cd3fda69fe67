"""The demo's supervision story for the month it opens on (December 2023): one supervision slip
open for a target far behind, and the reminders and escalations ``send_reminders`` would have
sent by 9 January 2024 in everyone's bell. Idempotent, like the rest of ``load_demo``."""

import datetime

from indicators.demo import STORY_MONTH
from indicators.models import Indicator, User

from . import reminders, slips
from .models import Slip

SLIP_TARGET = "UC-07"  # 红星美凯龙城市综合体: far behind all autumn
# The day the demo's reminders are sent as of: the deadline was 5 January, so reminders of
# three days before, the day itself and two days after have gone, and lateness has just been
# escalated (more than three days).
STORY_DAY = datetime.date(2024, 1, 9)


def tell_the_story(report):
    """Issue the demo's slip and send the month's reminders; returns how many notices exist."""
    reviewer = User.objects.get(username="reviewer")
    if not Slip.objects.filter(report=report).exists():
        target = Indicator.objects.select_related("lead_department").get(
            report=report, code=SLIP_TARGET
        )
        slip = Slip(
            report=report,
            month=STORY_MONTH,
            department=target.lead_department,
            indicator=target,
            reason=Slip.Reason.FAR_BEHIND,
            matter=f"{target.code} {target.name}：全年严重滞后，截至12月底完成85%。",
            gap="低于序时进度15个百分点",
            requirement="请分析滞后原因，提出整改措施和完成时限，于1月15日前书面反馈。",
            reply_by=datetime.date(report.year + 1, 1, 15),
        )
        slips.issue(reviewer, slip)
    reminders.plan(reminders.messages_for(report, STORY_DAY))
    reminders.deliver()
    return report
