"""What a login records and how long a session lasts (等保2.0 身份鉴别 a, b).

A login keeps in its session when it began, where from, when it was last active and when the
password was set (the keys below: the security administrator's list of sessions reads them), and
leaves "上次登录" (the account's previous login) as a message for the first page. Each request
then checks the policy's limits: a session idle longer than ``idle_minutes`` or older than
``session_hours`` ends and the person is sent to the login page with a word why. The last
activity is written at most once a minute, so a session is not saved on every request.
"""

from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth import HASH_SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from county_targets import middleware

from . import passwords, policy
from .models import LoginRecord

# Session keys (seconds since the epoch, and text).
LOGIN_AT = "accounts.login_at"
SEEN_AT = "accounts.seen_at"
LOGIN_ADDRESS = "accounts.login_address"
PASSWORD_SET_AT = "accounts.password_set_at"
# The session's password hash check (Django's) when PASSWORD_SET_AT was read: a password changed
# in this session, on any page, changes it, and the age is read again.
PASSWORD_SET_FOR = "accounts.password_set_for"
PASSWORD_WARNED_ON = "accounts.password_warned_on"

# How often the last activity is written: a minute's precision is plenty for a 30-minute limit.
SEEN_EVERY_SECONDS = 60


def _moment(seconds):
    return datetime.fromtimestamp(seconds, UTC)


def _when(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    now = timezone.now()
    address = (middleware.client_ip(request) or "")[:64]
    previous = LoginRecord.objects.filter(user=user).first()
    if previous:
        text = _("上次登录：%(time)s，地址：%(address)s") % {
            "time": _when(previous.at),
            "address": previous.address or _("未知"),
        }
    else:
        text = _("这是您第一次登录本系统。")
    LoginRecord.objects.update_or_create(user=user, defaults={"at": now, "address": address})
    session = request.session
    session[LOGIN_AT] = session[SEEN_AT] = now.timestamp()
    session[LOGIN_ADDRESS] = address
    _read_password_age(session, user)
    # The test client's force_login has no message store: nothing to show there.
    messages.info(request, text, fail_silently=True)


def _end(request, text, reason):
    target = request.get_full_path()
    request.logout_reason = reason  # the audit log's logout record says why
    logout(request)
    messages.info(request, text, fail_silently=True)
    return redirect_to_login(target)


class SessionLimitsMiddleware:
    """Ends a signed-in session that has been idle too long or has lasted too long; for one that
    goes on, marks an expired password (``request.password_expired``, which
    county_targets.middleware.PasswordChangeRequiredMiddleware enforces) or warns of one that
    expires soon."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = self.check(request)
            if ended is not None:
                return ended
            days_left = password_days_left(request)
            request.password_expired = days_left is not None and days_left <= 0
            if not request.password_expired and not request.user.must_change_password:
                warn_if_expiring(request, days_left)
        return self.get_response(request)

    def check(self, request):
        session = request.session
        now = timezone.now().timestamp()
        login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
        if login_at is None or seen_at is None:
            # A session from before these limits: it starts counting now.
            session[LOGIN_AT] = session[SEEN_AT] = now
            return None
        rules = policy.current()
        if rules.session_hours and now - login_at > rules.session_hours * 3600:
            return _end(
                request,
                _("登录已超过%(hours)d小时，已自动退出，请重新登录。")
                % {"hours": rules.session_hours},
                "session_limit",
            )
        if rules.idle_minutes and now - seen_at > rules.idle_minutes * 60:
            return _end(request, _("因长时间未操作，已自动退出，请重新登录。"), "idle")
        if now - seen_at >= SEEN_EVERY_SECONDS:
            session[SEEN_AT] = now
        return None


# --- The password's age ------------------------------------------------------------------------


def _read_password_age(session, user):
    set_at = session[PASSWORD_SET_AT] = passwords.password_set_at(user).timestamp()
    session[PASSWORD_SET_FOR] = session.get(HASH_SESSION_KEY)
    return set_at


def password_days_left(request):
    """Days until the signed-in person's password expires (0 or less: expired; None: never).
    Kept in the session, so a page pays no query for it until the password changes."""
    session = request.session
    set_at = session.get(PASSWORD_SET_AT)
    if set_at is None or session.get(PASSWORD_SET_FOR) != session.get(HASH_SESSION_KEY):
        set_at = _read_password_age(session, request.user)
    return passwords.days_left(_moment(set_at))


def warn_if_expiring(request, days):
    """Once a day in a session (so first after the login), a word that the password expires
    soon."""
    if days is None or days <= 0 or days > policy.current().password_warn_days:
        return
    today = timezone.localdate().isoformat()
    if request.session.get(PASSWORD_WARNED_ON) == today:
        return
    request.session[PASSWORD_WARNED_ON] = today
    messages.warning(
        request,
        _("您的密码将于%(days)d天后过期，请及时修改。") % {"days": days},
        fail_silently=True,
    )
