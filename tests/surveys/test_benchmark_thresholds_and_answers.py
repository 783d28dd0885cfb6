"""Regressions of the surveys review: anonymity thresholds, exports, editing
standard questions and answering while the survey closes."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from members.tokens import member_personal_token
from surveys.forms import QuestionForm, SurveyAnswerForm
from surveys.models import Answer, Response, Survey, SurveyInvitation
from surveys.selectors import (
    survey_charts,
    survey_export_rows,
    survey_results,
    survey_summary_texts,
)
from surveys.services import (
    _clean_answers,
    question_save,
    survey_answer,
    survey_close,
    survey_create,
)
from surveys.standard import BIN_EVALUATION
from tests.factories import MemberFactory, NetworkFactory, survey_with_answers

pytestmark = pytest.mark.django_db


def _answers(survey, scale):
    values = {}
    for q in survey.questions.all():
        if q.kind == "scale":
            values[q.pk] = scale
        elif q.kind == "single":
            values[q.pk] = q.choices[-1]["key"]
        elif q.kind == "multiple":
            values[q.pk] = [q.choices[-1]["key"]]
    return values


def _invite(survey, network=None):
    member = MemberFactory(network=network or survey.network)
    SurveyInvitation.objects.create(survey=survey, member=member)
    return member


# --- benchmark: no answer of a hidden network can be recovered ---------------


def test_benchmark_of_one_other_network_and_an_open_one_is_not_shown(world):
    officer = world.users["officer"]
    a = survey_with_answers(network=world.network, created_by=officer, answers=5)
    c_net = NetworkFactory(municipality=world.municipality, slug="aaigem")
    survey_with_answers(network=c_net, created_by=officer, answers=5)
    b = survey_with_answers(network=world.other_network, created_by=officer, answers=0)
    survey_answer(survey=b, member=_invite(b), answers=_answers(b, 1))
    assert survey_results(survey=b, language="nl")["shown"] is False

    results = survey_results(survey=a, language="nl")
    for q in results["questions"]:
        if q.benchmark is not None:
            assert q.benchmark["suppressed"] is True
            assert all(o.benchmark is None for o in q.options)
    assert not results["benchmark_available"]
    assert all(chart["benchmark"] is None for chart in survey_charts(results=results))


# --- per-question threshold and empty submissions -------------------------------


def _custom_survey(world):
    officer = world.users["officer"]
    survey = survey_create(network=world.network, created_by=officer, title="Custom")
    text = question_save(survey=survey, kind="text", text={"nl": "Opmerking?"})
    scale = question_save(survey=survey, kind="scale", text={"nl": "Tevreden?"})
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
    return survey, text, scale


def test_an_empty_submission_is_refused(world):
    survey, _text, _scale = _custom_survey(world)
    member = _invite(survey)
    with pytest.raises(ValidationError) as refused:
        survey_answer(survey=survey, member=member, answers={})
    assert refused.value.code == "empty"
    assert not Response.objects.exists()
    assert not SurveyInvitation.objects.get(survey=survey, member=member).answered
    # Only spaces or invisible characters count as empty too.
    with pytest.raises(ValidationError):
        survey_answer(survey=survey, member=member, answers={_text.pk: " \x0b "})
    assert not Response.objects.exists()


def test_a_question_answered_by_fewer_than_five_is_not_shown(world, client):
    survey, text, scale = _custom_survey(world)
    for _ in range(4):
        survey_answer(survey=survey, member=_invite(survey), answers={text.pk: "Goed initiatief"})
    survey_answer(
        survey=survey, member=_invite(survey), answers={text.pk: "Jan klaagt", scale.pk: 1}
    )

    results = survey_results(survey=survey, language="nl")
    assert results["shown"] is True
    comments, satisfaction = results["questions"]
    assert not comments.suppressed and comments.answered == 5
    assert satisfaction.suppressed
    assert satisfaction.answered == 0 and satisfaction.mean is None
    assert [o.count for o in satisfaction.options] == [0] * 5
    assert survey_charts(results=results) == []

    # The summary message and the exports follow the same rule.
    body = survey_summary_texts(survey=survey)["nl"]["body"]
    assert "Tevreden?" not in body and "1.0" not in body
    _header, rows = survey_export_rows(results=results)
    mine = [r for r in rows if r[0] == satisfaction.number]
    assert mine == [[2, "Tevreden?", mine[0][2], "Fewer than 5 answers: not shown", "", "", "", ""]]

    client.force_login(world.users["coordinator"])
    page = client.get(
        reverse("surveys:results", kwargs={"slug": world.network.slug, "pk": survey.pk})
    ).content.decode()
    assert "Fewer than 5 members answered this question" in page
    assert f'data-survey-chart="{scale.pk}"' not in page


def test_the_member_is_told_to_answer_at_least_one_question(client, world):
    survey, text, _scale = _custom_survey(world)
    member = _invite(survey)
    token = member_personal_token(member=member)
    url = reverse("personal:survey_answer", args=[token, survey.pk])

    response = client.post(url, {f"q{text.pk}": "   "})

    assert response.status_code == 200
    with translation.override(member.language):  # the page speaks the member's language
        expected = gettext("Answer at least one question before sending.")
    assert expected in response.content.decode()
    assert not Response.objects.exists()


# --- control characters in free text ----------------------------------------------


def test_xlsx_export_survives_a_control_character_stored_earlier(client, world):
    officer = world.users["officer"]
    survey = survey_with_answers(network=world.network, created_by=officer, answers=5)
    text_q = survey.questions.get(kind="text")
    # Stored before answers were cleaned: the export must still work.
    Answer.objects.filter(question=text_q).update(text="Goed\x0bidee\x01")
    client.force_login(officer)

    response = client.get(
        reverse("surveys:export_xlsx", kwargs={"slug": world.network.slug, "pk": survey.pk})
    )

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [row[3] for row in sheet.iter_rows(values_only=True)]
    assert values.count("Goedidee") == 5


def test_control_characters_are_removed_from_free_text_answers(world):
    survey = survey_with_answers(network=world.network, created_by=world.users["officer"])
    text_q = survey.questions.get(kind="text")
    answers = _answers(survey, 3)
    answers[text_q.pk] = "Goed\x0bidee\r\nmet\ttab\x1b[31m\x7f"

    survey_answer(survey=survey, member=_invite(survey), answers=answers)

    assert Answer.objects.get(question=text_q).text == "Goedidee\nmet\ttab[31m"


def test_the_answer_form_cleans_control_characters(world):
    survey = survey_with_answers(network=world.network, created_by=world.users["officer"])
    text_q = survey.questions.get(kind="text")
    data = {f"q{k}": v for k, v in _answers(survey, 3).items()}
    data[f"q{text_q.pk}"] = "Prima\x0c werk"
    form = SurveyAnswerForm(data, survey=survey, language="nl")
    assert form.is_valid(), form.errors
    assert form.answers()[text_q.pk] == "Prima werk"


# --- editing a standard question --------------------------------------------------


def _standard(world):
    return survey_create(
        network=world.network,
        created_by=world.users["officer"],
        template_key=BIN_EVALUATION.key,
    )


def _post_unchanged(client, world, survey, question, **changes):
    initial = QuestionForm.initial_from(question)
    data = {
        key: value
        for key, value in initial.items()
        if key.split("_", 1)[-1] in world.network.languages and key != "required"
    }
    data["kind"] = question.kind
    if question.required:
        data["required"] = "on"
    data.update(changes)
    url = reverse(
        "surveys:question_edit",
        kwargs={"slug": world.network.slug, "pk": survey.pk, "qpk": question.pk},
    )
    return client.post(url, data)


def test_saving_an_unchanged_standard_question_keeps_it_in_the_benchmark(client, world):
    assert "en" not in world.network.languages
    survey = _standard(world)
    client.force_login(world.users["officer"])
    for key in ("overall_satisfaction", "recognisability_signs", "communication_channels"):
        question = survey.questions.get(template_question_key=key)
        before = (question.text, question.choices)

        response = _post_unchanged(client, world, survey, question)

        assert response.status_code == 302
        question.refresh_from_db()
        assert question.template_question_key == key
        # The other languages stay, and the options keep their keys.
        assert (question.text, question.choices) == before
        assert "en" in question.text


def test_only_the_required_flag_or_a_new_translation_is_no_change(world):
    survey = _standard(world)
    question = survey.questions.get(template_question_key="recognisability_signs")
    question_save(
        survey=survey,
        question=question,
        kind=question.kind,
        text={"nl": question.text["nl"], "de": "Kennen Sie die Schilder?"},
        choices=[
            {"key": str(i), "label": {"nl": c["label"]["nl"]}}
            for i, c in enumerate(question.choices, start=1)
        ],
        required=not question.required,
        languages=["nl", "de"],
    )
    question.refresh_from_db()
    assert question.template_question_key == "recognisability_signs"
    assert set(question.text) == {"nl", "fr", "en", "de"}
    assert [c["key"] for c in question.choices] == ["yes", "no", "unsure"]


def test_a_real_change_drops_the_key_and_the_unseen_translations(client, world):
    survey = _standard(world)
    client.force_login(world.users["officer"])
    question = survey.questions.get(template_question_key="overall_satisfaction")

    response = _post_unchanged(client, world, survey, question, text_nl="Iets anders?")

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.template_question_key == ""
    assert question.text["nl"] == "Iets anders?"
    # The English text would still ask the old question.
    assert "en" not in question.text

    signs = survey.questions.get(template_question_key="recognisability_signs")
    fourth = {f"choices_{code}": "A\nB\nC\nD" for code in world.network.languages}
    assert _post_unchanged(client, world, survey, signs, **fourth).status_code == 302
    signs.refresh_from_db()
    assert signs.template_question_key == ""
    assert len(signs.choices) == 4


# --- answering while the survey closes --------------------------------------------


def test_no_answer_is_stored_once_the_survey_closed(world, monkeypatch):
    officer = world.users["officer"]
    survey = survey_with_answers(network=world.network, created_by=officer, answers=0)
    member = _invite(survey)
    real = _clean_answers

    def closing(survey, answers):
        survey_close(survey=survey, closed_by=officer)  # another request closes now
        return real(survey, answers)

    monkeypatch.setattr("surveys.services._clean_answers", closing)
    with pytest.raises(ValidationError) as refused:
        survey_answer(survey=survey, member=member, answers=_answers(survey, 3))

    assert refused.value.code == "closed"
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED
    assert not Response.objects.filter(survey=survey).exists()
    assert not SurveyInvitation.objects.get(survey=survey, member=member).answered
