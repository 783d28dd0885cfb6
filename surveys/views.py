"""The staff's survey pages: list, build, send, close, results and exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from rules.contrib.views import permission_required

from bin_platform.forms import errors_to_form
from bin_platform.spreadsheets import XLSX_TYPE
from networks.models import Network
from networks.views import network_from_url as _network
from surveys.forms import QuestionForm, SurveyCreateForm, SurveyEditForm, SurveyOpenForm
from surveys.models import Question, Survey
from surveys.selectors import (
    survey_charts,
    survey_export_csv,
    survey_export_xlsx,
    survey_response_rate,
)
from surveys.selectors import survey_list as survey_list_selector
from surveys.selectors import survey_results as survey_results_selector
from surveys.services import (
    question_delete,
    question_move,
    question_save,
    survey_summary_draft,
    survey_update,
)
from surveys.services import survey_close as survey_close_service
from surveys.services import survey_create as survey_create_service
from surveys.services import survey_open as survey_open_service


def _survey(network: Network, pk: int) -> Survey:
    # Always within the network of the URL: a survey id from another network is a 404.
    return get_object_or_404(Survey.objects.select_related("network"), pk=pk, network=network)


def _context(request: HttpRequest, network: Network, **extra) -> dict:
    return {
        "network": network,
        "can_manage": request.user.has_perm("surveys.manage_surveys", network),
        **extra,
    }


@login_required
@permission_required("surveys.view_surveys", fn=_network, raise_exception=True)
@require_safe
def survey_list(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    return render(
        request,
        "surveys/survey_list.html",
        _context(request, network, surveys=survey_list_selector(network=network)),
    )


@login_required
@permission_required("surveys.manage_surveys", fn=_network, raise_exception=True)
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest, slug: str) -> HttpResponse:
    network = _network(request, slug)
    form = SurveyCreateForm(request.POST or None, initial={"template_key": "bin-evaluation-v1"})
    if request.method == "POST" and form.is_valid():
        try:
            survey = survey_create_service(
                network=network, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("The survey is a draft: check the questions, then send it.")
            )
            return redirect("surveys:detail", slug=network.slug, pk=survey.pk)
    return render(request, "surveys/survey_create.html", _context(request, network, form=form))


@login_required
@permission_required("surveys.view_surveys", fn=_network, raise_exception=True)
@require_safe
def survey_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    survey = _survey(network, pk)
    language = request.LANGUAGE_CODE
    questions = [
        {"question": q, "text": q.text_in(language), "choices": q.choice_labels(language)}
        for q in survey.questions.all()
    ]
    return render(
        request,
        "surveys/survey_detail.html",
        _context(
            request,
            network,
            survey=survey,
            questions=questions,
            rate=survey_response_rate(survey=survey),
            open_form=SurveyOpenForm() if survey.is_draft else None,
        ),
    )


@login_required
@permission_required("surveys.manage_surveys", fn=_network, raise_exception=True)
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    survey = _survey(network, pk)
    if survey.status == Survey.Status.CLOSED:
        messages.info(request, _("A closed survey cannot be changed."))
        return redirect("surveys:detail", slug=network.slug, pk=survey.pk)
    form = SurveyEditForm(request.POST or None, instance=Survey.objects.get(pk=survey.pk))
    if request.method == "POST" and form.is_valid():
        try:
            survey_update(survey=survey, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("surveys:detail", slug=network.slug, pk=survey.pk)
    return render(
        request, "surveys/survey_edit.html", _context(request, network, survey=survey, form=form)
    )


@login_required
@permission_required("surveys.manage_surveys", fn=_network, raise_exception=True)
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, slug: str, pk: int, qpk: int | None = None) -> HttpResponse:
    network = _network(request, slug)
    survey = _survey(network, pk)
    question = get_object_or_404(Question, pk=qpk, survey=survey) if qpk else None
    if not survey.is_draft:
        messages.info(request, _("Questions can only be changed while the survey is a draft."))
        return redirect("surveys:detail", slug=network.slug, pk=survey.pk)
    form = QuestionForm(
        request.POST or None,
        initial=QuestionForm.initial_from(question) if question else {},
        languages=network.languages,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question_save(
                survey=survey,
                question=question,
                kind=data["kind"],
                text=data["text_dict"],
                choices=data["choice_list"],
                required=data["required"],
                languages=form.languages,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("surveys:detail", slug=network.slug, pk=survey.pk)
    return render(
        request,
        "surveys/question_form.html",
        _context(request, network, survey=survey, question=question, form=form),
    )


@login_required
@permission_required("surveys.manage_surveys", fn=_network, raise_exception=True)
@require_POST
def question_action(request: HttpRequest, slug: str, pk: int, qpk: int, action: str):
    network = _network(request, slug)
    survey = _survey(network, pk)
    question = get_object_or_404(Question, pk=qpk, survey=survey)
    try:
        if action == "up" or action == "down":
            question_move(question=question, up=action == "up")
        elif action == "delete":
            question_delete(question=question)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("surveys:detail", slug=network.slug, pk=survey.pk)


@login_required
@permission_required("surveys.manage_surveys", fn=_network, raise_exception=True)
@require_POST
def survey_open(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    survey = _survey(network, pk)
    form = SurveyOpenForm(request.POST)
    if form.is_valid():
        try:
            survey, message = survey_open_service(
                survey=survey, opened_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if message.status == message.Status.PUBLISHED:
                messages.success(request, _("The survey is open and the invitation is on its way."))
            else:
                messages.success(
                    request,
                    _("The survey is open. The invitation message awaits the mandated "
                      "officer's approval before it goes out."),
                )  # fmt: skip
    else:
        messages.error(request, _("Choose at least one channel."))
    return redirect("surveys:detail", slug=network.slug, pk=survey.pk)


@login_required
@permission_required("surveys.manage_surveys", fn=_network, raise_exception=True)
@require_POST
def survey_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    survey = _survey(network, pk)
    try:
        survey_close_service(survey=survey, closed_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The survey is closed: no more answers are accepted."))
    return redirect("surveys:results", slug=network.slug, pk=survey.pk)


@login_required
@permission_required("surveys.view_surveys", fn=_network, raise_exception=True)
@require_safe
def survey_results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = _network(request, slug)
    survey = _survey(network, pk)
    results = survey_results_selector(
        survey=survey,
        language=request.LANGUAGE_CODE,
        with_texts=request.user.has_perm("surveys.view_free_text", network),
    )
    return render(
        request,
        "surveys/survey_results.html",
        _context(
            request,
            network,
            survey=survey,
            results=results,
            charts=survey_charts(results=results),
            can_message=request.user.has_perm("messaging.compose_for_network", network),
        ),
    )


def _filename(survey: Survey, extension: str) -> str:
    return (
        f"bin-{survey.network.slug}-survey-{survey.pk}-{timezone.localdate():%Y-%m-%d}.{extension}"
    )


@login_required
@permission_required("surveys.view_surveys", fn=_network, raise_exception=True)
@require_safe
@never_cache
def survey_export(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    network = _network(request, slug)
    survey = _survey(network, pk)
    results = survey_results_selector(
        survey=survey,
        language=request.LANGUAGE_CODE,
        with_texts=request.user.has_perm("surveys.view_free_text", network),
    )
    if fmt == "xlsx":
        response = HttpResponse(survey_export_xlsx(results=results), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(
            survey_export_csv(results=results), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{_filename(survey, fmt)}"'
    return response


@login_required
@permission_required("surveys.manage_surveys", fn=_network, raise_exception=True)
@require_POST
def survey_summary(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Start the results message: a draft in Messaging, edited and published
    (or sent for approval) there like any other message."""
    network = _network(request, slug)
    survey = _survey(network, pk)
    if not request.user.has_perm("messaging.compose_for_network", network):
        messages.error(request, _("You cannot write messages to this network."))
        return redirect("surveys:results", slug=network.slug, pk=survey.pk)
    try:
        message = survey_summary_draft(survey=survey, created_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("surveys:results", slug=network.slug, pk=survey.pk)
    messages.info(request, _("Check the summary, then publish it or send it for approval."))
    return redirect("messaging:edit", pk=message.pk)
