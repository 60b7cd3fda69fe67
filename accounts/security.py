"""What the security administrator (安全管理员) sees and does: lock-outs (django-axes' failed
attempts over the policy's limits) and signed-in sessions. The supervision office sees and lifts
the lock-outs of its own region's accounts, and nothing else here.

Sessions are never named by their key (a key is the session itself: whoever holds it is signed
in); pages and forms name one by a digest of it (`handle`).
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import roles, sessions, throttle
from .models import SecurityPolicy


def can_manage_security(user):
    """Sessions and the policy: the security administrator alone."""
    return roles.has_role(user, roles.SECADMIN)


def can_lift_lockouts(user):
    """Lock-outs: the security administrator (every account) and the supervision office (its own
    region's accounts)."""
    return can_manage_security(user) or roles.has_role(user, roles.REVIEWER)


def policy():
    """The policy row to show and edit: read fresh (not the cached copy `policy.current`
    serves to every request), created with the settings' values on first use."""
    from .policy import defaults

    return SecurityPolicy.objects.get_or_create(pk=1, defaults=defaults())[0]


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


def lockouts(user):
    """The lock-outs in force that ``user`` may see (`throttle.lockouts`: an account at one
    address, or everywhere when its ``address`` is ""), newest first."""
    names = accounts_of(user)
    return [lock for lock in throttle.lockouts() if names is None or lock.username in names]


def may_lift(user, username):
    names = accounts_of(user)
    return names is None or username in names


def lift(username, ip_address=None):
    """Clear ``username``'s failed attempts from ``ip_address`` (every address if None); returns
    how many attempt rows went."""
    return throttle.lift(username, ip_address)


def handle(session_key):
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SignedIn:
    handle: str
    user: object
    last_activity: datetime.datetime | None
    address: str
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
        # What the session limits keep (accounts.sessions): the last request, the login's address.
        last = _when(data.get(sessions.SEEN_AT) or data.get(sessions.LOGIN_AT))
        address = data.get(sessions.LOGIN_ADDRESS) or ""
        rows.append((user_id, handle(session.session_key), last, address, session.expire_date))
    users = get_user_model().objects.in_bulk({int(user_id) for user_id, *_ in rows})
    found = [
        SignedIn(key, users[int(user_id)], last, address, expires)
        for user_id, key, last, address, expires in rows
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
