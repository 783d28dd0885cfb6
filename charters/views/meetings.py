"""Meetings of a network: plan, invite, follow answers, close."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from charters.forms.meetings import MeetingCloseForm, MeetingForm, MeetingInviteForm
from charters.models import Meeting
from charters.selectors.meetings import (
    meeting_list,
    meeting_rsvp_counts,
    member_meeting_last_held,
)
from charters.selectors.starting import meeting_interest_status, network_join_url
from charters.services.interest import FOUNDING_STATUSES
from charters.services.meetings import meeting_close as meeting_close_service
from charters.services.meetings import meeting_invite as meeting_invite_service
from charters.services.meetings import meeting_save
from networks.views import network_from_url as _network


def _meeting(request: HttpRequest, slug: str, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("network", "invitation", "created_by"),
        pk=pk,
        network__slug=slug,
    )


@login_required
@permission_required("charters.view_meetings", fn=_network, raise_exception=True)
def meetings(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    now = timezone.now()
    rows = list(meeting_list(network=network))
    coming = [m for m in rows if m.status == Meeting.Status.PLANNED and m.starts_at > now]
    return render(
        request,
        "charters/meetings/list.html",
        {
            "network": network,
            "upcoming": coming[::-1],  # soonest first
            "past": [m for m in rows if m not in coming],
            "last_held": member_meeting_last_held(network=network),
            "can_manage": request.user.has_perm("charters.manage_meetings", network),
        },
    )


def _save_form(request: HttpRequest, network, meeting: Meeting | None) -> HttpResponse:
    initial = {}
    if meeting is not None:
        initial = {
            "kind": meeting.kind,
            "starts_at": timezone.localtime(meeting.starts_at),
            "place": meeting.place,
            "agenda": meeting.agenda,
        }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = meeting_save(
                network=network, by=request.user, meeting=meeting, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The meeting was saved."))
            return redirect("charters:governance:meeting_detail", slug=network.slug, pk=saved.pk)
    return render(
        request,
        "charters/meetings/form.html",
        {"network": network, "form": form, "meeting": meeting},
    )


@login_required
@permission_required("charters.manage_meetings", fn=_network, raise_exception=True)
def meeting_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _save_form(request, _network(request, slug), None)


@login_required
@permission_required("charters.manage_meetings", fn=_network, raise_exception=True)
def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk)
    if meeting.status != Meeting.Status.PLANNED:
        messages.info(request, _("Only a planned meeting can be changed."))
        return redirect("charters:governance:meeting_detail", slug=slug, pk=pk)
    return _save_form(request, meeting.network, meeting)


@login_required
@permission_required("charters.view_meetings", fn=_network, raise_exception=True)
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk)
    network = meeting.network
    now = timezone.now()
    can_manage = request.user.has_perm("charters.manage_meetings", network)
    invitation = meeting.invitation
    interest = None
    if meeting.kind == Meeting.Kind.INFO_EVENING and network.status in FOUNDING_STATUSES:
        # A network being founded invites its interest list (no members yet).
        interest = meeting_interest_status(meeting=meeting) | {
            "can_send": can_manage and meeting.status == Meeting.Status.PLANNED
            and meeting.starts_at > now,
            "url": network_join_url(network=network),
        }  # fmt: skip
    return render(
        request,
        "charters/meetings/detail.html",
        {
            "network": network,
            "meeting": meeting,
            "counts": meeting_rsvp_counts(meeting=meeting),
            "can_manage": can_manage,
            "is_future": meeting.starts_at > now,
            "invitation": invitation,
            "interest": interest,
            "can_open_invitation": invitation is not None
            and request.user.has_perm("messaging.view_message", invitation),
        },
    )


@login_required
@permission_required("charters.manage_meetings", fn=_network, raise_exception=True)
def meeting_invite(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk)
    form = MeetingInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = meeting_invite_service(
                meeting=meeting,
                by=request.user,
                by_email=form.cleaned_data["by_email"],
                by_sms=form.cleaned_data["by_sms"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not send this invitation."))
        else:
            messages.success(
                request,
                _(
                    "The invitation is ready as a draft: check the texts, then publish it or "
                    "send it to the officer for approval."
                ),
            )
            return redirect("messaging:detail", pk=message.pk)
    return render(
        request,
        "charters/meetings/invite.html",
        {"network": meeting.network, "meeting": meeting, "form": form},
    )


@login_required
@permission_required("charters.manage_meetings", fn=_network, raise_exception=True)
def meeting_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _meeting(request, slug, pk)
    initial = {
        "status": Meeting.Status.HELD,
        "attendance": meeting.attendance,
        "minutes": meeting.minutes,
    }
    form = MeetingCloseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_close_service(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The meeting was updated."))
            return redirect("charters:governance:meeting_detail", slug=slug, pk=pk)
    return render(
        request,
        "charters/meetings/close.html",
        {
            "network": meeting.network,
            "meeting": meeting,
            "form": form,
            "counts": meeting_rsvp_counts(meeting=meeting),
        },
    )
