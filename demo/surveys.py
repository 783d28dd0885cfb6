"""Demo data: a closed standard evaluation in Oordegem, Bambrugge, Aaigem and Jambes.

About 40 anonymous answers each, so that the results page, the benchmark
(each network compares with the other two: it needs at least
``MIN_BENCHMARK_NETWORKS`` other networks) and the exports have something to
show. Idempotent: a network that already has a standard evaluation gets
nothing new.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from members.models import Member
from networks.models import Network
from surveys.models import Answer, Question, Response, Survey, SurveyInvitation
from surveys.services import survey_create
from surveys.standard import BIN_EVALUATION

DEMO_SURVEYS = {
    "oordegem": (40, 0.6),
    "bambrugge": (38, 0.0),
    "aaigem": (36, 0.3),
    "jambes": (12, 0.4),
}
COMMENTS = (
    "Graag meer feedback na een melding.",
    "Goed initiatief, ga zo door!",
    "De borden aan de Kerkstraat zijn nauwelijks zichtbaar.",
    "Ik wist niet wie de coördinator was.",
    "Merci pour les conseils de prévention, très utiles.",
    "Sms-berichten komen soms laat 's avonds binnen.",
    "Een jaarlijkse bijeenkomst zou fijn zijn.",
)


def _answer(rng: random.Random, question: Question, mood: float) -> Answer | None:
    if not question.required and rng.random() < 0.15:
        return None
    if question.kind == Question.Kind.SCALE:
        value = round(rng.gauss(3.4 + mood, 0.9))
        return Answer(question=question, scale=min(5, max(1, value)))
    if question.kind == Question.Kind.TEXT:
        if rng.random() < 0.7:
            return None
        return Answer(question=question, text=rng.choice(COMMENTS))
    keys = [c["key"] for c in question.choices]
    weights = [len(keys) - i + mood for i in range(len(keys))]
    if question.kind == Question.Kind.MULTIPLE:
        chosen = {
            k for k, w in zip(keys, weights, strict=True) if rng.random() < w / (len(keys) + 2)
        }
        chosen = chosen or {keys[0]}
        return Answer(question=question, choices=[k for k in keys if k in chosen])
    return Answer(question=question, choices=[rng.choices(keys, weights)[0]])


@transaction.atomic
def seed_surveys() -> int:
    """Create the demo evaluations that are missing; returns how many."""
    author = (
        get_user_model()
        .objects.filter(email__in=["officer@demo.bin", "admin@demo.bin"])
        .order_by("email")
        .last()
    )
    if author is None:
        return 0
    created = 0
    rng = random.Random(2026)  # noqa: S311  # nosec B311 - demo data, reproducible on purpose
    for slug, (count, mood) in DEMO_SURVEYS.items():
        network = Network.objects.filter(slug=slug).first()
        if network is None or network.surveys.filter(template_key=BIN_EVALUATION.key).exists():
            continue
        survey = survey_create(network=network, created_by=author, template_key=BIN_EVALUATION.key)
        members = list(Member.objects.active().filter(network=network).order_by("pk"))
        SurveyInvitation.objects.bulk_create(
            SurveyInvitation(survey=survey, member=m) for m in members
        )
        answered = rng.sample(members, min(count, len(members)))
        SurveyInvitation.objects.filter(survey=survey, member__in=answered).update(answered=True)
        questions = list(survey.questions.all())
        for _person in answered:
            response = Response.objects.create(survey=survey)
            rows = [_answer(rng, q, mood) for q in questions]
            rows = [row for row in rows if row is not None]
            for row in rows:
                row.response = response
            Answer.objects.bulk_create(rows)
        now = timezone.now()
        Survey.objects.filter(pk=survey.pk).update(
            status=Survey.Status.CLOSED,
            opens_at=now - timedelta(days=30),
            closes_on=(now - timedelta(days=2)).date(),
            closed_at=now - timedelta(days=2),
        )
        created += 1
    return created
