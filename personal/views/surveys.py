"""The member's side: answering a survey from their personal page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from bin_platform.forms import errors_to_form
from members.models import Member
from personal.decorators import personal_page
from surveys.forms import SurveyAnswerForm
from surveys.models import Survey, SurveyInvitation
from surveys.selectors import survey_invitation_sent_q
from surveys.services import survey_answer


@personal_page
@require_http_methods(["GET", "POST"])
def survey_answer_view(
    request: HttpRequest, pk: int, *, member: Member, token: str
) -> HttpResponse:
    network = member.network
    survey = (
        Survey.objects.filter(survey_invitation_sent_q(), pk=pk, network=network)
        .select_related("network")
        .first()
    )
    invitation = (
        SurveyInvitation.objects.filter(survey=survey, member=member).first() if survey else None
    )
    context = {"member": member, "network": network, "token": token, "survey": survey}
    if survey is None or invitation is None or member.status != Member.Status.ACTIVE:
        return render(request, "personal/surveys/unavailable.html", context, status=404)
    if request.GET.get("done") and invitation.answered:
        return render(request, "personal/surveys/thanks.html", context)
    if invitation.answered:
        return render(request, "personal/surveys/already.html", context)
    if not survey.accepts_answers:
        return render(request, "personal/surveys/closed.html", context)
    form = SurveyAnswerForm(
        request.POST if request.method == "POST" else None,
        survey=survey,
        language=request.LANGUAGE_CODE,
    )
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(survey=survey, member=member, answers=form.answers())
        except ValidationError as exc:
            if getattr(exc, "code", None) == "already_answered":
                return render(request, "personal/surveys/already.html", context)
            if getattr(exc, "code", None) == "closed":
                return render(request, "personal/surveys/closed.html", context)
            errors_to_form(form, exc)
        else:
            # Redirected, so that reloading the thank-you page sends nothing twice.
            return redirect(reverse("personal:survey_answer", args=[token, survey.pk]) + "?done=1")
    return render(
        request,
        "personal/surveys/answer.html",
        {**context, "form": form, "intro": survey.intro, "title": survey.title},
    )
