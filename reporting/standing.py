"""Where every target stands as of a month: its latest approved value (typed in, or derived from
the project register) judged by ``indicators.progress``. Every dashboard, the Excel summary and
the big screen read this one list; none of them recomputes a status.
"""

from indicators.models import Indicator
from projects.register import derived_values, list_url


def judged(report, month, indicators=None):
    """Every indicator of ``report`` (or of the ``indicators`` queryset) as of ``month``, each
    with ``.progress`` (a ``progress.Progress``) and ``.register_url`` (the projects behind a
    derived number, else None).

    A fixed number of queries whatever the size of the report: the indicators with their latest
    approved entries, and one aggregate over the project register when any is derived.
    """
    queryset = Indicator.objects.all() if indicators is None else indicators
    rows = list(queryset.for_report(report).with_progress(month))
    derived = derived_values(report, month) if any(i.register_rule for i in rows) else {}
    for indicator in rows:
        indicator.register_url = None
        if indicator.register_rule:
            indicator.actual = derived.get(indicator.register_rule)
            indicator.register_url = list_url(report, indicator.register_rule, month)
        indicator.progress = indicator.judge(month, indicator.actual)
    return rows
