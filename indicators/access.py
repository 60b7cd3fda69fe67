"""Who may see and change what: the one access rule. Views, forms, imports, review, the workflow
gate, both admins and the header's links ask it; templates only hide what views already lock.

- leaders read the dashboards of their region (a city's leaders also every county under it) and
  change nothing;
- the supervision office (reviewers) reads like a leader, and for its own region reviews entries,
  locks months, records figures on a department's behalf (the register workbook) and uses the
  admin; administrators (superusers) may do all of this everywhere;
- the system administrator (系统管理员, one of the 三员 of ``accounts.roles``) uses the admin to
  set up regions, reports, departments and users: everywhere, or under its own region if it has
  one; it reads no dashboard and reviews nothing. The security and audit administrators have
  pages of their own and none of these;
- reporters read, and report on, only what their own department leads; they never use the admin.

Objects are asked about by their department (an indicator or a project by its lead department, a
monthly entry by its subject's, a department by itself) and by their region (a report's, a
department's).

A report in 筹备 (being set up) is the office's alone: its own region's office, the system
administrator and the administrator see it; to reporters, leaders and other regions' offices it
does not exist (`is_hidden`, `unpublished_hidden`).

Regions are sealed from each other: a refusal about another region's object is a 404 that names
nothing (`get_for_reader`), as if the object did not exist; a 403 explains only a limit within
the user's own regions (a reporter and another department's target). The office manages its own
region's reporters and leaders (`managed_users`); the administrator (`manages_everything`) all.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import roles
from accounts.decorators import requires

from .models import Department, Region, Report, User


def can_read_dashboards(user):
    return user.is_authenticated and (user.is_reviewer or user.is_leader)


def home_region_id(user):
    """The region a user belongs to: their own, or their department's."""
    if user.region_id:
        return user.region_id
    return user.department.region_id if user.department_id else None


def manages_everything(user):
    """The administrator: a superuser, or the server's 系统管理员 (``sysadmin`` of no region),
    who sets up every region, report and user. A region's system administrator, and everyone
    else, works within their own region (and the regions under it)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or (roles.has_role(user, roles.SYSADMIN) and not home_region_id(user))


def visible_regions(user):
    """Ids of the regions whose reports ``user`` may open (their region and every region under
    it); None for an administrator, who may open all. Read once per user object."""
    if not user.is_authenticated:
        return set()
    if manages_everything(user):
        return None
    if not hasattr(user, "_visible_regions"):
        home = home_region_id(user)
        user._visible_regions = Region.objects.ids_within(home) if home else set()
    return user._visible_regions


def region_of(obj):
    """The region an object belongs to, by id."""
    if isinstance(obj, Region):
        return obj.pk
    if hasattr(obj, "region_id"):
        return obj.region_id  # a report, a department
    if hasattr(obj, "report"):
        return obj.report.region_id  # an indicator, a project, a section
    return region_of(obj.subject)  # a monthly entry


def sees_region(user, region_id):
    visible = visible_regions(user)
    return visible is None or region_id in visible


def sets_up(user, region_id):
    """May ``user`` see ``region_id``'s reports in 筹备 (being set up, unpublished): the office
    of that region, its system administrator (in the admin), and the administrator. Reporters
    and leaders never do, nor a city's office a county's."""
    if not user.is_authenticated or not (user.is_reviewer or user.is_sysadmin):
        return False
    mine = configurable_regions(user)
    return mine is None or region_id in mine


def unpublished_hidden(user, report_field="report"):
    """A filter keeping the rows of reports in 筹备 that ``user`` may not see out of a queryset
    whose ``report_field`` is the report (``""``: a queryset of reports)."""
    prefix = f"{report_field}__" if report_field else ""
    preparing = Q(**{f"{prefix}state": Report.State.PREPARING})
    if not user.is_authenticated or not (user.is_reviewer or user.is_sysadmin):
        return ~preparing
    mine = configurable_regions(user)
    return Q() if mine is None else ~preparing | Q(**{f"{prefix}region__in": mine})


def report_of(obj):
    """The report an object belongs to (None for a region, a department, a user)."""
    if isinstance(obj, Report):
        return obj
    if hasattr(obj, "report"):
        return obj.report  # a section, an indicator, a project, a slip, a month lock
    subject = getattr(obj, "subject", None)
    return report_of(subject) if subject is not None else None


def is_hidden(user, obj):
    """Whether ``obj`` belongs to a report in 筹备 that ``user`` may not see (sealed: 404)."""
    report = report_of(obj)
    return report is not None and not report.is_published and not sets_up(user, report.region_id)


def reports_for(user):
    """The reports ``user`` may open, latest first: their regions', less those in 筹备 they do
    not set up."""
    reports = Report.objects.latest_first().filter(unpublished_hidden(user, ""))
    visible = visible_regions(user)
    return reports if visible is None else reports.filter(region__in=visible)


def report_list(user):
    """`reports_for` read once per user object: the page's choice and its report picker share
    one query."""
    if not hasattr(user, "_report_list"):
        user._report_list = list(reports_for(user))
    return user._report_list


def can_read_register(user):
    """The project list: everyone who reads dashboards, and reporters (their own projects)."""
    return can_read_dashboards(user) or (user.is_authenticated and user.is_reporter)


def can_use_api(user):
    """Hold personal access tokens for the read-only API (/api/v1/), which read what the person
    may read: whoever reads dashboards or reports for a department. The 三员 read no figures
    through the site, so not through the API either."""
    return user.is_authenticated and user.is_active and can_read_register(user)


def can_review(user):
    """Approve, return and reopen entries, lock months: the supervision office."""
    return user.is_authenticated and user.is_active and user.is_reviewer


def may_configure(user, obj):
    """May ``user`` change ``obj``'s set-up in the admin: their own region's, or any for an
    administrator (a city's office reads its counties but configures only its own region)."""
    mine = configurable_regions(user)
    return can_use_admin(user) and (mine is None or region_of(obj) in mine)


def configurable_regions(user):
    """Ids of the regions ``user`` may set up; None: all. A region's system administrator sets
    up every region it sees; the office only its own."""
    if manages_everything(user):
        return None
    if user.is_sysadmin:
        return visible_regions(user)
    home = home_region_id(user)
    return {home} if home else set()


def managed_users(user, queryset=None):
    """The accounts ``user`` may manage (create, deactivate, reset a password): all for an
    administrator; for the office, the reporters and leaders of its own region, never an
    administrator (superuser, staff, or one of the 三员) or a colleague of the office; nobody
    for anyone else."""
    queryset = User.objects.all() if queryset is None else queryset
    if user.is_authenticated and user.is_superuser:
        return queryset
    if manages_everything(user):
        # The system administrator manages every account but a superuser's and the other two
        # administrators': resetting their passwords would let it act as them (三员). Theirs
        # are reset on the server (docs/deploy.md, 三员).
        return queryset.exclude(is_superuser=True).exclude(
            groups__name__in=[roles.SECADMIN, roles.AUDITOR]
        )
    home = home_region_id(user)
    if not can_use_admin(user) or home is None:
        return queryset.none()
    own = Q(department__region_id=home) | Q(department__isnull=True, region_id=home)
    return (
        queryset.filter(own)
        .exclude(is_superuser=True)
        .exclude(is_staff=True)
        .exclude(groups__name__in=[*roles.ADMINISTRATORS, roles.REVIEWER])
    )


MANAGED_ROLES = (roles.REPORTER, roles.LEADER)


def can_review_report(user, report):
    """The office reviews its own region's reports; an administrator any."""
    return can_review(user) and (user.is_superuser or home_region_id(user) == report.region_id)


def can_use_admin(user):
    """The admin is the configuration tool of the office and the system administrator (and of
    the bootstrap superuser), nobody else's."""
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_reviewer or user.is_sysadmin)
    )


def department_of(obj):
    """The department an object belongs to, by id: its own, its lead's, or its subject's (None
    for what belongs to no department, such as a section)."""
    if isinstance(obj, Department):
        return obj.pk
    if hasattr(obj, "lead_department_id"):
        return obj.lead_department_id
    if hasattr(obj, "department_id"):
        return obj.department_id  # a supervision slip
    subject = getattr(obj, "subject", None)
    return subject.lead_department_id if subject is not None else None


def owns(user, obj):
    """A reporter owns their own department's rows; nobody else owns rows through this rule."""
    return user.is_authenticated and user.is_reporter and user.department_id == department_of(obj)


def can_read(user, obj):
    if is_hidden(user, obj):
        return False
    return (can_read_dashboards(user) and sees_region(user, region_of(obj))) or owns(user, obj)


def can_read_evidence(user, obj):
    """Evidence files (佐证材料) of ``obj`` (a target or project, an entry, or an evidence file):
    the department's own reporters and the supervision office that reviews them (its own
    region's; an administrator's everywhere). Leaders, and offices reading a county below them,
    read the approved figures on the dashboards, not the working papers behind them (photos of
    people and sites, signed sheets), so they are refused like anyone else."""
    subject = obj if hasattr(obj, "report") else obj.subject
    if is_hidden(user, subject):
        return False
    return owns(user, obj) or can_review_report(user, subject.report)


def can_report(user, subject):
    """May ``user`` record monthly figures for ``subject`` (an indicator or a project)?

    Its department's reporters may; so may the office of its region, which loads figures on a
    department's behalf from the register workbook. Whether the row can change *now* (state,
    lock, version) is the workflow gate's question, not this one.
    """
    return owns(user, subject) or can_review_report(user, subject.report)


def can_supervise(user, report):
    """Issue, accept, return and close supervision slips (督办单), edit and publish the monthly
    bulletin (通报): the office of the report's region, like review."""
    return can_review_report(user, report)


def can_verify(user, report):
    """Mark ``report``'s approved figures for 核实, draw samples, record results and keep their
    evidence: the office of the report's region (an administrator anywhere), like review.
    Leaders and offices above the region read the tasks' status; reporters see none."""
    return can_review_report(user, report)


def can_publish(user, report):
    """Switch the region's public page, publish ``report``'s months, choose its public fields and
    write and publish the 人大 对照表: the office of the report's region (an administrator
    anywhere), like review. Nobody else changes what the public sees."""
    return can_review_report(user, report)


def can_answer_slip(user, slip):
    """Answer a slip with causes and measures: the reporters of the department it was issued to."""
    return owns(user, slip)


def scope(
    user,
    queryset,
    department_field="lead_department",
    region_field="report__region",
    report_field="report",
):
    """The part of ``queryset`` ``user`` may read: their regions' rows for dashboard readers,
    their own department's rows for a reporter, nothing for anyone else; never the rows of a
    report in 筹备 they do not set up (``report_field`` None: the rows belong to no report)."""
    if report_field is not None:
        queryset = queryset.filter(unpublished_hidden(user, report_field))
    if can_read_dashboards(user):
        visible = visible_regions(user)
        return queryset if visible is None else queryset.filter(**{f"{region_field}__in": visible})
    if user.is_authenticated and user.is_reporter:
        return queryset.filter(**{department_field: user.department_id})
    return queryset.none()


def get_for_reader(user, queryset, pk):
    """The object if ``user`` may read it. 404 if it does not exist or lies in a region the user
    does not see: another region's rows are sealed, and a refusal must not tell that they exist.
    403 (the page explaining a reporter's limits) only for a row of the user's own regions that
    is not theirs, such as another department's target."""
    obj = get_object_or_404(queryset, pk=pk)
    if not can_read(user, obj):
        if not sees_region(user, region_of(obj)) or is_hidden(user, obj):
            raise Http404
        raise PermissionDenied
    return obj


# Leaders, reviewers and superusers; a reporter is refused (403), anonymous sent to log in.
dashboard_required = requires(can_read_dashboards)
reviewer_required = requires(can_review)
register_required = requires(can_read_register)
reporter_required = requires(lambda user: user.is_reporter)
