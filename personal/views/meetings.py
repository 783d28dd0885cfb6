"""A member answers a meeting invitation on their personal page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from charters.forms.meetings import RSVPForm
from charters.models import Meeting, MeetingRSVP
from charters.services.meetings import meeting_rsvp
from members.models import Member
from personal.decorators import invalid_link, personal_page


@personal_page
@require_http_methods(["GET", "POST"])
def meeting_rsvp_view(request: HttpRequest, pk: int, *, member: Member, token: str) -> HttpResponse:
    # Only meetings of the member's own network exist for them: anything else is
    # the same 404 page as a bad link, so ids of other networks reveal nothing.
    meeting = (
        Meeting.objects.filter(pk=pk, network_id=member.network_id)
        .exclude(kind=Meeting.Kind.STEERING)
        .first()
    )
    if meeting is None:
        return invalid_link(request)
    current = MeetingRSVP.objects.filter(meeting=meeting, member=member).first()
    initial = {"answer": current.answer, "guests": current.guests} if current else {"guests": 0}
    form = RSVPForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_rsvp(meeting=meeting, member=member, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            for text in getattr(exc, "messages", [str(exc)]):
                messages.error(request, text)
        else:
            messages.success(request, _("Thank you, your answer was saved."))
        return redirect(reverse("personal:home", args=[token]) + "#meetings")
    return render(
        request,
        "personal/meetings/meeting_rsvp.html",
        {
            "member": member,
            "network": member.network,
            "token": token,
            "meeting": meeting,
            "rsvp": current,
            "form": form,
        },
    )
