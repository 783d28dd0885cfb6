"""The demo data: surveys with results and a benchmark, and the founding
demo (a signed and a submitted charter)."""

from __future__ import annotations

import pytest

from surveys.models import Survey
from surveys.selectors import survey_results
from tests.factories import NetworkFactory, UserFactory


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


@pytest.mark.django_db
def test_demo_data_has_a_signed_and_a_submitted_charter():
    from io import StringIO

    from django.core.management import call_command

    from charters.models import CharterVersion, FoundingStep
    from charters.selectors.charter import charter_in_force
    from messaging.selectors.policy import communication_policy
    from networks.models import Network

    for _run in range(2):  # idempotent
        call_command("seed_demo", "--force", stdout=StringIO())
    oordegem = Network.objects.get(slug="oordegem")
    signed = charter_in_force(network=oordegem)
    assert signed is not None and signed.signatures.count() == 3
    assert communication_policy(network=oordegem).charter_number == signed.number
    binz = Network.objects.get(slug="binz-industriezone-lede")
    assert binz.status == Network.Status.PREPARING
    assert CharterVersion.objects.get(network=binz).status == CharterVersion.Status.SUBMITTED
    assert FoundingStep.objects.filter(network=oordegem, done_on__isnull=False).count() == 7
    assert CharterVersion.objects.count() == 2
