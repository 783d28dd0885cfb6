"""The member's side of the house rules, on their personal page (/me/<token>/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from charters.services.charter import house_rules_accept
from members.models import Member
from members.views_self import personal_page


@personal_page
@require_POST
def self_house_rules_accept(request: HttpRequest, *, member: Member, token: str) -> HttpResponse:
    """Record that the member accepts the house rules version the page showed."""
    try:
        house_rules_accept(member=member, version=request.POST.get("version", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Thank you: you accepted the house rules."))
    return redirect("self_service:home", token)
