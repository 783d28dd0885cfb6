"""Members' reports (meldingen), the member's side: the report form on the
personal page. The staff side (triage) is in ``messaging.views.incidents``.

It reuses the personal-page wrapper of ``members.views_self`` (signed link,
same invalid-link page, no Referer, no caching, no indexing).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from bin_platform.forms import errors_to_form
from members.models import Member
from members.views_self import personal_page
from messaging.forms_reports import MemberReportForm
from messaging.services.incidents import incident_create


@personal_page
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    context = {"member": member, "network": member.network, "token": token}
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "members/self/report_sent.html", context)
    can_report = member.status == Member.Status.ACTIVE
    form = MemberReportForm(
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
            return redirect(reverse("self_service:report", args=[token]) + "?sent=1")
    return render(
        request, "members/self/report.html", {**context, "form": form, "can_report": can_report}
    )
