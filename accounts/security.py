"""What the security administrator (安全管理员) sees and does: lock-outs (django-axes' failed
attempts over the policy's limits) and signed-in sessions. The supervision office sees and lifts
the lock-outs of its own region's accounts, and nothing else here.

Sessions are never named by their key (a key is the session itself: whoever holds it is signed
in); pages and forms name one by a digest of it (`handle`).
"""

import datetime
import hashlib
from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import roles
from .models import SecurityPolicy

# Where the idle timeout keeps a session's last request, if it does (accounts.policy).
LAST_ACTIVITY_KEYS = ("last_activity", "_last_activity")


def can_manage_security(user):
    """Sessions and the policy: the security administrator alone."""
    return roles.has_role(user, roles.SECADMIN)


def can_lift_lockouts(user):
    """Lock-outs: the security administrator (every account) and the supervision office (its own
    region's accounts)."""
    return can_manage_security(user) or roles.has_role(user, roles.REVIEWER)


def policy():
    return SecurityPolicy.objects.get_or_create(pk=1)[0]


def accounts_of(user):
    """The usernames whose lock-outs ``user`` may see and lift; None: every name (also names of
    no account, which someone tried). The office's are its own region's everyday accounts."""
    if can_manage_security(user):
        return None
    if not roles.has_role(user, roles.REVIEWER):
        return set()
    from indicators.access import home_region_id

    home = home_region_id(user)
    if home is None:
        return set()
    people = (
        get_user_model()
        .objects.filter(Q(region_id=home) | Q(department__region_id=home))
        .exclude(is_superuser=True)
        .exclude(groups__name__in=roles.ADMINISTRATORS)  # the office never touches these
    )
    return set(people.values_list("username", flat=True))


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str | None  # None: the account is locked from every address
    failures: int
    last_try: datetime.datetime


def lockouts(user, rules=None):
    """The lock-outs in force that ``user`` may see: an account from one address over the
    policy's failure limit, and an account over its limit across addresses; newest first."""
    rules = rules or policy()
    attempts = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - datetime.timedelta(minutes=rules.lockout_minutes)
    )
    names = accounts_of(user)
    if names is not None:
        attempts = attempts.filter(username__in=names)
    found = [
        Lockout(row["username"], row["ip_address"], row["failures"], row["last_try"])
        for row in attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_try=Max("attempt_time"))
        .filter(failures__gte=rules.failure_limit)
    ]
    found += [
        Lockout(row["username"], None, row["failures"], row["last_try"])
        for row in attempts.values("username")
        .annotate(failures=Sum("failures_since_start"), last_try=Max("attempt_time"))
        .filter(failures__gte=rules.account_failure_limit)
    ]
    return sorted(found, key=lambda lock: lock.last_try, reverse=True)


def may_lift(user, username):
    names = accounts_of(user)
    return names is None or username in names


def lift(username, ip_address=None):
    """Clear ``username``'s failed attempts from ``ip_address`` (every address if None); returns
    how many attempt rows went."""
    if ip_address:
        return reset(ip=ip_address, username=username)
    return reset(username=username)


def handle(session_key):
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SignedIn:
    handle: str
    user: object
    last_activity: datetime.datetime | None
    expires: datetime.datetime


def _when(value):
    if isinstance(value, int | float):
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed
    return None


def signed_in():
    """Every unexpired session of a signed-in user, latest activity first."""
    rows = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()):
        data = session.get_decoded()
        user_id = data.get("_auth_user_id")
        if user_id is None:
            continue
        last = next((_when(data[key]) for key in LAST_ACTIVITY_KEYS if key in data), None)
        rows.append((user_id, handle(session.session_key), last, session.expire_date))
    users = get_user_model().objects.in_bulk({user_id for user_id, *_ in rows})
    found = [
        SignedIn(key, users[int(user_id)], last, expires)
        for user_id, key, last, expires in rows
        if int(user_id) in users
    ]
    return sorted(found, key=lambda s: s.last_activity or s.expires, reverse=True)


def end_session(session_handle):
    """End the session named by ``session_handle``; returns its user, or None if there is no
    such session."""
    for session in Session.objects.filter(expire_date__gt=timezone.now()):
        if handle(session.session_key) == session_handle:
            user_id = session.get_decoded().get("_auth_user_id")
            session.delete()
            return get_user_model().objects.filter(pk=user_id).first()
    return None
