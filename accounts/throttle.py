"""Login throttling that neither leaks nor locks out (等保2.0 身份鉴别 b), on django-axes.

Two limits, both from the security policy and both counted within ``lockout_minutes``:

- ``failure_limit`` failures for one account from one address lock that account at that address
  (axes' combination parameter ``[["username", "ip_address"]]``). Colleagues behind the same NAT
  address are not touched, nor is the account from another address. A successful login clears
  that account's failures from that address only (axes' reset goes by the same combination), so
  logging in as oneself no longer wipes the failures one piled up against ``admin``.
- ``account_failure_limit`` failures for one account from all addresses together lock the account
  everywhere: a slower limit for a guesser spread over many addresses.

The security administrator lists and lifts lock-outs with ``lockouts()`` and ``lift()``.
"""

from dataclasses import dataclass
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.db.models import Max, Sum
from django.utils import timezone

from . import policy

# Why a login is refused, for the lock-out page (request.throttle_reason).
ADDRESS = "address"
ACCOUNT = "account"


def failure_limit(request=None, credentials=None):
    """settings.AXES_FAILURE_LIMIT: failures for one account from one address."""
    return policy.current().failure_limit


def cool_off(request=None):
    """settings.AXES_COOLOFF_TIME: how long failures count and a lock-out lasts."""
    return timedelta(minutes=policy.current().lockout_minutes)


def _since():
    return timezone.now() - cool_off()


def account_failures(username):
    """Failures for ``username`` from every address within the lock-out time."""
    if not username:
        return 0
    total = AccessAttempt.objects.filter(username=username, attempt_time__gte=_since()).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def account_locked(username):
    limit = policy.current().account_failure_limit
    return bool(limit) and account_failures(username) >= limit


class ThrottleHandler(AxesDatabaseHandler):
    """axes' database handler with the account-wide limit beside its per-address one."""

    def is_locked(self, request, credentials=None):
        if super().is_locked(request, credentials):
            request.throttle_reason = ADDRESS
            return True
        if account_locked(get_client_username(request, credentials)):
            request.throttle_reason = ACCOUNT
            return True
        return False

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None:
            return
        if getattr(request, "axes_locked_out", False):
            request.throttle_reason = getattr(request, "throttle_reason", ADDRESS)
            return
        username = get_client_username(request, credentials)
        if account_locked(username):
            # The failure that reached the account's limit answers with the lock-out page, as
            # axes does for its own limit.
            request.throttle_reason = ACCOUNT
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )


@dataclass
class Lockout:
    username: str
    address: str  # "" when the account is locked from every address
    failures: int
    last_failure: object  # datetime


def lockouts():
    """The lock-outs in force, newest first: an account at one address, or an account everywhere
    (address "")."""
    rules = policy.current()
    recent = AccessAttempt.objects.filter(attempt_time__gte=_since())
    # axes keeps a row per browser (user agent) too: count an account's failures per address
    # and in all, as the locks do.
    counted = {"failures": Sum("failures_since_start"), "last": Max("attempt_time")}
    at_address = (
        recent.values("username", "ip_address")
        .annotate(**counted)
        .filter(failures__gte=rules.failure_limit)
    )
    everywhere = (
        recent.values("username")
        .annotate(**counted)
        .filter(failures__gte=rules.account_failure_limit)
    )
    found = [
        Lockout(row["username"], row.get("ip_address") or "", row["failures"], row["last"])
        for rows in (at_address, everywhere)
        for row in rows
    ]
    return sorted(found, key=lambda lockout: lockout.last_failure, reverse=True)


def lift(username, address=None):
    """Lift an account's lock-out: at one address, or (no address) everywhere. Returns how many
    failure records were removed."""
    if address:
        return AxesProxyHandler.reset_attempts(username=username, ip_address=address)
    return AxesProxyHandler.reset_attempts(username=username)
