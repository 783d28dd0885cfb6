"""The officer's messages: compose, preview, publish, follow the delivery."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from messaging.forms.messages import (
    LANGUAGES,
    MessageForm,
    composable_networks,
    user_may_compose,
)
from messaging.models import Message
from messaging.selectors.cap import CAP_CONTENT_TYPE, message_cap_xml
from messaging.selectors.exercises import message_exercises
from messaging.selectors.feedback import alert_label, feedback_initial
from messaging.selectors.messages import (
    compose_country,
    message_failures,
    message_history,
    message_preview,
    message_progress,
    message_template_initial,
    message_templates_for,
)
from messaging.selectors.policy import message_plan_problems
from messaging.selectors.reach import (
    PROBLEMS,
    network_member_problems,
    problem_counts,
    reach_of_channels,
)
from messaging.selectors.sent import (
    message_audience,
    message_conversations,
    message_failure_reasons,
    message_timeline,
)
from messaging.services.drafts import message_draft_save, message_return, message_submit
from messaging.services.lifecycle import (
    message_cancel,
    message_draft_delete,
    message_publish,
    message_update_draft,
)
from networks.views import network_from_url as _network


def _message(request: HttpRequest, pk: int, **_kwargs) -> Message:
    # Read once per request: the permission check and the view both need it.
    cached = getattr(request, "_bin_message", None)
    if cached is None or cached.pk != pk:
        cached = get_object_or_404(Message.objects.prefetch_related("networks"), pk=pk)
        request._bin_message = cached
    return cached


def _followed_networks(request: HttpRequest, message: Message) -> list | None:
    """The targeted networks whose figures the user may see; None when all."""
    networks = list(message.networks.all())
    visible = [n for n in networks if request.user.has_perm("messaging.view_messages", n)]
    return None if len(visible) == len(networks) else visible


def _can_compose(user) -> bool:
    return user_may_compose(user=user)


def _save(request: HttpRequest, form: MessageForm, message: Message | None) -> Message:
    return message_draft_save(created_by=request.user, message=message, **form.draft_fields())


@login_required
def message_new(request: HttpRequest) -> HttpResponse:
    if not _can_compose(request.user):
        raise PermissionDenied
    templates = message_templates_for(user=request.user)
    initial = {}
    template_id = request.GET.get("template", "")
    chosen = templates.filter(pk=int(template_id)).first() if template_id.isdigit() else None
    if chosen is not None:
        # {network} is filled for someone who writes for one network only.
        networks = list(composable_networks(request.user)[:2])
        initial = message_template_initial(
            template=chosen,
            country=compose_country(user=request.user),
            network=networks[0] if len(networks) == 1 else None,
        )
    # "Write feedback" on an alert's page: its networks, streets, languages
    # and the link filled in, for those who may write feedback to them all.
    alert = _feedback_alert(request)
    if alert is not None:
        initial |= feedback_initial(alert=alert, networks=composable_networks(request.user))
    form = MessageForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        message = _save(request, form, None)
        return redirect("messaging:detail", pk=message.pk)
    return render(
        request,
        "messaging/messages/form.html",
        {
            "form": form,
            "compose_languages": LANGUAGES,
            "templates": templates,
            "chosen": chosen,
            "feedback_on": alert,
        },
    )


def _feedback_alert(request: HttpRequest) -> Message | None:
    """The alert of ``?follows=<id>``; refused unless the user may write feedback on it."""
    follows = request.GET.get("follows", "")
    if not follows:
        return None
    alert = (
        Message.objects.prefetch_related("networks").filter(pk=int(follows)).first()
        if follows.isdigit()
        else None
    )
    if alert is None or not request.user.has_perm("messaging.write_feedback", alert):
        raise PermissionDenied
    return alert


@login_required
@permission_required("messaging.edit_message", fn=_message, raise_exception=True)
def message_edit(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    if message.status != Message.Status.DRAFT:
        messages.info(request, _("A published message cannot be changed."))
        return redirect("messaging:detail", pk=message.pk)
    form = MessageForm(
        request.POST or None, initial=MessageForm.initial_from(message), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        _save(request, form, message)
        return redirect("messaging:detail", pk=message.pk)
    return render(
        request,
        "messaging/messages/form.html",
        {"form": form, "message": message, "compose_languages": LANGUAGES},
    )


@login_required
@permission_required("messaging.view_message", fn=_message, raise_exception=True)
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    context = {
        "message": message,
        "can_publish": request.user.has_perm("messaging.publish_message", message),
        "can_edit": request.user.has_perm("messaging.edit_message", message),
        "can_submit": request.user.has_perm("messaging.submit_message", message),
        "can_rehearse": request.user.has_perm("messaging.rehearse_message", message),
        "can_write_feedback": request.user.has_perm("messaging.write_feedback", message),
        "follows_label": alert_label(message=message.follows) if message.follows_id else "",
        "can_delete": request.user.has_perm("messaging.delete_message", message),
    }
    followed = _followed_networks(request, message)
    # The writer who follows none of the networks (municipal staff) sees the
    # texts and the approval only: no recipient figures, replies or failures.
    context["show_figures"] = followed is None or bool(followed)
    if message.status in (Message.Status.DRAFT, Message.Status.PENDING_APPROVAL):
        context["preview"] = preview = message_preview(message=message, networks=followed)
        # Names only of the members of networks the viewer follows.
        visible = {n.pk for n in (message.networks.all() if followed is None else followed)}
        for reason in preview["unreached"]["reasons"]:
            reason["members"] = [m for m in reason["members"] if m.network_id in visible]
        context["exercises"] = message_exercises(message=message)
        context["plan_problems"] = [
            text for texts in message_plan_problems(message=message).values() for text in texts
        ]
    elif context["show_figures"]:
        # A message to several networks: each viewer sees the failures and
        # replies of the networks they follow only.
        visible = list(message.networks.all()) if followed is None else followed
        context.update(_sent_context(request, message, followed, visible))
    return render(request, "messaging/messages/detail.html", context)


def _sent_context(request: HttpRequest, message: Message, followed, visible) -> dict:
    """A sent message's page: texts, audience, timeline, conversations and
    failures, of the networks the viewer follows only."""
    user = request.user
    # Who failed: names only where the viewer may see the member list.
    named = [n for n in visible if user.has_perm("members.view_member_list", n)]
    return {
        "progress": message_progress(message=message, networks=followed),
        "audience": message_audience(message=message, networks=followed),
        "timeline": message_timeline(message=message, networks=followed),
        "conversations": message_conversations(message=message, networks=visible)[:100],
        "replies": message.replies.filter(network__in=visible).select_related("member", "network")[
            :100
        ],
        "failure_reasons": message_failure_reasons(message=message, networks=visible),
        "failures": message_failures(message=message).filter(member__network__in=named)[:100],
        "feedback": message.followed_by.filter(status=Message.Status.PUBLISHED).order_by(
            "published_at"
        ),
        # Provider errors may quote the phone number or address.
        "show_errors": all(user.has_perm("members.view_member_contact", n) for n in visible),
    }


@login_required
@require_POST
@permission_required("messaging.publish_message", fn=_message, raise_exception=True)
def message_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    try:
        message_publish(message=message, published_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The message is on its way."))
    return redirect("messaging:detail", pk=message.pk)


@login_required
@require_POST
@permission_required("messaging.submit_message", fn=_message, raise_exception=True)
def message_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    message_submit(message=message, submitted_by=request.user)
    messages.success(request, _("Sent to the mandated officer for approval."))
    return redirect("messaging:detail", pk=message.pk)


@login_required
@require_POST
@permission_required("messaging.publish_message", fn=_message, raise_exception=True)
def message_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    try:
        message_return(message=message, returned_by=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The message went back to its writer."))
    return redirect("messaging:detail", pk=message.pk)


@login_required
@require_POST
@permission_required("messaging.publish_message", fn=_message, raise_exception=True)
def message_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Start an update of a published message: a draft for the same recipients."""
    message = _message(request, pk)
    try:
        update = message_update_draft(original=message, created_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("messaging:detail", pk=message.pk)
    return redirect("messaging:edit", pk=update.pk)


@login_required
@require_POST
@permission_required("messaging.publish_message", fn=_message, raise_exception=True)
def message_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a published message; a draft is deleted instead (``messaging:delete``)."""
    message = _message(request, pk)
    if message.status != Message.Status.PUBLISHED:
        messages.error(request, _("Only a published message can be cancelled; delete a draft."))
        return redirect("messaging:detail", pk=message.pk)
    stopped = message_cancel(message=message, cancelled_by=request.user)
    messages.success(
        request,
        _("The message is cancelled; %(count)s deliveries that had not gone out were stopped.")
        % {"count": stopped},
    )
    if message.cancel_notices.exists():
        messages.info(
            request, _("Those it had already reached get a short cancel notice in their language.")
        )
    return redirect("messaging:detail", pk=message.pk)


@login_required
@require_POST
@permission_required("messaging.delete_message", fn=_message, raise_exception=True)
def message_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a draft (cancelling a draft deletes it), back to its network's messages."""
    message = _message(request, pk)
    followed = [
        n for n in message.networks.all() if request.user.has_perm("messaging.view_messages", n)
    ]
    try:
        message_draft_delete(message=message, deleted_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("messaging:detail", pk=message.pk)
    messages.success(request, _("The draft is deleted."))
    if followed:
        return redirect("messaging:network", slug=followed[0].slug)
    return redirect("accounts:home")


@login_required
@permission_required("messaging.view_message", fn=_message, raise_exception=True)
def message_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the delivery view (htmx polls it until everything is done)."""
    message = _message(request, pk)
    progress = message_progress(message=message, networks=_followed_networks(request, message))
    return render(
        request, "messaging/messages/_progress.html", {"message": message, "progress": progress}
    )


@login_required
@permission_required("messaging.view_message", fn=_message, raise_exception=True)
def message_cap(request: HttpRequest, pk: int) -> HttpResponse:
    """The message as a CAP 1.2 alert, for alerting tools (BE-Alert, signage)."""
    message = _message(request, pk)
    response = HttpResponse(message_cap_xml(message=message), content_type=CAP_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="bin-message-{message.pk}.cap.xml"'
    return response


@login_required
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def network_messages(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    return render(
        request,
        "messaging/messages/network.html",
        {
            "network": network,
            "messages_list": message_history(network=network)[:200],
            "can_compose": network in composable_networks(request.user),
        },
    )


@login_required
@permission_required("messaging.view_messages", fn=_network, raise_exception=True)
def network_problems(request: HttpRequest, slug: str) -> HttpResponse:
    """Members with communication problems (bounces, failures, STOP, spam
    complaints, no urgent channel) and what to do about each."""
    network = _network(request, slug)
    problems = network_member_problems(networks=[network])
    counts = problem_counts(problems)
    return render(
        request,
        "messaging/messages/problems.html",
        {
            "network": network,
            "problems": problems,
            "summary": [(PROBLEMS[code][0], counts[code]) for code in PROBLEMS if code in counts],
            "reach": reach_of_channels(network=network, chosen=()),
        },
    )
