"""Forms of the monthly cycle besides the rows themselves (``reporting.rows``): what the monthly
form posts around its rows, the review selection, month locks and the queue's filters."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators import access, evidence
from indicators.models import MONTHS, Department, Section

from .rows import PROJECT, TARGET

KINDS = {TARGET.key: TARGET, PROJECT.key: PROJECT}


def row_keys(text):
    """ "i12,p7" -> [("i", 12), ("p", 7)]; ValueError when malformed."""
    keys = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if part[0] not in KINDS:
            raise ValueError(part)
        keys.append((part[0], int(part[1:])))
    return keys


class MonthlyPostForm(forms.Form):
    """What the monthly form posts besides the rows: the action, and which rows it showed.

    ``rows`` names every row the page showed ("i12,p7"). Each must be one of the department's
    rows this month; a forged key for another department's target refuses the whole post (403).
    Whether each row may still change is the workflow gate's answer, given row by row.
    """

    ACTIONS = [("save", _("保存草稿")), ("submit", _("报送"))]

    action = forms.ChoiceField(choices=ACTIONS)
    rows = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, known, **kwargs):
        super().__init__(*args, **kwargs)
        self.known = set(known)

    def clean_rows(self):
        try:
            keys = row_keys(self.cleaned_data["rows"])
        except ValueError:
            raise forms.ValidationError(_("表单数据不完整，请刷新后重新填写。")) from None
        if not set(keys) <= self.known:
            raise forms.ValidationError(
                _("表单中含有不属于本单位的目标任务或项目，未保存任何内容。"), code="foreign"
            )
        return keys


class SelectionField(forms.Field):
    """Rows chosen on the review page, each as "i12:3" (kind, id, the version shown)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        tokens = value if isinstance(value, list | tuple) else ([value] if value else [])
        chosen = []
        for token in tokens:
            try:
                key, version = str(token).split(":")
                ((kind, pk),) = row_keys(key)
                chosen.append((kind, pk, int(version)))
            except ValueError:
                raise forms.ValidationError(_("所选记录无效，请刷新后重试。")) from None
        return chosen


class ReviewForm(forms.Form):
    """Approve, return or reopen a selection of target entries and project progress rows.

    Only rows of the regions ``user`` sees are found: another region's row is refused exactly
    as a row that does not exist, so the answer tells nothing of which ids exist elsewhere."""

    rows = SelectionField(required=False)
    comment = forms.CharField(label=_("意见"), required=False, max_length=2000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible = access.visible_regions(user)

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("rows") or []
        if not self.errors and not chosen:
            raise forms.ValidationError(_("请至少选择一条记录。"))
        selection = []
        for key, kind in KINDS.items():
            wanted = {pk: version for k, pk, version in chosen if k == key}
            found = kind.model.objects.filter(pk__in=wanted).select_related(
                f"{kind.subject_field}__report", "submitted_by", "reviewed_by", "updated_by"
            )
            if self.visible is not None:
                found = found.filter(**{f"{kind.subject_field}__report__region__in": self.visible})
            found = {entry.pk: entry for entry in found}
            if len(found) != len(wanted):
                raise forms.ValidationError(_("所选记录不存在，请刷新后重试。"))
            selection += [(entry, wanted[pk]) for pk, entry in found.items()]
        cleaned["selection"] = selection
        return cleaned


class LockForm(forms.Form):
    ACTIONS = [("lock", _("锁定")), ("unlock", _("解锁"))]

    action = forms.ChoiceField(choices=ACTIONS)


class ReviewFilterForm(forms.Form):
    """Filters of the review queue. ``report`` is its picker: the choice is rendered and kept
    here, but which report the page means is `indicators.periods.review_scope`'s answer."""

    BY_FLAGS = "flags"

    report = forms.ChoiceField(label=_("工作报告"), required=False)
    department = forms.ModelChoiceField(
        label=_("责任单位"), queryset=Department.objects.all(), required=False
    )
    section = forms.ModelChoiceField(
        label=_("板块"), queryset=Section.objects.none(), required=False
    )
    month = forms.TypedChoiceField(
        label=_("月份"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *MONTHS],
    )
    order = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("", _("按月份和单位")), (BY_FLAGS, _("有校验提示的在前"))],
    )
    flagged = forms.BooleanField(label=_("只看有校验提示的"), required=False)

    def __init__(self, *args, report, reports, **kwargs):
        """``report``: the one the sections and departments are of; ``reports``: the picker's."""
        super().__init__(*args, **kwargs)
        self.fields["report"].choices = [
            ("", gettext("全部进行中的工作报告")),
            *((str(r.pk), r.label_with_state) for r in reports),
        ]
        self.fields["section"].queryset = Section.objects.filter(report=report)
        self.fields["department"].queryset = Department.objects.filter(region=report.region_id)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern): cleaned to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class EvidenceUploadForm(forms.Form):
    """Photos or PDFs for one monthly row, with the row's version the page showed.

    Each file is checked in memory (``indicators.evidence.prepare``); ``cleaned_data["files"]``
    holds them prepared, ready for the workflow gate, which alone stores them."""

    files = MultipleFileField(
        label=_("佐证材料"),
        error_messages={"required": _("请选择要上传的照片或PDF文件。")},
        widget=MultipleFileInput(attrs={"accept": evidence.ACCEPT}),
    )
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        if not uploads:
            raise forms.ValidationError(self.fields["files"].error_messages["required"])
        limit = settings.EVIDENCE_MAX_FILES
        if len(uploads) > limit:
            raise forms.ValidationError(gettext("一次最多上传%(limit)s个文件。") % {"limit": limit})
        prepared, errors = [], []
        for upload in uploads:
            try:
                prepared.append(evidence.prepare(upload))
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return prepared


class EvidenceRemoveForm(forms.Form):
    """Remove one file from a row, with the row's version the page showed."""

    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
