"""The replies inbox of a network: for its coordinators and the zone's officers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from accounts.selectors import zone_officer_emails
from messaging.models import Reply
from messaging.services.replies import reply_answer, reply_forward, reply_mark_read
from networks.models import Network
from networks.views import network_from_url as _network


def _reply(network: Network, pk: int) -> Reply:
    return get_object_or_404(
        Reply.objects.select_related("member", "message", "network"), network=network, pk=pk
    )


def _officer_emails(network: Network) -> list[str]:
    return zone_officer_emails(police_zone_ids=[network.police_zone_id])


@login_required
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    status = request.GET.get("status", "")
    replies = Reply.objects.filter(network=network).select_related("member", "message")
    if status in Reply.Status.values:
        replies = replies.filter(status=status)
    page = Paginator(replies.order_by("-received_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/inbox/list.html",
        {
            "network": network,
            "page": page,
            "status": status,
            "statuses": Reply.Status.choices,
            "show_contact": request.user.has_perm("members.view_member_contact", network),
        },
    )


@login_required
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def reply_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    reply = reply_mark_read(reply=_reply(network, pk))
    return render(
        request,
        "messaging/inbox/reply.html",
        {
            "network": network,
            "reply": reply,
            "show_contact": request.user.has_perm("members.view_member_contact", network),
            "officer_emails": _officer_emails(network),
        },
    )


@login_required
@require_POST
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def reply_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    network = _network(request, slug)
    reply = _reply(network, pk)
    try:
        if action == "answer":
            reply_answer(reply=reply, answered_by=request.user, text=request.POST.get("text", ""))
            messages.success(request, _("Your answer is on its way."))
        elif action == "forward":
            to_email = request.POST.get("to_email", "")
            allowed = set(_officer_emails(network))
            if to_email not in allowed:
                # Forward only to the zone's mandated officers: replies may hold
                # personal data and must not leave the partnership.
                raise ValidationError({"to_email": _("Choose one of the zone's officers.")})
            reply_forward(
                reply=reply, forwarded_by=request.user, to_email=to_email,
                note=request.POST.get("note", ""),
            )  # fmt: skip
            messages.success(request, _("The reply was forwarded."))
        else:
            return redirect("messaging:reply", slug=network.slug, pk=reply.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("messaging:reply", slug=network.slug, pk=reply.pk)
