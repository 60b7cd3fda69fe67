"""The data version: how far the data behind the dashboards has moved.

Cached dashboards (``indicators.cached``) are keyed by it, so a change shows on the very next
request in every process and on every server: there is nothing to expire or to tell.

Every save or delete of a row a dashboard can show advances, in the same transaction as the
change, the version of the report it belongs to (``DataVersion`` ``report-<id>``), or the one
shared by every report (``everything``) for regions, departments and people's names. This is
done by signals on the models (`watch`), so the workflow gate, review, month locks, the
register's admin and workbook, the report set-up workbook, the users workbook and the admin all
advance it without each remembering to; writes that bypass signals (``bulk_create``,
``QuerySet.update``) call `advance` themselves (the gate's bulk path does).

Per report rather than one global counter: two counties' imports never wait on one row, and a
change in one county leaves the city's other counties' cached pages standing. The gate already
locks the report's row for its transaction, so its version row adds no new waiting.

A reader must read the version *before* the data it caches (`token` first, then compute): then
an entry can only ever hold data at least as new as its version says, never older.
"""

import secrets

from django.db.models import CharField, F, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import DataVersion

EVERYTHING = "everything"


def report_key(report_id):
    return f"report-{report_id}"


def advance(report_ids=(), *, everything=False):
    """Advance the version of each report in ``report_ids`` (and of ``everything``), in the
    caller's transaction. Two queries at most, however many reports."""
    keys = sorted({report_key(pk) for pk in report_ids if pk is not None})
    if everything:
        keys.append(EVERYTHING)
    if not keys:
        return
    stamp = secrets.token_hex(8)
    rows = DataVersion.objects.filter(key__in=keys)
    if rows.update(counter=F("counter") + 1, stamp=stamp) < len(keys):
        # A report made before versions existed, or the first change of all: make its row (a
        # concurrent maker's row is kept) and advance them all once more.
        DataVersion.objects.bulk_create(
            [DataVersion(key=key) for key in keys], ignore_conflicts=True
        )
        rows.update(counter=F("counter") + 1, stamp=stamp)


def token(report_ids):
    """The versions of ``report_ids`` and of everything, as one string for a cache key (one
    query). Read it before reading the data it keys."""
    keys = [EVERYTHING, *(report_key(pk) for pk in sorted(set(report_ids)))]
    found = dict(DataVersion.objects.filter(key__in=keys).values_list("key", "stamp"))
    return joined(found.get(key) for key in keys)


def joined(stamps):
    """The token of the stamps of everything and of reports, in `token`'s order (None: a
    version never advanced)."""
    return ".".join(stamp or "0" for stamp in stamps)


def report_key_of(field):
    """`report_key` as a database expression of a report id (``OuterRef("pk")``...): for a
    query that reads a report and its version at once."""
    return Concat(Value("report-"), Cast(field, output_field=CharField()))


def stamp_of(key):
    """The stamp of the version ``key`` (a string or an expression), as a subquery."""
    return Subquery(DataVersion.objects.filter(key=key).values("stamp")[:1])


def counters(report_ids=()):
    """{key: counter} of ``report_ids`` and everything: what tests and the admin read."""
    keys = [EVERYTHING, *(report_key(pk) for pk in report_ids)]
    found = dict(DataVersion.objects.filter(key__in=keys).values_list("key", "counter"))
    return {key: found.get(key, 0) for key in keys}


# --- What each kind of row touches ---------------------------------------------------------------
# A function from a saved or deleted instance to (report ids, everything?). Registered by the
# apps that own the models (`indicators.apps`, `projects.apps`).


def of_report(instance):
    return ([instance.pk], False)


def of_own_report(instance):
    return ([instance.report_id], False)


def of_subject_report(instance):
    """A monthly row: its subject's report (the gate hands the row its subject: no query)."""
    return ([instance.subject.report_id], False)


def of_everything(instance):
    return ((), True)


# The fields of a person that pages show (a department's leader by name); a login, which saves
# ``last_login`` alone, or a password change, changes nothing a dashboard shows.
SHOWN_USER_FIELDS = {"username", "first_name", "last_name"}


def of_person(instance, update_fields=None):
    if update_fields is not None and not set(update_fields) & SHOWN_USER_FIELDS:
        return ((), False)
    return ((), True)


def watch(model, touches):
    """Advance what ``touches(instance)`` names whenever a ``model`` row is saved or deleted."""

    def saved(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw:
            return  # loaddata: fixtures load before anything is cached
        if touches is of_person:
            reports, everything = of_person(instance, update_fields)
        else:
            reports, everything = touches(instance)
        advance(reports, everything=everything)

    def deleted(sender, instance, **kwargs):
        reports, everything = touches(instance) if touches is not of_person else ((), True)
        advance(reports, everything=everything)

    uid = f"data-version-{model._meta.label}"
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)


def watch_many(through, touches):
    """Advance on changes to a many-to-many relation (``touches`` gets the instance changed)."""

    def changed(sender, instance, action, **kwargs):
        if action in ("post_add", "post_remove", "post_clear"):
            reports, everything = touches(instance)
            advance(reports, everything=everything)

    m2m_changed.connect(
        changed, sender=through, weak=False, dispatch_uid=f"data-version-{through._meta.label}"
    )
