from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from accounts.forms import InvitationAcceptForm, InvitationForm, NotificationSettingsForm
from accounts.hooks import home_panels
from accounts.models import StaffInvitation
from accounts.selectors import user_has_mfa, user_requires_mfa
from accounts.services import invitation_accept as invitation_accept_service
from accounts.services import (
    invitation_create,
    invitation_for_token,
    user_notification_settings_update,
)
from accounts.services import invitation_revoke as invitation_revoke_service
from bin_platform.forms import errors_to_form
from networks.models import Network
from networks.selectors import (
    municipality_list_for_user,
    network_list_for_user,
    role_assignments_awaiting_screening,
    user_roles,
    zone_list_for_user,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page after login: what each of the user's roles needs first."""
    roles = user_roles(user=request.user)
    networks = list(network_list_for_user(user=request.user)) if roles.any else []
    context = {
        "roles": roles,
        "role_names": roles.role_names,
        "coordinated": [n for n in networks if n.id in roles.coordinates | roles.steering_of],
        "zones": list(zone_list_for_user(user=request.user)) if roles.officer_of_zones else [],
        "zone_networks": [n for n in networks if n.police_zone_id in roles.officer_of_zones],
        "municipalities": (
            list(
                municipality_list_for_user(user=request.user).filter(
                    id__in=roles.staff_of_municipalities
                )
            )
            if roles.staff_of_municipalities
            else []
        ),
        "municipal_networks": [
            n for n in networks if n.municipality_id in roles.staff_of_municipalities
        ],
        "all_networks": networks if roles.is_admin else [],
        # Roles held but not effective before the police screening: shown to
        # the person, and to the zone's officers, who record screenings.
        "awaiting_networks": (
            list(Network.objects.filter(id__in=roles.awaiting_screening_of).order_by("name"))
            if roles.awaiting_screening_of
            else []
        ),
        "awaiting_screenings": (
            list(role_assignments_awaiting_screening(police_zone_ids=roles.officer_of_zones))
            if roles.officer_of_zones
            else []
        ),
    }
    for panel in home_panels:
        context.update(panel(request=request, roles=roles, networks=networks))
    return render(request, "accounts/home.html", context)


@login_required
def mfa_required(request: HttpRequest) -> HttpResponse:
    """Guides a user whose role needs MFA through enrolment."""
    if user_has_mfa(user=request.user) or not user_requires_mfa(user=request.user):
        return redirect("accounts:home")
    return render(request, "accounts/mfa_required.html")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.email.lower() != invitation.email.lower():
        return render(
            request,
            "accounts/invitation_wrong_account.html",
            {"invitation": invitation},
            status=403,
        )
    form = None if user else InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form else {}
        try:
            accepted = invitation_accept_service(
                invitation=invitation,
                user=user,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                password=data.get("password1", ""),
            )
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
            elif hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error("password1" if field == "password" else None, errors)
            else:
                form.add_error(None, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            if user is None:
                login(request, accepted, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! You are now %(role)s for %(scope)s.")
                % {
                    "role": invitation.get_role_display(),
                    "scope": invitation.scope or _("the platform"),
                },
            )
            return redirect("accounts:home")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@login_required
@permission_required("networks.invite_staff", raise_exception=True)
def invitation_list(request: HttpRequest) -> HttpResponse:
    roles = user_roles(user=request.user)
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitation_create(
                invited_by=request.user,
                email=data["email"],
                role=data["role"],
                network=data.get("network"),
                police_zone=data.get("police_zone"),
                municipality=data.get("municipality"),
                language=data["language"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error("role", str(exc))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("accounts:invitations")
    invitations = StaffInvitation.objects.select_related("network", "police_zone", "municipality")
    if not roles.is_admin:
        invitations = invitations.filter(invited_by=request.user)
    return render(
        request,
        "accounts/invitations.html",
        {"form": form, "invitations": invitations[:200]},
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(StaffInvitation, pk=pk)
    if invitation_revoke_service(invitation=invitation, revoked_by=request.user):
        messages.success(request, _("Invitation withdrawn."))
    else:
        messages.info(request, _("This invitation was already accepted or withdrawn."))
    return redirect("accounts:invitations")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own notification settings (urgent replies by SMS)."""
    user = request.user
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "mobile_phone": user.mobile_phone,
            "urgent_replies_by_sms": user.urgent_replies_by_sms,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_notification_settings_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("accounts:notifications")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/notifications.html", {"form": form}, status=status)
