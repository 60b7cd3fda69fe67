"""The security page (/security/): the security administrator's lock-outs, sessions and policy;
the supervision office's own region's lock-outs. Each part is decided here, on the server: the
office gets a page without sessions and policy, and is refused their actions."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.log import record
from audit.models import Action

from . import security
from .decorators import requires
from .forms import EndSessionForm, LiftLockoutForm, SecurityPolicyForm

lockouts_required = requires(security.can_lift_lockouts)
secadmin_required = requires(security.can_manage_security)


def _page(request, policy_form=None, status=200):
    user = request.user
    rules = security.policy()
    full = security.can_manage_security(user)
    context = {"lockouts": security.lockouts(user), "full": full}
    if full:
        mine = security.handle(request.session.session_key or "")
        context |= {
            "sessions": security.signed_in(),
            "own_session": mine,
            "policy_form": policy_form or SecurityPolicyForm(instance=rules),
            "policy": rules,
        }
    return render(request, "accounts/security.html", context, status=status)


@lockouts_required
def security_page(request):
    return _page(request)


@require_POST
@lockouts_required
def lift_lockout(request):
    form = LiftLockoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无法解除锁定：账号或地址不正确。"))
        return redirect("accounts:security")
    username = form.cleaned_data["username"]
    if not security.may_lift(request.user, username):
        raise Http404  # another region's account: named nowhere
    address = form.cleaned_data["ip_address"] or None
    if security.lift(username, address):
        record(
            Action.LOCKOUT_LIFTED,
            request=request,
            username=username,
            detail={"account": username, "address": address or "*"},
        )
        messages.success(request, _("已解除账号 %(username)s 的锁定。") % {"username": username})
    else:
        messages.info(request, _("该锁定已不存在。"))
    return redirect("accounts:security")


@require_POST
@secadmin_required
def end_session(request):
    form = EndSessionForm(request.POST)
    if not form.is_valid():
        raise Http404
    user = security.end_session(form.cleaned_data["session"])
    if user is None:
        raise Http404
    record(Action.SESSION_ENDED, request=request, obj=user, detail={"account": user.username})
    messages.success(request, _("已结束 %(name)s 的会话。") % {"name": user.display_name})
    return redirect("accounts:security")


@require_POST
@secadmin_required
def policy(request):
    form = SecurityPolicyForm(request.POST, instance=security.policy())
    if not form.is_valid():
        return _page(request, policy_form=form, status=400)
    rules = form.save(commit=False)
    rules.updated_by = request.user
    rules.save()
    messages.success(request, _("安全策略已保存。"))
    return redirect("accounts:security")
