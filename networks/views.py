from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from networks.forms import NetworkForm, StreetFormSet
from networks.models import EMERGENCY_NUMBERS, Country, Network
from networks.rules import role_can_grant_same
from networks.selectors import (
    network_list_for_user,
    network_public_list,
    network_role_holders,
    network_with_member_counts,
    street_list,
    user_roles,
)
from networks.services import network_update, role_revoke


def network_from_url(request: HttpRequest, slug: str, **_kwargs) -> Network:
    """The network a URL names, or 404; also the object for permission checks
    (``permission_required(..., fn=network_from_url)``)."""
    return get_object_or_404(
        Network.objects.select_related("municipality", "police_zone"), slug=slug
    )


_network = network_from_url


# --- public pages -------------------------------------------------------------


def public_home(request: HttpRequest) -> HttpResponse:
    """What a BIN is and is not, and the networks one can join."""
    emergency = [(label, EMERGENCY_NUMBERS[code]) for code, label in Country.choices]
    return render(
        request,
        "networks/public_home.html",
        {"networks": network_public_list(), "emergency": emergency},
    )


def public_network(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_object_or_404(network_public_list(), slug=slug)
    return render(
        request,
        "networks/public_network.html",
        {
            "network": network,
            "description": network.public_description_for(get_language()),
            "streets": street_list(network=network),
        },
    )


# --- internal pages -----------------------------------------------------------


@login_required
def network_mine(request: HttpRequest) -> HttpResponse:
    roles = user_roles(user=request.user)
    if not roles.any or roles.role_names == {"federal_viewer"}:
        raise PermissionDenied
    return render(
        request,
        "networks/network_list.html",
        {"networks": network_list_for_user(user=request.user)},
    )


@login_required
@permission_required("networks.view_network_page", fn=_network, raise_exception=True)
def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    network = network_with_member_counts(
        queryset=Network.objects.filter(pk=_network(request, slug).pk).select_related(
            "municipality", "police_zone"
        )
    ).get()
    return render(
        request,
        "networks/network_detail.html",
        {"network": network, "streets": street_list(network=network)},
    )


@login_required
@permission_required("networks.edit_network", fn=_network, raise_exception=True)
def network_edit(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    roles = user_roles(user=request.user)
    can_change_status = roles.is_admin or network.police_zone_id in roles.officer_of_zones
    form = NetworkForm(request.POST or None, instance=network, can_change_status=can_change_status)
    formset = StreetFormSet(request.POST or None, instance=network, prefix="streets")
    # Validate both, so errors in the street list show at once with the others.
    valid = [form.is_valid(), formset.is_valid()] if request.method == "POST" else [False]
    if all(valid):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.fields}
        fields["languages"] = form.cleaned_data["languages"]
        fields["public_descriptions"] = form.cleaned_data["public_descriptions"]
        try:
            with transaction.atomic():
                network_update(network=network, changed_by=request.user, **fields)
                formset.save()
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The network was saved."))
            return redirect("networks:detail", slug=network.slug)
    return render(
        request,
        "networks/network_edit.html",
        {"network": network, "form": form, "formset": formset},
    )


@login_required
@permission_required("networks.view_network_page", fn=_network, raise_exception=True)
def network_team(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    holders = list(network_role_holders(network=network))
    for holder in holders:
        holder.can_revoke = holder.user_id == request.user.pk or role_can_grant_same(
            granter=request.user, grant=holder
        )
    return render(
        request,
        "networks/network_team.html",
        {
            "network": network,
            "holders": holders,
            "can_invite": request.user.has_perm("networks.manage_roles", network),
        },
    )


@login_required
@require_POST
@permission_required("networks.view_network_page", fn=_network, raise_exception=True)
def network_role_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    assignment = get_object_or_404(network_role_holders(network=network), pk=pk)
    role_revoke(revoked_by=request.user, assignment=assignment)
    messages.success(
        request,
        _("%(user)s no longer holds the role %(role)s.")
        % {"user": assignment.user, "role": assignment.get_role_display()},
    )
    return redirect("networks:team", slug=network.slug)
