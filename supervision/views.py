"""Pages of the supervision cycle: the notices inbox, supervision slips and the monthly bulletin.

Each view: decorators → the object for this user (``indicators.access`` answers 404/403) → a
Form → the gate (``slips.move``, ``bulletins.*``) → redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators import access
from indicators.access import dashboard_required
from indicators.models import Department, Indicator
from indicators.periods import Period, choose_report, parse_int, report_of_year, resolve_period

from . import bulletins, slips
from .bulletin_docx import DOCX_CONTENT_TYPE, bulletin_document, docx_filename
from .forms import (
    BulletinForm,
    SlipAnswerForm,
    SlipCloseForm,
    SlipIssueForm,
    SlipReviewForm,
    VersionForm,
)
from .models import Bulletin, Notice, Slip
from .notices import mark_read

# --- Notices ---


@login_required
def notice_list(request):
    notices = Notice.objects.filter(user=request.user)[:200]
    return render(request, "supervision/notices.html", {"notices": notices})


@login_required
@require_POST
def notice_open(request, pk):
    """Mark a notice read and follow its link (someone else's notice: 404)."""
    notice = get_object_or_404(Notice, pk=pk, user=request.user)
    mark_read(request.user, Notice.objects.filter(pk=notice.pk))
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None):
        return redirect(notice.url)
    return redirect("supervision:notices")


@login_required
@require_POST
def notice_read_all(request):
    mark_read(request.user, Notice.objects.all())
    return redirect("supervision:notices")


# --- Slips ---


@login_required
def slip_list(request):
    if not (access.can_read_dashboards(request.user) or request.user.is_reporter):
        raise PermissionDenied
    period = resolve_period(request)
    found = slips.visible_slips(request.user).filter(report=period.report)
    return render(
        request,
        "supervision/slips.html",
        {
            "period": period,
            "reports": access.report_list(request.user),
            "months": range(1, 13),
            "open_slips": slips.with_colours([s for s in found if s.is_open]),
            "closed_slips": [s for s in found if not s.is_open],
        },
    )


def _draft_slip(request):
    """An unsaved slip for the target or department (and month) named in the query string: the
    view finds them for this user and checks the office's right; ``slips.draft`` words it."""
    params = request.GET  # the form posts back to its own address, query string included
    indicator_id, department_id = (
        parse_int(params.get("indicator")),
        parse_int(params.get("department")),
    )
    if indicator_id:
        indicator = access.get_for_reader(
            request.user,
            Indicator.objects.select_related("report__region", "lead_department"),
            indicator_id,
        )
        report, department = indicator.report, indicator.lead_department
    elif department_id:
        department = access.get_for_reader(request.user, Department.objects.all(), department_id)
        indicator = None
        report = choose_report(
            request.user, parse_int(params.get("report")), region_id=department.region_id
        )
    else:
        raise Http404("a slip is issued for a target or a department")
    if not access.can_supervise(request.user, report):
        raise PermissionDenied
    month = parse_int(params.get("month"))
    if month is None or not 1 <= month <= 12:
        month = resolve_period(request).month if indicator is None else 12
    return slips.draft(report, department, indicator, month)


@login_required
def slip_new(request):
    slip = _draft_slip(request)
    if request.method == "POST":
        form = SlipIssueForm(request.POST, instance=slip)
        if form.is_valid():
            try:
                slips.issue(request.user, form.save(commit=False))
            except slips.SlipError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("督办单已下发。"))
                return redirect("supervision:slip", slip.pk)
    else:
        form = SlipIssueForm(instance=slip)
    return render(request, "supervision/slip_form.html", {"form": form, "slip": slip})


def _slip_for(request, pk):
    return access.get_for_reader(
        request.user,
        Slip.objects.select_related(
            "report__region", "department", "indicator", "issued_by", "answered_by", "reviewed_by"
        ),
        pk,
    )


@login_required
def slip_detail(request, pk):
    slip = slips.with_colours([_slip_for(request, pk)])[0]
    user = request.user
    initial = {"version": slip.version}
    context = {
        "slip": slip,
        "can_answer": slips.refusal(user, slip, slips.ANSWER) is None,
        "can_review": slips.refusal(user, slip, slips.ACCEPT) is None,
        "can_close": slips.refusal(user, slip, slips.CLOSE) is None,
        "answer_form": SlipAnswerForm(
            initial={
                **initial,
                "causes": slip.causes,
                "measures": slip.measures,
                "recover_by": slip.recover_by,
            }
        ),
        "review_form": SlipReviewForm(initial=initial),
        "close_form": SlipCloseForm(initial=initial),
        "history": slip.history.select_related("history_user").order_by("history_date"),
    }
    return render(request, "supervision/slip_detail.html", context)


SLIP_FORMS = {
    slips.ANSWER: SlipAnswerForm,
    slips.ACCEPT: SlipReviewForm,
    slips.RETURN: SlipReviewForm,
    slips.CLOSE: SlipCloseForm,
}


@login_required
@require_POST
def slip_action(request, pk, action):
    if action not in SLIP_FORMS:
        raise Http404("no such action")
    slip = _slip_for(request, pk)
    if not _may_act(request.user, slip, action):
        raise PermissionDenied
    form = SLIP_FORMS[action](request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("请检查填写的内容：")
            + " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
        return redirect("supervision:slip", slip.pk)
    fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        slips.move(request.user, slip, action, form.cleaned_data["version"], fields=fields)
    except slips.SlipError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("督办单已%(action)s。") % {"action": slips.ACTION_LABELS[action]}
        )
    return redirect("supervision:slip", slip.pk)


def _may_act(user, slip, action):
    """Whether ``user`` is on the side that takes ``action`` at all (a state refusal is a
    message; a person on the wrong side is refused with 403)."""
    if action == slips.ANSWER:
        return access.can_answer_slip(user, slip)
    return access.can_supervise(user, slip.report)


# --- Bulletins ---


def _bulletin_for(request, year, month):
    """The month's stored bulletin, or a preview generated now; 404 for a month or report that
    is not there for this user."""
    if not 1 <= month <= 12:
        raise Http404("no such month")
    report = report_of_year(request, year)
    stored = (
        Bulletin.objects.filter(report=report, month=month)
        .select_related("report__region", "published_by", "updated_by")
        .first()
    )
    return report, stored or bulletins.generate(report, month)


@dashboard_required
def bulletin_list(request):
    period = resolve_period(request)
    stored = {b.month: b for b in Bulletin.objects.filter(report=period.report)}
    months = [(m, stored.get(m)) for m in range(1, 13)]
    return render(
        request,
        "supervision/bulletins.html",
        {
            "period": period,
            "reports": access.report_list(request.user),
            "months": range(1, 13),
            "rows": months,
            "can_edit": bulletins.refusal(request.user, period.report) is None,
        },
    )


@dashboard_required
def bulletin_detail(request, year, month):
    report, bulletin = _bulletin_for(request, year, month)
    can_edit = bulletins.refusal(request.user, report) is None and not bulletin.is_published
    context = {
        "period": Period(report, month),
        "reports": [report],
        "months": range(1, 13),
        "bulletin": bulletin,
        "paragraphs": bulletins.paragraphs(bulletin.body),
        "can_edit": can_edit,
        "form": BulletinForm(
            initial={
                "title": bulletin.title,
                "body": bulletin.body,
                "version": bulletin.version if bulletin.pk else 0,
            }
        )
        if can_edit
        else None,
    }
    return render(request, "supervision/bulletin.html", context)


@dashboard_required
@require_POST
def bulletin_action(request, year, month, action):
    report = report_of_year(request, year)
    if action not in ("save", "regenerate", "publish") or not 1 <= month <= 12:
        raise Http404("no such action")
    if not access.can_supervise(request.user, report):
        raise PermissionDenied
    here = f"{reverse('supervision:bulletin', args=[year, month])}?report={report.pk}"
    form = (BulletinForm if action == "save" else VersionForm)(request.POST)
    if not form.is_valid():
        messages.error(request, _("标题和正文不能为空。"))
        return redirect(here)
    data = form.cleaned_data
    try:
        if action == "save":
            bulletins.save_draft(
                request.user, report, month, data["title"], data["body"], data["version"]
            )
            messages.success(request, _("通报草稿已保存。"))
        elif action == "regenerate":
            bulletins.regenerate(request.user, report, month)
            messages.success(request, _("已按最新审核数据重新生成。"))
        else:
            bulletins.publish(request.user, report, month, data["version"])
            messages.success(request, _("通报已发布，内容不再改变。"))
    except bulletins.BulletinError as error:
        messages.error(request, str(error))
    return redirect(here)


@dashboard_required
def bulletin_docx(request, year, month):
    _report, bulletin = _bulletin_for(request, year, month)
    response = HttpResponse(bulletin_document(bulletin), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, docx_filename(bulletin))
    return response
