"""The security policy in force: password, session and lock-out rules (等保2.0).

``current()`` answers from the cache, so pages pay no query for it: the one row is read once,
created on first use with the values of the settings (the environment, docs/deploy.md), and
dropped from the cache whenever it is saved. With a local-memory cache each process keeps its
own copy, so the copy also expires after a minute: a change made in one process reaches the
others within that time (at once with Redis, which they share).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import SecurityPolicy

log = logging.getLogger(__name__)

CACHE_KEY = "accounts:security-policy"
CACHE_SECONDS = 60


def defaults():
    """The policy's first values, from the settings."""
    return {
        "password_min_length": settings.PASSWORD_MIN_LENGTH,
        "password_classes": settings.PASSWORD_CLASSES,
        "password_max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
        "password_warn_days": settings.PASSWORD_WARN_DAYS,
        "password_history": settings.PASSWORD_HISTORY,
        "idle_minutes": settings.IDLE_MINUTES,
        "session_hours": settings.SESSION_HOURS,
        "failure_limit": settings.LOGIN_FAILURE_LIMIT,
        "account_failure_limit": settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
        "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }


def current():
    """The SecurityPolicy row in force (created with the settings' values on first use)."""
    policy = _cached(cache.get, CACHE_KEY)
    if policy is None:
        policy, _created = SecurityPolicy.objects.get_or_create(pk=1, defaults=defaults())
        _cached(cache.set, CACHE_KEY, policy, CACHE_SECONDS)
    return policy


def _cached(operation, *args):
    # A cache outage (Redis down) must not take logins and pages down: read the row instead.
    try:
        return operation(*args)
    except Exception:
        log.warning("security policy cache unavailable", exc_info=True)
        return None


@receiver(post_save, sender=SecurityPolicy)
@receiver(post_delete, sender=SecurityPolicy)
def _forget(**kwargs):
    _cached(cache.delete, CACHE_KEY)
