"""Where each user goes: their home page, and the header's links (only pages they may open).

It sits in the top app because it names pages of every app; who may open them is the access
rule's answer (``indicators.access``), asked here, never decided here.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import roles, security
from indicators import access, periods


def administrator_home(user):
    """The page each of the 三员 works on, where its login lands; None for everyone else."""
    role = roles.administrator_role(user)
    if role == roles.SYSADMIN:
        return reverse("admin:index")
    if role == roles.SECADMIN:
        return reverse("accounts:security")
    if role == roles.AUDITOR:
        return reverse("audit:records")
    return None


def home_url(user):
    """Where "/" and every "back" link take a user: an administrator to its page, reporters to
    the month they are due to fill in, everyone who reads dashboards to the overview."""
    if access.can_read_dashboards(user):
        return reverse("reporting:home")
    return administrator_home(user) or reverse("reporting:landing")


def keeping_report(url, report_id):
    """``url`` with the report the page was showing, so that the header does not drop it. The
    id is only passed on, never trusted: the page it leads to checks the user may open it."""
    return url if report_id is None else f"{url}?report={report_id}"


def chosen_report_id(request):
    """The ``?report=`` a request carries, as a number, or None."""
    return periods.parse_int(request.GET.get("report"))


def nav_links(user, report_id=None):
    """The header's links: only pages this user may open; the pages of one report keep
    ``report_id`` (the report chosen on the page the header is shown on)."""
    if not user.is_authenticated:
        return []
    links = []
    if user.is_reporter:
        links += [
            (_("月度填报"), reverse("reporting:landing")),
            (_("Excel导入"), reverse("reporting:import")),
            (_("本单位"), reverse("reporting:department", args=[user.department_id])),
            (_("本单位项目"), reverse("projects:list")),
        ]
    if access.can_read_dashboards(user):
        links += [
            (label, keeping_report(reverse(name), report_id))
            for label, name in (
                (_("总览"), "reporting:home"),
                (pgettext_lazy("page", "责任单位"), "reporting:departments"),
                (_("项目库"), "projects:list"),
                (_("项目投资"), "projects:investment"),
                (_("大屏"), "reporting:screen"),
            )
        ]
        visible = access.visible_regions(user)
        if visible is None or len(visible) > 1:  # a city (or province), or an administrator
            links.append((_("各地区"), reverse("reporting:regions")))
    if access.can_review(user):
        links.append((_("审核"), keeping_report(reverse("reporting:review"), report_id)))
        # Not keeping the report: a city's office reads its counties' reports but publishes
        # only its own region's.
        links.append((_("政务公开"), reverse("opendata:publishing")))
        links.append(
            (_("对照表"), keeping_report(reverse("opendata:comparison-latest"), report_id))
        )
    if security.can_manage_security(user):
        links.append((_("安全管理"), reverse("accounts:security")))
    elif security.can_lift_lockouts(user):
        links.append((_("账号锁定"), reverse("accounts:security")))
    if roles.can_read_audit(user):
        links.append((_("安全审计"), reverse("audit:records")))
    if access.can_use_admin(user):
        links.append((_("管理"), reverse("admin:index")))
    return links


def navigation(request):
    """Context processor: the header's links for the signed-in user."""
    return {
        "nav_links": nav_links(request.user, chosen_report_id(request)),
        "home_url": home_url(request.user),
        # The person's own API tokens (/api/tokens/), beside their password.
        "holds_api_tokens": access.can_use_api(request.user),
    }
