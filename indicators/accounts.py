"""Accounts: the password change every user has (forced after an initial password and once a
password has expired), the lock-out page (which limit was reached), and the admin's users
workbook upload. The rules themselves live in the accounts app (policy, passwords, throttle)."""

from base64 import b64encode

from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts import policy, sessions, throttle
from audit.log import workbook_loaded

from . import people
from .uploads import upload_page
from .xlsx import xlsx_response


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, the new one twice, every validator in settings), which also
    lifts the forced change once the person has chosen their own password."""

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit)


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
    days_left = sessions.password_days_left(request)
    context = {
        "form": form,
        "next": next_page,
        "forced": request.user.must_change_password,
        "expired": days_left is not None and days_left <= 0,
        "days_left": days_left,
    }
    return render(
        request,
        "registration/password_change.html",
        context,
        status=400 if form.errors else 200,
    )


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login tried while locked out (settings.AXES_LOCKOUT_CALLABLE):
    says which limit was reached, one account at this address or the account everywhere."""
    rules = policy.current()
    account_wide = getattr(request, "throttle_reason", "") == throttle.ACCOUNT
    context = {
        "account_wide": account_wide,
        "failure_limit": rules.account_failure_limit if account_wide else rules.failure_limit,
        "minutes": rules.lockout_minutes,
    }
    return render(request, "registration/locked_out.html", context, status=429)


# --- The users workbook (admin) ----------------------------------------------------------------


def admin_load_users(request, model_admin):
    """The admin page that loads a users workbook (UserAdmin's "从Excel导入用户"). Success
    answers with what was loaded and the new accounts' initial passwords as a workbook to
    download: the one time they exist."""
    return upload_page(
        request,
        model_admin,
        label=_("用户工作簿（.xlsx）"),
        load=lambda file: _users_loaded(request, file, model_admin),
        title=_("从Excel导入用户"),
        template="admin/indicators/user/load.html",
        template_url=reverse("admin:indicators_user_template"),
    )


def _users_loaded(request, file, model_admin):
    """What a load did, on a page of its own: the counts, the new accounts, and their initial
    passwords as a workbook to download from the page itself (a data: link, so the passwords
    are kept nowhere on the server; the page is never cached)."""
    loaded = people.load_users_file(file, by=request.user)
    rows = len(loaded.created) + loaded.updated + loaded.unchanged
    workbook_loaded("users", file.name, rows=rows, request=request, created=len(loaded.created))
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
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("用户已导入"),
        "created": [people.person_row(person) for person, _password in loaded.created],
        "passwords_name": _("初始密码-%(stamp)s.xlsx") % {"stamp": stamp},
        "passwords_href": XLSX_DATA_URL + b64encode(people.passwords_bytes(loaded)).decode(),
    }
    response = TemplateResponse(request, "admin/indicators/user/loaded.html", context)
    add_never_cache_headers(response)
    return response


XLSX_DATA_URL = "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"


def admin_users_template(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    return xlsx_response(people.users_template_bytes(), _("用户导入模板.xlsx"))
