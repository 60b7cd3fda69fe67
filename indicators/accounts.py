"""Accounts: the password change every user has (forced after an initial password), the
lock-out page, and the admin's users workbook upload."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import people
from .xlsx import xlsx_response


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, the new one twice, every validator in settings), which also
    lifts the forced change once the person has chosen their own password."""

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule. Django 5.2 reworded its message and the Chinese catalogue it ships has
    only the former wording, so the page mixed an English sentence into Chinese: say it with
    the former wording, which every language Django ships still translates."""

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class NextPageForm(forms.Form):
    next = forms.CharField(required=False, max_length=2000)


def _next_page(request, data):
    """Where to go once the password is changed: the page the person was sent away from, if it
    is one of ours."""
    form = NextPageForm(data)
    page = form.cleaned_data["next"] if form.is_valid() else ""
    if url_has_allowed_host_and_scheme(page, {request.get_host()}, request.is_secure()):
        return page
    return ""


@login_required
def password_change(request):
    data = request.POST if request.method == "POST" else request.GET
    next_page = _next_page(request, data)
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # A new password ends this user's other sessions, but keeps this one signed in.
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return redirect(next_page or "reporting:landing")
    context = {"form": form, "next": next_page, "forced": request.user.must_change_password}
    return render(
        request,
        "registration/password_change.html",
        context,
        status=400 if form.errors else 200,
    )


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login tried while locked out (settings.AXES_LOCKOUT_CALLABLE)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


# --- The users workbook (admin) ----------------------------------------------------------------


class UsersUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("用户工作簿（.xlsx）"),
        error_messages={
            "required": gettext_lazy("请选择要上传的Excel文件。"),
            "empty": gettext_lazy("文件是空的。"),
        },
    )


def admin_load_users(request, model_admin):
    """The admin page that loads a users workbook (UserAdmin's "从Excel导入用户"). Success
    answers with the new accounts' initial passwords as a workbook: the one time they exist."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = UsersUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            loaded = people.load_users_file(form.cleaned_data["file"], by=request.user)
        except people.ExcelImportError as error:
            problems = error.problems
        else:
            messages.success(
                request,
                _("已导入用户：新建%(created)s个，更新%(updated)s个，未变%(unchanged)s个。")
                % {
                    "created": len(loaded.created),
                    "updated": loaded.updated,
                    "unchanged": loaded.unchanged,
                },
            )
            if not loaded.created:
                return redirect("admin:indicators_user_changelist")
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            name = _("初始密码-%(stamp)s.xlsx") % {"stamp": stamp}
            return xlsx_response(people.passwords_bytes(loaded), name)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("从Excel导入用户"),
        "form": form,
        "problems": problems,
        "template_url": reverse("admin:indicators_user_template"),
    }
    return TemplateResponse(
        request, "admin/indicators/user/load.html", context, status=400 if problems else 200
    )


def admin_users_template(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    return xlsx_response(people.users_template_bytes(), _("用户导入模板.xlsx"))
