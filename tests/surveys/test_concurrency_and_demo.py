"""Two submissions at once store one answer (PostgreSQL); the demo surveys."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from surveys.models import Response, Survey, SurveyInvitation
from surveys.selectors import survey_results
from surveys.services import survey_answer
from tests.factories import NetworkFactory, UserFactory, survey_with_answers


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


@pytest.mark.django_db
def test_demo_surveys_show_results_and_benchmark():
    from demo.surveys import seed_surveys
    from tests.factories import MemberFactory

    UserFactory(email="officer@demo.bin")
    for slug in ("oordegem", "bambrugge", "aaigem"):
        network = NetworkFactory(slug=slug)
        MemberFactory.create_batch(45, network=network)

    assert seed_surveys() == 3
    assert seed_surveys() == 0  # idempotent

    for survey in Survey.objects.all():
        assert survey.status == Survey.Status.CLOSED
        assert 36 <= survey.responses.count() <= 40
        results = survey_results(survey=survey, language="nl")
        assert results["shown"]
        satisfaction = next(
            q for q in results["questions"]
            if q.question.template_question_key == "overall_satisfaction"
        )  # fmt: skip
        assert satisfaction.answered == survey.responses.count()
        assert satisfaction.benchmark["suppressed"] is False
        # Each compares with the two others.
        assert satisfaction.benchmark["networks"] == 2
