"""The user's own API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.selectors import user_has_mfa
from api.forms.tokens import ApiTokenForm
from api.models import ApiToken
from api.selectors.tokens import api_tokens_of
from api.services.tokens import api_token_create, api_token_revoke
from bin_platform.forms import errors_to_form
from networks.selectors import user_roles


def _may_have_tokens(user) -> bool:
    """Staff with a role and a second factor (checked again by the service)."""
    return user_roles(user=user).any and user_has_mfa(user=user)


@login_required
@never_cache
def token_list(request: HttpRequest) -> HttpResponse:
    if not _may_have_tokens(request.user):
        raise PermissionDenied
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            # Rendered, not redirected: the clear token exists only in this answer.
            # never_cache marks it no-store: no copy in a browser or proxy cache.
            return render(request, "api/tokens/created.html", {"token": token, "raw": raw})
    return render(
        request,
        "api/tokens/list.html",
        {"form": form, "tokens": api_tokens_of(user=request.user)},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, revoked_by=request.user)
    messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("api:tokens:list")
