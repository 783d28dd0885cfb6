"""The governance page: team, screening, hand-over, removal, log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from charters.forms.governance import HandOverForm, RemoveForm, ScreeningForm
from charters.models import ScreeningRecord
from charters.selectors.governance import (
    governance_events,
    network_co_coordinator_users,
    network_team,
    screening_latest,
)
from charters.services.governance import coordinator_remove as coordinator_remove_service
from charters.services.governance import network_hand_over, screening_record
from networks.models import SCREENED_ROLES, Network, Role, RoleAssignment
from networks.selectors import forget_user_roles
from networks.views import network_from_url as _network


def _screened_person(network: Network, user_id: int):
    """A current coordinator or co-coordinator of the network, or 404."""
    assignment = get_object_or_404(
        RoleAssignment.objects.active().select_related("user"),
        network=network,
        user_id=user_id,
        role__in=SCREENED_ROLES,
    )
    return assignment.user


@login_required
@permission_required("charters.view_governance", fn=_network, raise_exception=True)
def governance_overview(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    team = network_team(network=network)
    user = request.user
    see_all = user.has_perm("charters.view_screenings", network)
    screened_ids = {a.user_id for a in team.screened}
    # Screening outcomes are police business: the officer and the admin see
    # them; everyone else sees only whether a role awaits the screening.
    visible_ids = screened_ids if see_all else set()
    screenings = screening_latest(network=network, user_ids=visible_ids)
    rows = []
    for assignment in team.screened:
        rows.append(
            {
                "assignment": assignment,
                "show_screening": assignment.user_id in visible_ids,
                "screening": screenings.get(assignment.user_id),
            }
        )
    return render(
        request,
        "charters/governance/overview.html",
        {
            "network": network,
            "team": team,
            "rows": rows,
            "see_screenings": see_all,
            "can_record": user.has_perm("charters.record_screening", network),
            "can_hand_over": user.has_perm("charters.hand_over_network", network)
            and bool(team.co_coordinators),
            "can_remove": user.has_perm("charters.remove_coordinator", network),
            "can_invite": user.has_perm("networks.manage_roles", network),
            "events": governance_events(network=network)[:100],
        },
    )


@login_required
@permission_required("charters.record_screening", fn=_network, raise_exception=True)
def screening_edit(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    network = _network(request, slug)
    person = _screened_person(network, user_id)
    latest = screening_latest(network=network, user_ids=[person.pk]).get(person.pk)
    initial = (
        {
            "consent_on": latest.consent_on,
            "outcome": latest.outcome,
            "decided_on": latest.decided_on,
        }
        if latest
        else {"outcome": ScreeningRecord.Outcome.PENDING}
    )
    form = ScreeningForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            screening_record(
                network=network, user=person, recorded_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The screening was recorded."))
            return redirect("charters:governance:overview", slug=network.slug)
    history = ScreeningRecord.objects.filter(network=network, user=person).select_related(
        "recorded_by"
    )
    return render(
        request,
        "charters/governance/screening_form.html",
        {"network": network, "person": person, "form": form, "history": history},
    )


@login_required
@permission_required("charters.hand_over_network", fn=_network, raise_exception=True)
def hand_over(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    successors = network_co_coordinator_users(network=network)
    form = HandOverForm(request.POST or None, successors=successors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            network_hand_over(
                network=network,
                to_user=data["to_user"],
                by=request.user,
                reason=data["reason"],
                previous_stays=data["previous_stays"],
                accept_unscreened=data["accept_unscreened"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now the coordinator of %(network)s.")
                % {
                    "name": data["to_user"].get_full_name() or data["to_user"].email,
                    "network": network.name,
                },
            )
            # The hand-over may have changed the user's own roles (leaving).
            forget_user_roles(user=request.user)
            if request.user.has_perm("charters.view_governance", network):
                return redirect("charters:governance:overview", slug=network.slug)
            return redirect("accounts:home")
    screened = {
        user_id
        for user_id, record in screening_latest(
            network=network, user_ids=successors.values_list("pk", flat=True)
        ).items()
        if record.outcome == ScreeningRecord.Outcome.ACCEPTED
    }
    return render(
        request,
        "charters/governance/hand_over.html",
        {
            "network": network,
            "form": form,
            "successors": successors,
            "screened": screened,
            "current": network_team(network=network).coordinators,
        },
    )


@login_required
@permission_required("charters.remove_coordinator", fn=_network, raise_exception=True)
def coordinator_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    network = _network(request, slug)
    person = _screened_person(network, user_id)
    removing_coordinator = (
        RoleAssignment.objects.active()
        .filter(network=network, user=person, role=Role.COORDINATOR)
        .exists()
    )
    successors = network_co_coordinator_users(network=network).exclude(pk=person.pk)
    form = RemoveForm(
        request.POST or None, successors=successors, removing_coordinator=removing_coordinator
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            coordinator_remove_service(
                network=network,
                user=person,
                reason=data["reason"],
                by=request.user,
                successor=data.get("successor"),
                accept_unscreened=data.get("accept_unscreened", False),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s no longer coordinates %(network)s.")
                % {"name": person.get_full_name() or person.email, "network": network.name},
            )
            return redirect("charters:governance:overview", slug=network.slug)
    return render(
        request,
        "charters/governance/remove.html",
        {
            "network": network,
            "person": person,
            "form": form,
            "removing_coordinator": removing_coordinator,
            "has_successors": successors.exists(),
        },
    )
