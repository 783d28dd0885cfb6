"""The conversations inbox of a network, for its coordinators and the zone's
officers: open conversations first; answer, forward, assign, close. And a
police zone's watch words."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from rules.contrib.views import permission_required

from accounts.selectors import zone_officer_emails
from bin_platform.forms import errors_to_form
from messaging.forms.conversations import (
    AnswerForm,
    AssignForm,
    ForwardForm,
    InboxFilterForm,
    WatchWordsForm,
)
from messaging.models import Conversation, Reply
from messaging.selectors.conversations import (
    conversation_staff,
    conversation_thread,
    conversations_for_inbox,
    zone_watch_words,
)
from messaging.services.conversations import (
    conversation_answer,
    conversation_assign,
    conversation_close,
    conversation_forward,
    conversation_mark_read,
    conversation_reopen,
    conversation_share_with_municipality,
    watch_words_save,
)
from networks.models import Network, PoliceZone
from networks.views import network_from_url as _network


def _conversation(network: Network, pk: int) -> Conversation:
    return get_object_or_404(
        Conversation.objects.select_related("member", "message", "network", "assigned_to"),
        network=network,
        pk=pk,
    )


def _zone(request: HttpRequest, pk: int) -> PoliceZone:
    return get_object_or_404(PoliceZone, pk=pk)


@login_required
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    form = InboxFilterForm(request.GET or None)
    status, mine = "", False
    if form.is_valid():
        status, mine = form.cleaned_data["status"], form.cleaned_data["mine"]
    conversations = conversations_for_inbox(
        network=network, status=status, assigned_to=request.user if mine else None
    )
    page = Paginator(conversations, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/inbox/list.html",
        {
            "network": network,
            "page": page,
            "form": form,
            # Kept on the pagination links.
            "query": urlencode({"status": status, **({"mine": "on"} if mine else {})}),
            "show_contact": request.user.has_perm("members.view_member_contact", network),
        },
    )


def _detail(request: HttpRequest, network: Network, conversation: Conversation, **forms):
    staff = list(conversation_staff(network=network))
    officer_emails = zone_officer_emails(police_zone_ids=[network.police_zone_id])
    context = {
        "network": network,
        "conversation": conversation,
        "thread": conversation_thread(conversation=conversation),
        "show_contact": request.user.has_perm("members.view_member_contact", network),
        "answer_form": forms.get("answer") or AnswerForm(),
        "forward_form": forms.get("forward") or ForwardForm(officer_emails=officer_emails),
        "assign_form": forms.get("assign")
        or AssignForm(
            staff=staff,
            initial={"assignee": conversation.assigned_to_id or ""},
        ),
        "officer_emails": officer_emails,
    }
    status = 400 if forms else 200
    return render(request, "messaging/inbox/conversation.html", context, status=status)


@login_required
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def conversation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    conversation = _conversation(network, pk)
    conversation_mark_read(conversation=conversation)
    return _detail(request, network, conversation)


@login_required
@require_POST
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def conversation_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    network = _network(request, slug)
    conversation = _conversation(network, pk)
    user = request.user
    form = None
    try:
        if action == "answer":
            form = AnswerForm(request.POST)
            if not form.is_valid():
                return _detail(request, network, conversation, answer=form)
            conversation_answer(
                conversation=conversation, answered_by=user, text=form.cleaned_data["text"],
                close=form.cleaned_data["close"],
            )  # fmt: skip
            messages.success(request, _("Your answer is on its way."))
        elif action == "forward":
            form = ForwardForm(
                request.POST,
                officer_emails=zone_officer_emails(police_zone_ids=[network.police_zone_id]),
            )
            if not form.is_valid():
                return _detail(request, network, conversation, forward=form)
            conversation_forward(conversation=conversation, forwarded_by=user, **form.cleaned_data)
            messages.success(request, _("The conversation was forwarded."))
        elif action == "assign":
            staff = list(conversation_staff(network=network))
            form = AssignForm(request.POST, staff=staff)
            if not form.is_valid():
                return _detail(request, network, conversation, assign=form)
            chosen = form.cleaned_data["assignee"]
            assignee = next((u for u in staff if str(u.pk) == chosen), None)
            conversation_assign(conversation=conversation, assigned_by=user, assignee=assignee)
            messages.success(request, _("The conversation was assigned."))
        elif action == "share-municipality":
            conversation_share_with_municipality(
                conversation=conversation, shared_by=user, note=request.POST.get("note", "")[:1000]
            )
            messages.success(
                request,
                _("The conversation is shared with the municipality's staff; they get an email."),
            )
        elif action == "close":
            conversation_close(conversation=conversation, closed_by=user)
            messages.success(request, _("The conversation is closed."))
        elif action == "reopen":
            conversation_reopen(conversation=conversation, reopened_by=user)
            messages.success(request, _("The conversation is open again."))
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(exc.messages))
        else:
            errors_to_form(form, exc)
            return _detail(request, network, conversation, **{action: form})
    return redirect("messaging:conversation", slug=network.slug, pk=conversation.pk)


def _shared_conversation(request: HttpRequest, pk: int) -> Conversation:
    cached = getattr(request, "_bin_conversation", None)
    if cached is None or cached.pk != pk:
        cached = get_object_or_404(Conversation.objects.select_related("network", "message"), pk=pk)
        request._bin_conversation = cached
    return cached


@login_required
@require_safe
@permission_required(
    "messaging.view_shared_conversation", fn=_shared_conversation, raise_exception=True
)
def conversation_shared(request: HttpRequest, pk: int) -> HttpResponse:
    """A conversation forwarded to the municipality, as its staff see it: the
    thread's texts only, without the member's name or contact data, the
    inbox or the handling forms."""
    conversation = _shared_conversation(request, pk)
    return render(
        request,
        "messaging/inbox/shared.html",
        {
            "network": conversation.network,
            "conversation": conversation,
            "thread": conversation_thread(conversation=conversation),
            "handles": request.user.has_perm("messaging.view_messages", conversation.network),
        },
    )


@login_required
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def reply_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Links to a single reply (older emails) lead to its conversation."""
    network = _network(request, slug)
    reply = get_object_or_404(Reply, network=network, pk=pk, conversation__isnull=False)
    return redirect("messaging:conversation", slug=network.slug, pk=reply.conversation_id)


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("messaging.edit_watch_words", fn=_zone, raise_exception=True)
def watch_words(request: HttpRequest, pk: int) -> HttpResponse:
    zone = _zone(request, pk)
    form = WatchWordsForm(
        request.POST if request.method == "POST" else None, words=zone_watch_words(police_zone=zone)
    )
    if request.method == "POST" and form.is_valid():
        try:
            watch_words_save(police_zone=zone, words=form.cleaned_data, saved_by=request.user)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The watch words are saved."))
            return redirect("messaging:watch_words", pk=zone.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "messaging/inbox/watch_words.html", {"zone": zone, "form": form}, status=status
    )
