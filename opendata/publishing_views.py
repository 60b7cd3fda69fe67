"""The office's page that runs the public progress page (/publishing/): the region's switch, the
months published, the fields shown, and a link to the page itself.

Each view: decorators (the office: reporters and leaders 403) → the report for this user (one
it may publish, else 404 naming nothing) → a Form → the gate (``opendata.publishing``, which
checks and audits) → back to the page. A refusal of the gate is shown in words and changes
nothing.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from indicators import access, periods, progress
from indicators.access import reviewer_required
from indicators.models import EntryState, ProgressEntry

from . import published, publishing
from .forms import PUBLISH, FieldsForm, MonthForm, SiteForm
from .models import PublicSite, PublishedMonth

INVALID = gettext_lazy("请求无效，未作任何修改。")


def office_report(user, report_id=None):
    """The report ``user`` publishes: ``report_id`` (else their own region's latest). Another
    region's report, or one they may read but not publish, answers 404."""
    report = periods.choose_report(user, report_id)
    if not access.can_publish(user, report):
        raise Http404("no such report")
    return report


def page_url(report):
    return f"{reverse('opendata:publishing')}?report={report.pk}"


@dataclass(frozen=True)
class MonthRow:
    month: int
    approved: int  # approved monthly figures of the month (what publishing it would show)
    published: object  # the PublishedMonth, or None

    @property
    def label(self):
        return progress.month_label(self.month)


def publishing_content(report, user):
    """Everything ``opendata/publishing.html`` shows for ``report``."""
    region = report.region
    site = PublicSite.objects.filter(region=region).first()
    rows = {
        row.month: row
        for row in PublishedMonth.objects.filter(report=report).select_related("published_by")
    }
    approved = dict(
        ProgressEntry.objects.filter(indicator__report=report, state=EntryState.APPROVED)
        .values_list("month")
        .annotate(count=Count("pk"))
    )
    return {
        "report": report,
        "region": region,
        "reports": [r for r in access.report_list(user) if access.can_publish(user, r)],
        "site_enabled": bool(site and site.enabled),
        "public_url": reverse("opendata:public-page", args=[region.code, report.year])
        if region.code
        else None,
        "months": [MonthRow(m, approved.get(m, 0), rows.get(m)) for m in range(1, 13)],
        "fields_form": FieldsForm(initial={"shown": published.public_fields(report)}),
    }


@reviewer_required
def office_page(request):
    report = office_report(request.user, periods.parse_int(request.GET.get("report")))
    return render(request, "opendata/publishing.html", publishing_content(report, request.user))


def _through_gate(request, change, done):
    """Run ``change()``, a call of the gate; say ``done(result)`` or the gate's refusal."""
    try:
        result = change()
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, done(result))


@reviewer_required
@require_POST
def switch_site(request, report_id):
    report = office_report(request.user, report_id)
    form = SiteForm(request.POST)
    if not form.is_valid():
        messages.error(request, INVALID)
        return redirect(page_url(report))
    enabled = form.cleaned_data["enabled"]
    _through_gate(
        request,
        lambda: publishing.switch_site(report.region, enabled, user=request.user, request=request),
        lambda _site: (
            _("公开页面已开启，公众无需登录即可查看。")
            if enabled
            else _("公开页面已关闭，公众不能再查看。")
        ),
    )
    return redirect(page_url(report))


@reviewer_required
@require_POST
def publish_month(request, report_id):
    report = office_report(request.user, report_id)
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, INVALID)
        return redirect(page_url(report))
    month, action = form.cleaned_data["month"], form.cleaned_data["action"]
    label = {"month": progress.month_label(month)}
    if action == PUBLISH:
        _through_gate(
            request,
            lambda: publishing.publish(report, month, user=request.user, request=request),
            lambda row: (_("已公开%(month)s的数据。") if row else _("%(month)s已经公开。")) % label,
        )
    else:
        _through_gate(
            request,
            lambda: publishing.unpublish(report, month, user=request.user, request=request),
            lambda done: (
                (_("已撤回%(month)s的公开。") if done else _("%(month)s尚未公开。")) % label
            ),
        )
    return redirect(page_url(report))


@reviewer_required
@require_POST
def choose_fields(request, report_id):
    report = office_report(request.user, report_id)
    form = FieldsForm(request.POST)
    if not form.is_valid():
        messages.error(request, INVALID)
        return redirect(page_url(report))
    shown = form.cleaned_data["shown"]
    _through_gate(
        request,
        lambda: publishing.set_fields(report, shown, user=request.user, request=request),
        lambda _publication: _("公开字段已保存。"),
    )
    return redirect(page_url(report))
