"""Admins' and officers' pages of outbound webhooks: the endpoints of their
zones, registering one (the secret is shown once), its delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from webhooks.forms import EndpointForm
from webhooks.models import WebhookEndpoint
from webhooks.selectors import webhook_delivery_log, webhook_endpoints_for, webhook_zones_for
from webhooks.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_secret_rotate,
)


def _endpoint(request: HttpRequest, pk: int, **_kwargs) -> WebhookEndpoint:
    cached = getattr(request, "_bin_endpoint", None)
    if cached is None or cached.pk != pk:
        cached = get_object_or_404(WebhookEndpoint.objects.select_related("police_zone"), pk=pk)
        request._bin_endpoint = cached
    return cached


def _secret_page(request: HttpRequest, endpoint: WebhookEndpoint, secret: str) -> HttpResponse:
    # Shown once: the page is not cached, and the secret is never shown again.
    return render(
        request, "webhooks/endpoints/secret.html", {"endpoint": endpoint, "secret": secret}
    )


@login_required
@permission_required("webhooks.list_endpoints", raise_exception=True)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "webhooks/endpoints/list.html",
        {"endpoints": webhook_endpoints_for(user=request.user)},
    )


@login_required
@never_cache
@permission_required("webhooks.list_endpoints", raise_exception=True)
def endpoint_new(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None, zones=webhook_zones_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The form offers the user's zones only; the rule decides all the same.
        if not request.user.has_perm("webhooks.add_endpoint", data["police_zone"]):
            raise PermissionDenied
        try:
            endpoint, secret = webhook_endpoint_create(
                created_by=request.user,
                police_zone=data["police_zone"],
                url=data["url"],
                description=data["description"],
                events=data["events"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _secret_page(request, endpoint, secret)
    return render(request, "webhooks/endpoints/form.html", {"form": form})


@login_required
@permission_required("webhooks.manage_endpoint", fn=_endpoint, raise_exception=True)
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    return render(
        request,
        "webhooks/endpoints/detail.html",
        {"endpoint": endpoint, "deliveries": webhook_delivery_log(endpoint=endpoint)},
    )


@login_required
@require_POST
@never_cache
@permission_required("webhooks.manage_endpoint", fn=_endpoint, raise_exception=True)
def endpoint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if action == "delete":
        webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
        messages.success(request, _("The endpoint is deleted."))
        return redirect("webhooks:list")
    if action == "rotate":
        secret = webhook_endpoint_secret_rotate(endpoint=endpoint, actor=request.user)
        return _secret_page(request, endpoint, secret)
    if action == "disable":
        webhook_endpoint_disable(
            endpoint=endpoint, reason=_("Switched off by hand."), actor=request.user
        )
        messages.success(request, _("The endpoint is switched off."))
    elif action == "enable":
        try:
            webhook_endpoint_enable(endpoint=endpoint, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The endpoint is switched on."))
    else:
        raise Http404
    return redirect("webhooks:detail", pk=endpoint.pk)
