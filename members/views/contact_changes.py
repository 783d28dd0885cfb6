"""Members' new addresses outside the area, for the coordinator to accept or
refuse (as a sign-up): the list per network and the decision. The member asks
on their personal page (``personal.views.contact``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from members.forms.contact_changes import ContactDecisionForm
from members.selectors.contact_changes import contact_changes_awaiting_decision
from members.selectors.staff import member_nav_context
from members.services.contact_changes import contact_change_decide
from networks.views import network_from_url as _network


@login_required
@permission_required("members.view_member_list", fn=_network, raise_exception=True)
def contact_change_list(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    return render(
        request,
        "members/staff/contact_changes.html",
        {
            **member_nav_context(user=request.user, network=network),
            "changes": contact_changes_awaiting_decision(network=network)[:500],
            "form": ContactDecisionForm(),
        },
    )


@login_required
@require_POST
@permission_required("members.manage_members", fn=_network, raise_exception=True)
def contact_change_decide_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    change = get_object_or_404(contact_changes_awaiting_decision(network=network), pk=pk)
    form = ContactDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    else:
        accept = form.cleaned_data["decision"] == "accept"
        try:
            contact_change_decide(
                change=change, decided_by=request.user, accept=accept,
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            text = (
                _("The new address of %(name)s is accepted; they have been told.")
                if accept
                else _("The new address of %(name)s is refused; they have been told.")
            )
            messages.success(request, text % {"name": change.member})
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("members:contact_changes", network.slug)
