"""Evidence files (佐证材料) of monthly rows: attaching and removing them from the monthly form,
and reading them back.

Attaching and removing go through the workflow gate (``workflow.attach`` / ``workflow.detach``),
like every change to a row; an upload is refused before any file is read when the gate would
refuse it (``workflow.evidence_refusal``), and another region's row is a 404 that names nothing.
Files are read only here, after the access rule has said yes (``access.can_read_evidence``):
storage names are random and never published as URLs.

The monthly form's script posts these forms with ``fetch`` and asks for JSON (the row's new
version and its list of files, so what the clerk typed in other rows stays on the page); without
script the same forms post normally and come back to the monthly form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from indicators import access, evidence, workflow
from reporting.forms import KINDS, EvidenceRemoveForm, EvidenceUploadForm
from reporting.rows import evidence_by_entry


def _kind(key):
    if key not in KINDS:
        raise Http404
    return KINDS[key]


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _answer(request, kind, subject, month, *, entry=None, error=None, status=200):
    """JSON for the form's script, else a message and the way back to the row on the form."""
    if _wants_json(request):
        if entry is None:
            return JsonResponse({"error": error}, status=status)
        items = kind.evidence_model.objects.filter(entry=entry)
        context = {
            "items": evidence_by_entry(items).get(entry.pk, []),
            "kind": kind.key,
            "row_key": _key(kind, subject),
            "editable": True,
        }
        html = render_to_string("reporting/_evidence.html", context, request=request)
        return JsonResponse({"version": entry.version, "html": html}, status=status)
    if error:
        messages.error(request, _("%(subject)s：%(error)s") % {"subject": subject, "error": error})
    url = reverse("reporting:monthly-form", args=[subject.report.year, month])
    return redirect(f"{url}#row-{_key(kind, subject)}")


def _key(kind, subject):
    return f"{kind.key}{subject.pk}"


def _refused(request, kind, subject, month, refusal):
    """The gate's answer: 409 for a stale page, 403 for a row closed to this user, 400 else."""
    if not isinstance(refusal, workflow.Refused):
        return _answer(request, kind, subject, month, error=str(refusal), status=400)
    status = 409 if refusal.is_conflict else 403
    reason = " ".join(refusal.reasons.values())
    return _answer(request, kind, subject, month, error=reason, status=status)


def _outside(user, subject):
    """Whether ``subject`` is another region's, or of a report in 筹备 ``user`` does not set up,
    as far as ``user`` can tell: answered 404, and nothing of it (code, name) is said."""
    if access.is_hidden(user, subject):
        return True
    return not access.can_report(user, subject) and not access.sees_region(
        user, access.region_of(subject)
    )


@require_POST
@login_required
def attach(request, kind, pk, year, month):
    kind = _kind(kind)
    subject = get_object_or_404(kind.subject_model.objects.select_related("report"), pk=pk)
    if subject.report.year != year or _outside(request.user, subject):
        raise Http404
    # Who may attach, and whether the row can take files now, is asked before any file is read:
    # the form decodes images (up to EVIDENCE_MAX_FILES of EVIDENCE_MAX_PIXELS each), which only
    # someone who may add them to this row gets to make the server do.
    reason = workflow.evidence_refusal(request.user, subject, month)
    if reason:
        return _answer(request, kind, subject, month, error=reason, status=403)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        reason = " ".join(message for errors in form.errors.values() for message in errors)
        return _answer(request, kind, subject, month, error=reason, status=400)
    try:
        entry = workflow.attach(
            request.user,
            subject,
            month,
            form.cleaned_data["files"],
            version=form.cleaned_data["version"],
        )
    except workflow.WorkflowError as refusal:
        return _refused(request, kind, subject, month, refusal)
    if not _wants_json(request):
        messages.success(
            request,
            ngettext(
                "已上传%(n)s个佐证材料：%(subject)s",
                "已上传%(n)s个佐证材料：%(subject)s",
                len(form.cleaned_data["files"]),
            )
            % {"n": len(form.cleaned_data["files"]), "subject": subject},
        )
    return _answer(request, kind, subject, month, entry=entry)


def _get_evidence(kind, pk):
    return get_object_or_404(
        kind.evidence_model.objects.select_related(
            f"entry__{kind.subject_field}__report", "entry__submitted_by", "entry__reviewed_by"
        ),
        pk=pk,
    )


@require_POST
@login_required
def detach(request, kind, pk):
    kind = _kind(kind)
    item = _get_evidence(kind, pk)
    entry, subject = item.entry, item.subject
    if _outside(request.user, subject):
        raise Http404
    form = EvidenceRemoveForm(request.POST)
    if not form.is_valid():
        return _answer(
            request,
            kind,
            subject,
            entry.month,
            error=_("表单数据不完整，请刷新后重试。"),
            status=400,
        )
    try:
        entry = workflow.detach(request.user, item, version=form.cleaned_data["version"])
    except workflow.WorkflowError as refusal:
        return _refused(request, kind, subject, entry.month, refusal)
    if not _wants_json(request):
        messages.success(request, _("已删除佐证材料“%(name)s”。") % {"name": item.original_name})
    return _answer(request, kind, subject, entry.month, entry=entry)


@login_required
def evidence_file(request, kind, pk, thumbnail=False):
    """The stored file (or its thumbnail) to whoever may read the row's evidence."""
    kind = _kind(kind)
    item = _get_evidence(kind, pk)
    if not access.can_read_evidence(request.user, item):
        if _outside(request.user, item.subject):
            raise Http404
        raise PermissionDenied
    return serve(item, thumbnail)


def serve(item, thumbnail=False):
    """The response carrying evidence ``item``'s file (or its thumbnail), for a reader the
    caller's access rule has let in: the one reader of stored evidence (the monthly rows' here,
    the 核实 tasks' in ``supervision``)."""
    name = item.thumbnail_name if thumbnail else item.file_name
    if not name:
        raise Http404
    try:
        handle = evidence.storage().open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = "image/jpeg" if thumbnail else item.content_type
    response = FileResponse(handle, content_type=content_type)
    if not thumbnail:
        response["Content-Disposition"] = content_disposition_header(False, _download_name(item))
    # Private to the signed-in person; a file never changes under its name.
    response["Cache-Control"] = "private, max-age=86400"
    return response


def _download_name(item):
    """The clerk's own file name, with the extension of what is stored (a HEIC photo is a JPEG
    now)."""
    stem = item.original_name.rsplit(".", 1)[0] or "file"
    return f"{stem}.{evidence.EXTENSIONS.get(item.content_type, 'bin')}"
