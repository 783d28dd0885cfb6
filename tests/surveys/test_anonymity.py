"""Answers cannot be linked back to the member who gave them."""

from __future__ import annotations

import uuid

import pytest
from django.db import models

from members.models import Member
from surveys.models import Answer, Response, SurveyInvitation
from surveys.services import survey_answer, survey_create
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _relations(model) -> set:
    return {f.related_model for f in model._meta.get_fields() if f.is_relation and f.concrete}


def _time_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, models.DateField | models.DateTimeField | models.TimeField)
    ]


def test_responses_and_answers_have_no_member_and_no_time():
    from surveys.models import Question, Survey

    assert _relations(Response) == {Survey}
    assert _relations(Answer) == {Response, Question}
    for model in (Response, Answer):
        assert _time_fields(model) == []
        assert isinstance(model._meta.pk, models.UUIDField)
        # Nothing that joins to members or invitations, directly or by name.
        names = {f.name for f in model._meta.get_fields()}
        assert not names & {"member", "member_id", "invitation", "token", "created_at"}


def test_invitations_hold_no_time_or_order_of_answering():
    assert _time_fields(SurveyInvitation) == []
    assert {f.name for f in SurveyInvitation._meta.concrete_fields} == {
        "id",
        "survey",
        "member",
        "answered",
    }
    # Members cannot be reached from an answer through any relation path.
    assert Member not in _relations(Response) | _relations(Answer)


def test_stored_answer_rows_carry_nothing_personal(world):
    survey = survey_create(
        network=world.network, created_by=world.users["officer"], template_key="bin-evaluation-v1"
    )
    survey.status = "open"
    survey.save()
    member = world.member
    SurveyInvitation.objects.create(survey=survey, member=member)
    comment = survey.questions.get(template_question_key="overall_comment")
    values = {q.pk: 3 for q in survey.questions.filter(kind="scale")}
    values.update({q.pk: q.choices[0]["key"] for q in survey.questions.filter(kind="single")})
    values[comment.pk] = "Goed zo"

    response = survey_answer(survey=survey, member=member, answers=values)

    assert isinstance(response.pk, uuid.UUID)
    row = Response.objects.filter(pk=response.pk).values().get()
    assert set(row) == {"id", "survey_id"}
    for answer in Answer.objects.filter(response=response).values():
        assert set(answer) == {"id", "response_id", "question_id", "choices", "scale", "text"}
        flat = " ".join(str(v) for v in answer.values())
        for personal in (member.email, member.full_name, str(member.mobile_phone)):
            assert personal not in flat


def test_leaving_member_keeps_answers_but_drops_the_invitation(world):
    survey = survey_create(network=world.network, created_by=world.users["officer"], title="T")
    from surveys.models import Question

    question = Question.objects.create(survey=survey, kind="scale", text={"nl": "?"}, position=1)
    survey.status = "open"
    survey.save()
    member = MemberFactory(network=world.network)
    SurveyInvitation.objects.create(survey=survey, member=member)
    survey_answer(survey=survey, member=member, answers={question.pk: 5})

    member.delete()

    assert not SurveyInvitation.objects.filter(survey=survey).exists()
    assert Answer.objects.filter(question=question, scale=5).count() == 1
