"""The one gate for personal access tokens: made (the secret shown once), revoked, and checked on
each call. Making and revoking are the token owner's own acts, in a transaction, recorded in the
audit log; bad input gets a message in the interface language and changes nothing."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Action
from indicators import access

from .models import AccessToken

# What every secret starts with, so that a scanner (or a person) knows one when it sees one.
SCHEME = "ctk_"
PREFIX_LENGTH = len(SCHEME) + 8
# A login is written at most this often: a busy script does not write on every call.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user, name, days, *, request=None):
    """Make a token for ``user`` named ``name`` that lasts ``days`` days: (token, secret). The
    secret is returned here once and never again."""
    if not access.can_use_api(user):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写令牌名称，写明用途（如“大屏数据同步”）。"))
    most = settings.API_TOKEN_MAX_DAYS
    if not 1 <= days <= most:
        raise ValidationError(_("有效期应为1至%(most)s天。") % {"most": most})
    secret = SCHEME + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = AccessToken.objects.create(
            user=user,
            name=name[:60],
            digest=digest(secret),
            prefix=secret[:PREFIX_LENGTH],
            expires_at=now + datetime.timedelta(days=days),
        )
        log.record(
            Action.CREATED,
            request=request,
            user=user,
            obj=token,
            detail={"api_token": token.prefix, "expires_at": token.expires_at},
        )
    return token, secret


def revoke(user, token_id, *, request=None):
    """Revoke ``user``'s own token ``token_id``; another person's is not found (404 upstream:
    ``AccessToken.DoesNotExist``). Revoking twice changes nothing the second time."""
    with transaction.atomic():
        token = AccessToken.objects.select_for_update().get(pk=token_id, user=user)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log.record(
            Action.DELETED,
            request=request,
            user=user,
            obj=token,
            detail={"api_token": token.prefix, "revoked": True},
        )
    return token


def authenticate(secret):
    """The live token whose secret is ``secret``, with its user, if the user is active and may
    still use the API; else None. Notes the time it was used (at most once a minute)."""
    if not secret or not secret.startswith(SCHEME) or len(secret) > 200:
        return None
    now = timezone.now()
    token = (
        AccessToken.objects.live(now)
        .select_related("user", "user__region", "user__department")
        .filter(digest=digest(secret))
        .first()
    )
    if token is None or not token.user.is_active or not access.can_use_api(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def of_user(user):
    """``user``'s tokens, newest first (revoked and expired ones too, for the record)."""
    return AccessToken.objects.filter(user=user)
