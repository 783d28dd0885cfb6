"""The messages a member received, and their answer to one of them, on the
personal page; the conversation is handled in messaging's inbox."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bin_platform.forms import errors_to_form
from members.models import Member
from messaging.models import Message
from messaging.selectors.conversations import member_conversations_by_message
from messaging.services.conversations import member_web_reply
from personal.decorators import invalid_link, personal_page
from personal.forms.messages import MessageReplyForm


@personal_page
@require_http_methods(["GET", "POST"])
def message_reply(request: HttpRequest, *, member: Member, token: str, pk: int) -> HttpResponse:
    message = (
        Message.objects.filter(pk=pk, deliveries__member=member)
        .exclude(status=Message.Status.DRAFT)
        .first()
    )
    if message is None:
        return invalid_link(request)
    form = MessageReplyForm(request.POST if request.method == "POST" else None)
    can_reply = member.status == Member.Status.ACTIVE
    if request.method == "POST" and can_reply and form.is_valid():
        try:
            member_web_reply(member=member, message=message, text=form.cleaned_data["text"])
        except PermissionDenied:
            return invalid_link(request)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Your answer has been sent."))
            return redirect("personal:message_reply", token, message.pk)
    texts = message.text_for(member.language, member.network.default_language)
    return render(
        request,
        "personal/messages/reply.html",
        {
            "member": member,
            "network": member.network,
            "token": token,
            "message": message,
            "texts": texts,
            "thread": member_conversations_by_message(member=member).get(message.pk, []),
            "form": form,
            "can_reply": can_reply,
        },
        status=400 if form.is_bound else 200,
    )
