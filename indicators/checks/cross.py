"""Cross-target plausibility rules, declared per report (``CheckRule`` rows, the report
workbook's 校验规则 sheet): a part no larger than its total, projects started no more than
planned, the register's sums against the target derived from them.

``load`` reads, in a fixed number of queries, what the rules need for a set of rows; ``flags``
judges one figure with it. (A first shape: the rules are filled in by the cross-target work.)
"""


def load(report, subjects, month):
    """What the cross-target rules of ``report`` need to judge ``subjects``' figures of
    ``month``."""
    return {}


def flags(subject, month, value, loaded):
    """The cross-target ``Flag``s of ``subject``'s figure ``value`` for ``month``."""
    return []
