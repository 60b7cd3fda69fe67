"""The hash chain of audit records: each record's canonical content, its hash, and checking a
run of records (the database's, or an archive file's) against the hashes they carry.

Pure: it reads records or plain dicts and says where the chain breaks, it never writes."""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.utils import timezone

# What a record's hash covers: everything but the hashes themselves.
FIELDS = (
    "id",
    "time",
    "actor_id",
    "actor_name",
    "address",
    "region_id",
    "region_name",
    "action",
    "object_label",
    "object_id",
    "object_text",
    "detail",
)


def _shown_time(value):
    """A record's time as the audit page shows it (local time), for a person to look it up."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return value


def _time_text(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return value


def content(record):
    """A record (a model instance or a dict read from an archive) as a plain dict of the
    hashed fields, its time in UTC ISO form."""
    get = record.get if isinstance(record, dict) else lambda name: getattr(record, name)
    values = {name: get(name) for name in FIELDS}
    values["time"] = _time_text(values["time"])
    return values


def canonical(record):
    return json.dumps(
        content(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def compute_hash(prev_hash, record):
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(record)).hexdigest()


@dataclass(frozen=True)
class Break:
    """Where the chain breaks: the record's id and time (None past the last record), and why."""

    record_id: object
    time: object
    reason: str

    def __str__(self):
        where = f"record {self.record_id}" if self.record_id is not None else "end of chain"
        when = f" ({_shown_time(self.time)})" if self.time else ""
        return f"{where}{when}: {self.reason}"


def first_break(records, *, start_seq, start_hash, end_seq=None, end_hash=None):
    """Walk ``records`` in id order from the anchor (the number and hash of the record before
    the first); returns (records checked, the first `Break` or None). ``end_seq``/``end_hash``,
    when given, are what the last record must be (the head's memory of it): a deleted tail is
    a break too."""
    get = lambda record, name: record[name] if isinstance(record, dict) else getattr(record, name)  # noqa: E731
    expected_id, prev_hash, count = start_seq + 1, start_hash, 0
    for record in records:
        record_id, time = get(record, "id"), get(record, "time")
        if record_id != expected_id:
            return count, Break(
                record_id, time, f"expected record {expected_id} before it (records deleted)"
            )
        if get(record, "prev_hash") != prev_hash:
            return count, Break(
                record_id, time, "its previous hash does not match the record before it"
            )
        if compute_hash(prev_hash, record) != get(record, "hash"):
            return count, Break(record_id, time, "its content does not match its hash (edited)")
        prev_hash, expected_id, count = get(record, "hash"), expected_id + 1, count + 1
    if end_seq is not None and (expected_id - 1, prev_hash) != (end_seq, end_hash):
        return count, Break(
            None,
            None,
            f"the chain ends at record {expected_id - 1}, but record {end_seq} was written "
            "(records at the end deleted or the head changed)",
        )
    return count, None
