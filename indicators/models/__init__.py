"""Reports, their sections and targets, the departments that own them, and monthly progress.

- ``organisation``: regions, users, reports with their sections, departments;
- ``targets``: the targets (目标任务), their kinds, frequencies and register rules;
- ``entries``: monthly entries, their states, evidence and month locks;
- ``checks``: a report's plausibility rules as data;
- ``versions``: the data version behind cached dashboards.
"""

from .checks import CheckRule
from .entries import (
    EntryState,
    Evidence,
    MonthLock,
    ProgressEntry,
    ProgressEntryEvidence,
    ReviewedEntry,
    reviewed_entry_constraints,
)
from .organisation import (
    MONTHS,
    OPEN_STATES,
    Department,
    Region,
    Report,
    ReportState,
    Section,
    User,
)
from .targets import (
    LIMIT_KINDS,
    RATIO_KINDS,
    Frequency,
    Indicator,
    Kind,
    RegisterRule,
    validate_plan,
)
from .versions import DataVersion

__all__ = [
    "LIMIT_KINDS",
    "MONTHS",
    "OPEN_STATES",
    "RATIO_KINDS",
    "CheckRule",
    "DataVersion",
    "Department",
    "EntryState",
    "Evidence",
    "Frequency",
    "Indicator",
    "Kind",
    "MonthLock",
    "ProgressEntry",
    "ProgressEntryEvidence",
    "Region",
    "RegisterRule",
    "Report",
    "ReportState",
    "ReviewedEntry",
    "Section",
    "User",
    "reviewed_entry_constraints",
    "validate_plan",
]
