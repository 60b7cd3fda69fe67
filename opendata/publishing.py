"""The one gate that changes what the public sees: the region's switch, a report's published
months and public fields. Pages, the admin and commands call these; each checks the user
(`access.can_publish`), refuses bad input with a message in the interface language and changes
nothing then, and records what it did in the audit log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log
from audit.models import Action
from indicators import access, progress
from indicators.models import Report

from .models import Publication, PublicField, PublicSite, PublishedMonth


def _check(user, report):
    if not access.can_publish(user, report):
        raise PermissionDenied


def _locked(report):
    # One publisher of a report at a time: two offices pressing 公开 at once publish once.
    return Report.objects.select_for_update().get(pk=report.pk)


def publish(report, month, *, user, request=None):
    """Publish ``month`` of ``report``: its approved figures may now be shown. Months go public in
    order from January, and only once they are due (the month has ended)."""
    _check(user, report)
    if report.state == Report.State.PREPARING:
        raise ValidationError(_("报告尚在筹备，不能公开。"))
    if not 1 <= month <= 12:
        raise ValidationError(_("月份应为1至12。"))
    if timezone.localdate() <= progress.month_end(report.year, month):
        raise ValidationError(
            _("%(month)s尚未结束，不能公开。") % {"month": progress.month_label(month)}
        )
    with transaction.atomic():
        _locked(report)
        published = set(report.published_months.values_list("month", flat=True))
        if month in published:
            return None
        if month > 1 and month - 1 not in published:
            raise ValidationError(
                _("请先公开%(previous)s月：月份须从1月起依次公开。") % {"previous": month - 1}
            )
        row = PublishedMonth.objects.create(report=report, month=month, published_by=user)
        log.record(
            Action.PUBLISHED, request=request, user=user, obj=report, detail={"month": month}
        )
    return row


def unpublish(report, month, *, user, request=None):
    """Take ``month`` back from the public. Only the last published month can be taken back, so
    what stays public is still every month from January up to one."""
    _check(user, report)
    with transaction.atomic():
        _locked(report)
        published = set(report.published_months.values_list("month", flat=True))
        if month not in published:
            return False
        if month + 1 in published:
            raise ValidationError(
                _("请先撤回%(next)s月：只能撤回最后公开的月份。") % {"next": month + 1}
            )
        PublishedMonth.objects.filter(report=report, month=month).delete()
        log.record(
            Action.UNPUBLISHED, request=request, user=user, obj=report, detail={"month": month}
        )
    return True


def set_fields(report, fields, *, user, request=None):
    """Choose which optional fields (`PublicField`) ``report``'s public page shows."""
    _check(user, report)
    unknown = sorted(set(fields) - set(PublicField.values))
    if unknown:
        raise ValidationError(_("未知的公开字段：%(fields)s") % {"fields": "、".join(unknown)})
    chosen = [value for value in PublicField.values if value in set(fields)]
    with transaction.atomic():
        publication, _created = Publication.objects.get_or_create(report=report)
        before = list(publication.fields)
        publication.fields = chosen
        publication.save(update_fields=["fields"])
        log.record(
            Action.CHANGED,
            request=request,
            user=user,
            obj=report,
            detail={"public_fields": {"from": before, "to": chosen}},
        )
    return publication


def switch_site(region, enabled, *, user, request=None):
    """Switch ``region``'s public page on or off: its office, or an administrator."""
    if not (
        access.can_review(user) and (user.is_superuser or access.home_region_id(user) == region.pk)
    ):
        raise PermissionDenied
    if enabled and not region.code:
        raise ValidationError(_("请先填写行政区划代码：公开页面的网址由它组成。"))
    with transaction.atomic():
        site, _created = PublicSite.objects.get_or_create(region=region)
        if site.enabled == enabled:
            return site
        site.enabled = enabled
        site.save(update_fields=["enabled", "changed_at"])
        log.record(
            Action.PUBLISHED if enabled else Action.UNPUBLISHED,
            request=request,
            user=user,
            obj=region,
            detail={"public_page": enabled},
        )
    return site
