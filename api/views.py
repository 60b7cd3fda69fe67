"""The person's own access tokens (/api/tokens/): make one (its secret shown once, on the page
that answers the form), list them, revoke one. Only one's own: another person's token is not
found. Every change passes ``tokens``, which records it in the audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import requires
from indicators import access

from . import tokens
from .forms import RevokeForm, TokenForm
from .models import AccessToken

api_user_required = requires(access.can_use_api)


def _page(request, form, secret=None, status=200):
    context = {
        "form": form,
        "tokens": tokens.of_user(request.user),
        "secret": secret,
        "api_url": request.build_absolute_uri(reverse("api-v1:regions")),
    }
    return render(request, "api/tokens.html", context, status=status)


@never_cache
@api_user_required
def token_list(request):
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        token, secret = tokens.issue(
            request.user, form.cleaned_data["name"], form.cleaned_data["days"], request=request
        )
    except ValidationError as refusal:
        form.add_error(None, refusal)
        return _page(request, form, status=400)
    messages.success(request, _("已创建令牌“%(name)s”。") % {"name": token.name})
    # The secret is on this answer only (never stored, never in a redirect's URL or session).
    return _page(request, TokenForm(), secret=secret)


@require_POST
@api_user_required
def revoke(request):
    form = RevokeForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        token = tokens.revoke(request.user, form.cleaned_data["token"], request=request)
    except AccessToken.DoesNotExist:
        raise Http404 from None  # another person's token: named nowhere
    messages.success(request, _("已撤销令牌“%(name)s”。") % {"name": token.name})
    return redirect("api:tokens")
