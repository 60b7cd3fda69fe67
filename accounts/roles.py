"""Roles: who is who, and what each may do. The one home for role names; group permissions,
the access rule, the admin and the demo all ask it.

Business roles work inside a region (a county's, or a city's that also reads its counties):
``reporter`` (部门填报员), ``reviewer`` (督查室), ``leader`` (县领导). The three administrators
(三员, 等保2.0) split what one superuser used to hold: ``sysadmin`` (系统管理员) sets up regions,
reports and users; ``secadmin`` (安全管理员) sees lock-outs and sessions, unlocks and sets the
policy; ``auditor`` (审计管理员) only reads and exports the audit log. No everyday account holds
two of the three, nor one of them and a business role (`group_refusal`); a superuser exists only
to create the three and is then deactivated (docs/deploy.md).

Each role is a group of the same name. Its model permissions in the admin (``Role.permissions``)
are set here, for production too: `ensure_groups` runs after every ``migrate``
(``AccountsConfig``). Only the office and the system administrator use the admin at all
(``indicators.access.can_use_admin``); the others work on the site's own pages.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

REPORTER = "reporter"
REVIEWER = "reviewer"
LEADER = "leader"
SYSADMIN = "sysadmin"
SECADMIN = "secadmin"
AUDITOR = "auditor"


@dataclass(frozen=True)
class Role:
    name: str  # the group's name
    label: str  # how pages name it
    administrator: bool  # one of the 三员
    permissions: tuple = ()  # "app_label.codename" of each model permission its group holds


# What a region's set-up is, in the admin: its regions, reports with their sections, departments.
SETUP = (
    "indicators.view_region",
    "indicators.add_region",
    "indicators.change_region",
    "indicators.add_report",
    "indicators.change_report",
    "indicators.view_report",
    "indicators.add_section",
    "indicators.change_section",
    "indicators.view_section",
)

# A report's plausibility rules (校验规则), set up with its targets.
CHECK_RULES = (
    "indicators.add_checkrule",
    "indicators.change_checkrule",
    "indicators.delete_checkrule",
    "indicators.view_checkrule",
)

ROLES = {
    role.name: role
    for role in (
        Role(REPORTER, gettext_lazy("填报员"), False),
        Role(
            REVIEWER,
            gettext_lazy("督查室"),
            False,
            (
                # The supervision office sets up each year's report: report, sections, targets.
                *SETUP,
                "indicators.view_department",
                "indicators.add_indicator",
                "indicators.change_indicator",
                "indicators.view_indicator",
                # Its reports' plausibility rules (校验规则), as it sets up their targets.
                *CHECK_RULES,
                "indicators.view_progressentry",
                "indicators.view_monthlock",
                "projects.add_project",
                "projects.change_project",
                "projects.view_project",
                "projects.view_projectprogress",
                # What send_reminders sent, and what failed (and is retried on the next run).
                "supervision.view_dispatch",
                # Its own region's reporters and leaders: create, deactivate, reset a password
                # (the user admin keeps it to them: indicators.access.managed_users).
                "indicators.add_user",
                "indicators.change_user",
                "indicators.view_user",
            ),
        ),
        Role(LEADER, gettext_lazy("县领导"), False),
        Role(
            SYSADMIN,
            gettext_lazy("系统管理员"),
            True,
            (
                # Regions, reports, departments and the accounts of everyone who signs in; never
                # the monthly figures, their review, the lock-outs or the audit log.
                *SETUP,
                "indicators.add_department",
                "indicators.change_department",
                "indicators.view_department",
                "indicators.add_indicator",
                "indicators.change_indicator",
                "indicators.view_indicator",
                *CHECK_RULES,
                "indicators.add_user",
                "indicators.change_user",
                "indicators.view_user",
                "auth.view_group",
            ),
        ),
        Role(SECADMIN, gettext_lazy("安全管理员"), True),
        Role(AUDITOR, gettext_lazy("审计管理员"), True),
    )
}

BUSINESS = tuple(name for name, role in ROLES.items() if not role.administrator)
ADMINISTRATORS = tuple(name for name, role in ROLES.items() if role.administrator)


def has_role(user, name):
    return user.is_authenticated and user.is_active and user.in_group(name)


def is_administrator(user):
    """Is ``user`` in one of the 三员's groups (active or not)?"""
    return user.groups.filter(name__in=ADMINISTRATORS).exists()


def administrator_role(user):
    """The one administrator role ``user`` holds (``SYSADMIN``, ``SECADMIN``, ``AUDITOR``), or
    None."""
    return next((name for name in ADMINISTRATORS if has_role(user, name)), None)


def group_refusal(names):
    """Why one account may not hold all of the groups ``names`` (a message), or None if it may:
    an administrator role is held alone, never with another administrator's or a business role."""
    names = set(names)
    held = [name for name in ADMINISTRATORS if name in names]
    if not held:
        return None
    if len(held) > 1:
        return _("同一账号不能同时担任%(roles)s：三员须由不同的人分别担任。") % {
            "roles": "、".join(str(ROLES[name].label) for name in held)
        }
    business = [name for name in BUSINESS if name in names]
    if business:
        return _("%(admin)s不能同时担任%(roles)s等业务角色。") % {
            "admin": ROLES[held[0]].label,
            "roles": "、".join(str(ROLES[name].label) for name in business),
        }
    return None


def check_groups(names):
    """`group_refusal` as a ValidationError, for a form's ``clean_groups`` and the guard."""
    refusal = group_refusal(names)
    if refusal:
        raise ValidationError(refusal, code="roles")


def ensure_groups():
    """Every role's group, holding exactly the permissions named here (and creating the
    permissions first, if the apps' own post-migrate step has not reached them yet)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    wanted = {dotted for role in ROLES.values() for dotted in role.permissions}
    for label in sorted({dotted.split(".")[0] for dotted in wanted}):
        create_permissions(apps.get_app_config(label), verbosity=0)
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise LookupError(f"permissions not found: {', '.join(missing)}")
    for role in ROLES.values():
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set([found[dotted] for dotted in role.permissions])


def refuse_two_powers(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``m2m_changed`` on ``User.groups``: every path that adds a group to an account (the admin,
    the users workbook, a command, the shell) is refused with `group_refusal`'s message when the
    account would then hold two powers. From either side: ``user.groups.add(group)`` or
    ``group.user_set.add(user)``."""
    if action != "pre_add" or not pk_set:
        return
    from django.contrib.auth.models import Group

    if not reverse:  # instance is a user, pk_set its new groups
        added = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        check_groups(set(instance.groups.values_list("name", flat=True)) | added)
        return
    for user in model.objects.filter(pk__in=pk_set).prefetch_related("groups"):
        check_groups({group.name for group in user.groups.all()} | {instance.name})


def can_read_audit(user):
    """The security audit log (/audit/): the 审计管理员 only; a superuser too, while the three
    administrators are being set up (``createsuperuser`` bootstraps; docs/deploy.md says how
    to hand over)."""
    return (
        user.is_authenticated and user.is_active and (user.is_superuser or has_role(user, AUDITOR))
    )
