"""Rehearsing a draft: a test to oneself, an exercise to chosen members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from messaging.forms.exercises import ExerciseForm
from messaging.models import Message
from messaging.selectors.exercises import (
    CHOICES_SHOWN,
    exercise_member_choices,
    exercise_member_search,
)
from messaging.services.exercises import (
    EXERCISE_MAX_MEMBERS,
    REHEARSABLE,
    message_exercise_send,
    message_self_test_send,
)


def _message(request: HttpRequest, pk: int, **_kwargs) -> Message:
    # Read once per request: the permission check and the view both need it.
    cached = getattr(request, "_bin_message", None)
    if cached is None or cached.pk != pk:
        cached = get_object_or_404(Message.objects.prefetch_related("networks"), pk=pk)
        request._bin_message = cached
    return cached


@login_required
@require_POST
@permission_required("messaging.rehearse_message", fn=_message, raise_exception=True)
def message_self_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the draft to the user's own email (and mobile), marked TEST."""
    message = _message(request, pk)
    try:
        channels = message_self_test_send(message=message, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if "sms" in channels:
            text = _("A test marked TEST is on its way to your email and your mobile phone.")
        else:
            text = _(
                "A test marked TEST is on its way to your email. Add a mobile number to "
                "your account to receive the SMS too."
            )
        messages.success(request, text)
    return redirect("messaging:detail", pk=message.pk)


@login_required
@permission_required("messaging.rehearse_message", fn=_message, raise_exception=True)
def message_exercise(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose members and send them the draft as an exercise (marked TEST)."""
    message = _message(request, pk)
    if message.status not in REHEARSABLE:
        messages.info(request, _("Only a draft can be rehearsed."))
        return redirect("messaging:detail", pk=message.pk)
    choices = exercise_member_choices(message=message, user=request.user)
    search = request.GET.get("q", "").strip()[:100]
    # Bound on every POST: nothing ticked is an error, not an empty form.
    form = ExerciseForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            exercise = message_exercise_send(
                message=message, members=form.cleaned_data["members"], sent_by=request.user
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("The exercise is on its way, marked TEST, to the chosen members.")
            )
            return redirect("messaging:detail", pk=exercise.pk)
    found = exercise_member_search(members=choices, search=search)
    chosen = {str(v) for v in form["members"].value() or [] if str(v).isdigit()}
    shown = list(found[:CHOICES_SHOWN])
    # Members ticked before a failed send stay on the list, whatever the search.
    listed = {str(m.pk) for m in shown}
    shown += list(choices.filter(pk__in=[int(v) for v in chosen - listed]))
    return render(
        request,
        "messaging/exercises/form.html",
        {
            "message": message,
            "form": form,
            "search": search,
            "shown": shown,
            "more": found[CHOICES_SHOWN : CHOICES_SHOWN + 1].exists(),
            "chosen": chosen,
            "max_members": EXERCISE_MAX_MEMBERS,
        },
    )
