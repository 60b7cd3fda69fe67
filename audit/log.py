"""`record`: the one way anything writes to the security audit log.

Who and from where come from the request (its user and `client_ip`); a model change made with
no request at hand (a signal) takes the request django-simple-history's middleware holds for
the thread, else none (a management command: the actor is left blank). Writers are serialised
on the one `AuditHead` row (``select_for_update`` inside ``transaction.atomic``; on SQLite the
IMMEDIATE transaction takes the write lock), so two processes never fork the chain.
"""

import json
import os
import re
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from county_targets.middleware import client_ip

from . import chain
from .models import Action, AuditHead, AuditRecord

HEAD_ID = 1

# Field names whose values are secrets or carry them (a robot's URL holds its key): never
# stored as they are. Passwords are never stored at all.
SECRET_NAME = re.compile(r"secret|token|webhook|api_key|(^|_)sign(ature)?$", re.IGNORECASE)
NEVER_STORED = frozenset({"password"})


def mask(value):
    """A secret as the log may show it: a URL's scheme and host, anything else as ***."""
    if not value:
        return value
    text = str(value)
    parts = urlsplit(text)
    if parts.scheme and parts.netloc:
        return f"{parts.scheme}://{parts.hostname or ''}/***"
    return "***"


def json_safe(value):
    """``value`` as the JSON the database will give back (dates and decimals as text, no NUL
    characters, which PostgreSQL refuses), so the hash written is the hash recomputed later."""
    return _without_nul(json.loads(json.dumps(value, ensure_ascii=False, default=str)))


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _text(value, length):
    return str(value or "").replace("\x00", "")[:length]


def current_request():
    return getattr(HistoricalRecords.context, "request", None)


def region_model():
    # The region a user belongs to: named through the user model, never imported.
    return get_user_model()._meta.get_field("region").related_model


def region_of(obj):
    """The region ``obj`` belongs to: itself, its own ``region``, its report's, or its
    department's; None when it has none (or it is gone)."""
    if obj is None:
        return None
    regions = region_model()
    if isinstance(obj, regions):
        return obj
    try:
        for path in (("region",), ("report", "region"), ("department", "region")):
            value = obj
            for name in path:
                value = getattr(value, name, None)
                if value is None:
                    break
            if isinstance(value, regions):
                return value
    except ObjectDoesNotExist:
        pass
    return None


def _locked_head():
    head = AuditHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is None:
        # Made by the migration; only a flushed test database lacks it.
        AuditHead.objects.get_or_create(pk=HEAD_ID)
        head = AuditHead.objects.select_for_update().get(pk=HEAD_ID)
    return head


def record(
    action,
    *,
    request=None,
    user=None,
    obj=None,
    region=None,
    detail=None,
    username=None,
):
    """Append one event to the audit log and return its record.

    ``request`` gives the actor (unless ``user`` is given) and the address; ``obj`` the object
    (label, id and text, snapshotted); ``region`` defaults to the object's, else the actor's;
    ``username`` names the account a failed or locked-out login was for (there is no user).
    ``detail`` is any JSON: what changed, the rows loaded, the path refused."""
    action = Action(action)
    if request is None:
        request = current_request()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    if region is None:
        region = getattr(obj, "_audit_region", None) or region_of(obj) or region_of(user)
    if region is None and user is None and username:
        # A failed login belongs to the region of the account it tried, if there is one.
        users = get_user_model()._default_manager
        named = {users.model.USERNAME_FIELD: _text(username, 150)}
        region = region_of(users.filter(**named).first())
    actor_name = user.get_username() if user is not None else username
    values = {
        "actor_id": user.pk if user is not None else None,
        "actor_name": _text(actor_name, 150),
        "address": _text(client_ip(request), 64) if request is not None else "",
        "region_id": region.pk if region is not None else None,
        "region_name": _text(region, 50),
        "action": action.value,
        "object_label": obj._meta.label if obj is not None else "",
        "object_id": _text(obj.pk, 64) if obj is not None else "",
        "object_text": _text(obj, 200) if obj is not None else "",
        "detail": json_safe(detail or {}),
    }
    with transaction.atomic():
        head = _locked_head()
        entry = AuditRecord(
            id=head.last_seq + 1, time=timezone.now(), prev_hash=head.last_hash, **values
        )
        entry.hash = chain.compute_hash(head.last_hash, entry)
        entry.save()
        AuditHead.objects.filter(pk=head.pk).update(last_seq=entry.id, last_hash=entry.hash)
    return entry


def verify():
    """Check the whole chain in the database: (records checked, the first `chain.Break` or
    None)."""
    head = AuditHead.objects.filter(pk=HEAD_ID).first() or AuditHead()
    records = AuditRecord.objects.order_by("id").iterator(chunk_size=2000)
    return chain.first_break(
        records,
        start_seq=head.anchor_seq,
        start_hash=head.anchor_hash,
        end_seq=head.last_seq,
        end_hash=head.last_hash,
    )


def workbook_loaded(kind, file_name, *, rows, request=None, obj=None, **counts):
    """Record a workbook load at its success point: which workbook (``kind``: report, users,
    monthly), the file's name, how many rows, and any counts (created, updated, unchanged)."""
    detail = {"workbook": kind, "file": os.path.basename(str(file_name or "")), "rows": rows}
    detail.update(counts)
    return record(Action.WORKBOOK_LOADED, request=request, obj=obj, detail=detail)
