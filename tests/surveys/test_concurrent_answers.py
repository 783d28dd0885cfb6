"""Two submissions at once store one answer (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from surveys.models import Response, SurveyInvitation
from surveys.services import survey_answer
from tests.factories import survey_with_answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_store_one_answer(require_postgres, world):
    survey = survey_with_answers(network=world.network, created_by=world.users["officer"])
    scale = {q.pk: 3 for q in survey.questions.filter(kind="scale")}
    single = {q.pk: q.choices[0]["key"] for q in survey.questions.filter(kind="single")}
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def submit():
        try:
            start.wait()
            survey_answer(survey=survey, member=world.member, answers=scale | single)
            outcomes.append("stored")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["already_answered"] * 3 + ["stored"]
    assert Response.objects.filter(survey=survey).count() == 1
    assert SurveyInvitation.objects.get(survey=survey, member=world.member).answered
