"""Moving old audit records out of the database into a file (`manage.py audit_archive`).

The file holds one JSON object a line: first a header (the anchor the records chain from),
then every record with its hashes, so `audit_verify --archive FILE` checks it on its own. The
rows go in one transaction, and the head remembers the last archived record's number and hash:
the chain left in the database verifies from there. This is the only deletion of audit records.
"""

import datetime
import json
import os

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import chain, log
from .models import GENESIS, Action, AuditHead, AuditRecord

FORMAT = "county-targets-audit-archive/1"


class ArchiveRefused(Exception):
    pass


def earliest_allowed(today=None):
    """The latest --before date allowed: records younger than the retention are kept."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=max(settings.AUDIT_RETENTION_DAYS, 180))


def _open_private(path):
    """A new file only its owner may read (0600), never an existing one overwritten."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "w", encoding="utf-8")


def archive(before, path):
    """Write every record older than the date ``before`` (local time) to ``path`` and remove
    them from the database; returns how many. Refuses a date inside the retention period and
    a chain that does not verify (an archive must not carry a break away)."""
    if before > earliest_allowed():
        raise ArchiveRefused(
            f"Records are kept at least {max(settings.AUDIT_RETENTION_DAYS, 180)} days: "
            f"--before must be {earliest_allowed():%Y-%m-%d} or earlier."
        )
    cutoff = timezone.make_aware(datetime.datetime.combine(before, datetime.time()))
    with transaction.atomic():
        head = log._locked_head()
        _count, broken = log.verify()
        if broken:
            raise ArchiveRefused(f"The audit chain does not verify ({broken}); nothing archived.")
        # The chain's oldest part: every record before the first one that is not old enough.
        kept = AuditRecord.objects.filter(time__gte=cutoff).order_by("id").first()
        old = AuditRecord.objects.order_by("id")
        if kept is not None:
            old = old.filter(id__lt=kept.id)
        last = old.last()
        if last is None:
            return 0
        with _open_private(path) as out:
            header = {
                "format": FORMAT,
                "before": before.isoformat(),
                "anchor_seq": head.anchor_seq,
                "anchor_hash": head.anchor_hash,
            }
            out.write(json.dumps(header, ensure_ascii=False) + "\n")
            written = 0
            for entry in old.iterator(chunk_size=2000):
                line = {**chain.content(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}
                out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
                written += 1
            out.flush()
            os.fsync(out.fileno())
        # The one deletion of audit records, past the queryset's refusal.
        models.QuerySet.delete(AuditRecord.objects.filter(id__lte=last.id))
        AuditHead.objects.filter(pk=head.pk).update(anchor_seq=last.id, anchor_hash=last.hash)
        log.record(
            Action.ARCHIVED,
            detail={
                "file": os.path.basename(path),
                "before": before.isoformat(),
                "records": written,
                "last_id": last.id,
                "last_hash": last.hash,
            },
        )
    return written


def verify_file(path):
    """Check an archive file's own chain: (records checked, the first `chain.Break` or None)."""
    with open(path, encoding="utf-8") as source:
        header = json.loads(source.readline())
        if header.get("format") != FORMAT:
            return 0, chain.Break(None, None, "not an audit archive")
        records = (json.loads(line) for line in source if line.strip())
        return chain.first_break(
            records,
            start_seq=header.get("anchor_seq", 0),
            start_hash=header.get("anchor_hash", GENESIS),
        )
