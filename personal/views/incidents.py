"""A member reports something (a member report, "melding") from their
personal page; the coordinator and the zone's officers triage it in
messaging's staff pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from bin_platform.forms import errors_to_form
from members.models import Member
from messaging.services.incidents import incident_create
from personal.decorators import personal_page
from personal.forms.incidents import IncidentReportForm


@personal_page
@require_http_methods(["GET", "POST"])
def incident_report(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    context = {"member": member, "network": member.network, "token": token}
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "personal/incidents/report_sent.html", context)
    can_report = member.status == Member.Status.ACTIVE
    form = IncidentReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        member=member,
    )
    if request.method == "POST" and can_report and form.is_valid():
        try:
            incident_create(member=member, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            # Redirected, so that reloading the thank-you page sends nothing twice.
            return redirect(reverse("personal:incident_report", args=[token]) + "?sent=1")
    return render(
        request,
        "personal/incidents/report.html",
        {**context, "form": form, "can_report": can_report},
    )
