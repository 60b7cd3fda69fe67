"""Roles: who is who, and what each may do. The one home for role names; group permissions,
the access rule, the admin and the demo all ask it.

Business roles work inside a region (a county's, or a city's that also reads its counties):
``reporter`` (部门填报员), ``reviewer`` (督查室), ``leader`` (县领导). The three administrators
(三员, 等保2.0) split what one superuser used to hold: ``sysadmin`` (系统管理员) sets up regions,
reports and users; ``secadmin`` (安全管理员) sees lock-outs and sessions, unlocks and sets the
policy; ``auditor`` (审计管理员) only reads and exports the audit log. No everyday account holds
two of the three.
"""

REPORTER = "reporter"
REVIEWER = "reviewer"
LEADER = "leader"
SYSADMIN = "sysadmin"
SECADMIN = "secadmin"
AUDITOR = "auditor"

ADMINISTRATORS = (SYSADMIN, SECADMIN, AUDITOR)


def has_role(user, name):
    return user.is_authenticated and user.is_active and user.in_group(name)
