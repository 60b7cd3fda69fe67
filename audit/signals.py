"""What the audit log hears by itself: sign-ins and their failures, lock-outs, sign-outs,
password changes, every change to the set-up (regions, reports, sections, targets,
departments, users, groups and who holds which permission), and 核实 (the samples drawn, the
tasks created and their results).

Monthly entries and project progress are not set-up: they keep their own history
(django-simple-history), so they are not repeated here. Wired in `AuditConfig.ready` by model
label, so this app imports nothing from the apps above it.
"""

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from .log import NEVER_STORED, SECRET_NAME, json_safe, mask, record, region_of
from .models import Action

# The set-up whose every change is recorded, by label (the user model from the settings).
WATCHED = (
    "indicators.Region",
    "indicators.Report",
    "indicators.Section",
    "indicators.Indicator",
    "indicators.Department",
    # A report's plausibility rules: a rule declared blocking decides what may be submitted.
    "indicators.CheckRule",
    settings.AUTH_USER_MODEL,
    "auth.Group",
    # The security administrator's password, session and lock-out rules.
    "accounts.SecurityPolicy",
    # 核实 (verification): the samples drawn, the tasks created and the results recorded.
    "supervision.VerificationSample",
    "supervision.VerificationTask",
)
# Many-to-many fields of those models whose changes are recorded on the model's side.
WATCHED_RELATIONS = (
    (settings.AUTH_USER_MODEL, "groups"),
    (settings.AUTH_USER_MODEL, "user_permissions"),
    ("auth.Group", "permissions"),
    ("indicators.Indicator", "cooperating_departments"),
)
# Saves that change nothing anyone set up: Django's login stamp.
IGNORED_UPDATES = ({"last_login"},)
UNRECORDED_FIELDS = {"last_login"}


def _fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and field.name not in UNRECORDED_FIELDS
        and field.name not in NEVER_STORED
    ]


def _shown(field, value):
    value = json_safe(value)
    return mask(value) if SECRET_NAME.search(field.name) else value


def _password_field(model):
    names = {field.name for field in model._meta.concrete_fields}
    return "password" if "password" in names else None


def before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """Keep the stored row, to tell after the save what changed."""
    instance._audit_skip = raw or (
        update_fields is not None and set(update_fields) in IGNORED_UPDATES
    )
    if instance._audit_skip or instance.pk is None:
        instance._audit_before = None
        return
    names = [field.attname for field in _fields(sender)]
    password = _password_field(sender)
    if password:
        names.append(password)
    instance._audit_before = sender._base_manager.filter(pk=instance.pk).values(*names).first()


def _actor(instance):
    """Who made the change when the code that saved ``instance`` says so (``_audit_user``: a
    gate called outside a request, such as `indicators.lifecycle.move`); else None, and the
    request's user is taken."""
    return getattr(instance, "_audit_user", None)


def after_save(sender, instance, created, raw=False, **kwargs):
    if raw or getattr(instance, "_audit_skip", False):
        return
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if created or before is None:
        values = {
            field.name: _shown(field, getattr(instance, field.attname))
            for field in _fields(sender)
            if getattr(instance, field.attname) not in (None, "")
        }
        record(Action.CREATED, obj=instance, detail={"fields": values}, user=_actor(instance))
        return
    changes = {}
    for field in _fields(sender):
        old, new = before[field.attname], getattr(instance, field.attname)
        if old != new:  # in Python: Decimal("100.0000") is 100
            changes[field.name] = {"old": _shown(field, old), "new": _shown(field, new)}
    if changes:
        record(Action.CHANGED, obj=instance, detail={"changes": changes}, user=_actor(instance))
    password = _password_field(sender)
    if password and before.get(password) != getattr(instance, password):
        # That it changed, never the hash.
        record(Action.PASSWORD_CHANGED, obj=instance)


def before_delete(sender, instance, **kwargs):
    # The region is read before the cascade removes what leads to it.
    instance._audit_region = region_of(instance)


def after_delete(sender, instance, **kwargs):
    values = {
        field.name: _shown(field, getattr(instance, field.attname))
        for field in _fields(sender)
        if getattr(instance, field.attname) not in (None, "")
    }
    record(Action.DELETED, obj=instance, detail={"fields": values})


def _relation_changed(field_name):
    def changed(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action == "pre_clear":
            # What is about to go, read while it is still there.
            related = getattr(instance, _accessor(instance, sender, field_name, reverse))
            instance._audit_cleared = [str(o) for o in related.all()]
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action == "post_clear":
            names = getattr(instance, "_audit_cleared", [])
        else:
            names = [str(o) for o in model._base_manager.filter(pk__in=pk_set or ())]
        if not names:
            return
        key = {"post_add": "added", "post_remove": "removed", "post_clear": "removed"}[action]
        relation = model._meta.model_name if reverse else field_name
        record(Action.CHANGED, obj=instance, detail={"relation": relation, key: sorted(names)})

    return changed


def _accessor(instance, through, field_name, reverse):
    if not reverse:
        return field_name
    for relation in instance._meta.related_objects:
        if relation.many_to_many and relation.through is through:
            return relation.get_accessor_name()
    return field_name


def logged_in(sender, request, user, **kwargs):
    record(Action.LOGIN, request=request, user=user)


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        # Why, when the session limits ended it (idle, too long) rather than the person.
        reason = getattr(request, "logout_reason", "")
        record(
            Action.LOGOUT, request=request, user=user, detail={"reason": reason} if reason else None
        )


def login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in ``credentials``; only the login name is kept.
    username = str(credentials.get("username", "") or "")
    record(Action.LOGIN_FAILED, request=request, username=username)


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    record(Action.LOCKED_OUT, request=request, username=str(username or ""))


def connect():
    """Wire every receiver (called once, from `AuditConfig.ready`)."""
    from axes.signals import user_locked_out

    user_logged_in.connect(logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(login_failed, dispatch_uid="audit-login-failed")
    user_locked_out.connect(locked_out, dispatch_uid="audit-locked-out")
    for label in WATCHED:
        model = apps.get_model(label)
        uid = f"audit-{label}"
        pre_save.connect(before_save, sender=model, dispatch_uid=uid)
        post_save.connect(after_save, sender=model, dispatch_uid=uid)
        pre_delete.connect(before_delete, sender=model, dispatch_uid=uid)
        post_delete.connect(after_delete, sender=model, dispatch_uid=uid)
    for label, field_name in WATCHED_RELATIONS:
        through = getattr(apps.get_model(label), field_name).through
        m2m_changed.connect(
            _relation_changed(field_name),
            sender=through,
            weak=False,  # a closure: nothing else holds it
            dispatch_uid=f"audit-{label}-{field_name}",
        )
