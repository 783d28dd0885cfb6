"""Building, sending, answering and closing surveys; results and benchmark."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.models import Member
from messaging.models import Message
from outbox.models import Notification
from surveys.models import Answer, Question, Response, Survey, SurveyInvitation
from surveys.selectors import (
    member_open_surveys,
    survey_charts,
    survey_response_rate,
    survey_results,
)
from surveys.services import (
    question_delete,
    question_move,
    question_save,
    survey_answer,
    survey_close,
    survey_close_due,
    survey_create,
    survey_open,
    survey_summary_draft,
)
from surveys.standard import BIN_EVALUATION
from tests.factories import MemberFactory, NetworkFactory, survey_with_answers

pytestmark = pytest.mark.django_db


def _standard(world, network=None):
    return survey_create(
        network=network or world.network,
        created_by=world.users["officer"],
        template_key=BIN_EVALUATION.key,
    )


def _full_answers(survey, **overrides):
    values = {}
    for q in survey.questions.all():
        if q.kind == "scale":
            values[q.pk] = 4
        elif q.kind == "single":
            values[q.pk] = q.choices[0]["key"]
        elif q.kind == "multiple":
            values[q.pk] = [q.choices[0]["key"], q.choices[1]["key"]]
    values.update(overrides)
    return values


def test_standard_template_creates_its_questions_in_three_languages(world):
    survey = _standard(world)

    questions = list(survey.questions.all())
    assert [q.template_question_key for q in questions] == [q.key for q in BIN_EVALUATION.questions]
    assert [q.position for q in questions] == list(range(1, len(questions) + 1))
    themes = {q.template_question_key.split("_")[0] for q in questions}
    assert themes == {"functioning", "recognisability", "communication", "overall"}
    assert {q.kind for q in questions} == {"scale", "single", "multiple", "text"}
    for q in questions:
        assert set(q.text) == {"nl", "fr", "en"}
        for choice in q.choices:
            assert set(choice["label"]) == {"nl", "fr", "en"}
    # Title and intro in the network's main language.
    assert survey.title == BIN_EVALUATION.title["nl"]
    assert survey.template_key == BIN_EVALUATION.key
    assert questions[0].text_in("fr") == BIN_EVALUATION.questions[0].text["fr"]
    assert questions[0].text_in("de") == BIN_EVALUATION.questions[0].text["nl"]


def test_custom_questions_are_added_changed_moved_and_removed_while_draft(world):
    survey = survey_create(
        network=world.network, created_by=world.users["coordinator"], title="Buurtfeest"
    )
    a = question_save(
        survey=survey, kind="single", text={"nl": "Komt u?", "fr": "Venez-vous ?"},
        choices=[{"key": "1", "label": {"nl": "Ja"}}, {"key": "2", "label": {"nl": "Nee"}}],
    )  # fmt: skip
    b = question_save(survey=survey, kind="text", text={"nl": "Opmerkingen"})
    c = question_save(survey=survey, kind="scale", text={"nl": "Hoe tevreden?"})
    assert [q.pk for q in survey.questions.all()] == [a.pk, b.pk, c.pk]

    question_move(question=c, up=True)
    assert [q.pk for q in survey.questions.all()] == [a.pk, c.pk, b.pk]
    question_move(question=a, up=True)  # already first: nothing happens
    assert [q.pk for q in survey.questions.all()] == [a.pk, c.pk, b.pk]

    question_delete(question=c)
    assert [q.position for q in survey.questions.all()] == [1, 2]

    with pytest.raises(ValidationError):
        question_save(survey=survey, kind="single", text={"nl": "?"}, choices=[])
    with pytest.raises(ValidationError):
        question_save(survey=survey, kind="text", text={"nl": " "})

    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)
    with pytest.raises(ValidationError):
        question_save(survey=survey, kind="text", text={"nl": "Te laat"})
    with pytest.raises(ValidationError):
        question_delete(question=a)


def test_changing_a_standard_question_takes_it_out_of_the_benchmark(world):
    survey = _standard(world)
    question = survey.questions.get(template_question_key="overall_satisfaction")
    question_save(
        survey=survey, question=question, kind="scale", text={"nl": "Iets anders?"}, required=True
    )
    question.refresh_from_db()
    assert question.template_question_key == ""
    # Only the required flag changed: still the standard question.
    other = survey.questions.get(template_question_key="overall_comment")
    question_save(survey=survey, question=other, kind=other.kind, text=other.text, required=True)
    other.refresh_from_db()
    assert other.template_question_key == "overall_comment"


def test_officer_opens_and_the_invitation_is_published(world):
    inactive = MemberFactory(network=world.network, status=Member.Status.SUSPENDED)
    survey = _standard(world)

    survey, message = survey_open(
        survey=survey, opened_by=world.users["officer"], by_email=True, by_sms=True
    )

    assert survey.status == Survey.Status.OPEN and survey.opens_at is not None
    assert survey.invitation_message == message
    assert message.status == Message.Status.PUBLISHED
    assert message.kind == Message.Kind.INFO
    assert list(message.networks.all()) == [world.network]
    assert set(message.texts) == set(world.network.languages)
    assert survey.title in message.texts["nl"]["body"]
    assert "anoniem" in message.texts["nl"]["sms"] or "anonymous" in message.texts["nl"]["sms"]
    invited = set(
        SurveyInvitation.objects.filter(survey=survey).values_list("member_id", flat=True)
    )
    assert world.member.pk in invited
    assert inactive.pk not in invited
    assert world.other_member.pk not in invited

    with pytest.raises(ValidationError):
        survey_open(survey=survey, opened_by=world.users["officer"])


def test_coordinator_opens_and_the_invitation_waits_for_the_officer(world):
    survey = _standard(world)

    survey, message = survey_open(survey=survey, opened_by=world.users["coordinator"])

    assert survey.status == Survey.Status.OPEN
    assert message.status == Message.Status.PENDING_APPROVAL
    assert Notification.objects.filter(
        kind="message_approval_request", to=world.users["officer"].email
    ).exists()

    # Members are asked only once the officer approved and published the invitation.
    answers = _full_answers(survey)
    assert list(member_open_surveys(member=world.member)) == []
    with pytest.raises(ValidationError) as refused:
        survey_answer(survey=survey, member=world.member, answers=answers)
    assert refused.value.code == "not_invited" and not Response.objects.exists()

    from messaging.services.lifecycle import message_publish

    message_publish(message=message, published_by=world.users["officer"])
    assert list(member_open_surveys(member=world.member)) == [survey]
    survey_answer(survey=survey, member=world.member, answers=answers)
    assert Response.objects.filter(survey=survey).count() == 1


def test_open_needs_questions_and_a_channel(world):
    empty = survey_create(network=world.network, created_by=world.users["officer"], title="Leeg")
    with pytest.raises(ValidationError):
        survey_open(survey=empty, opened_by=world.users["officer"])
    survey = _standard(world)
    with pytest.raises(ValidationError):
        survey_open(survey=survey, opened_by=world.users["officer"], by_email=False, by_sms=False)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert not Message.objects.exists()


def test_one_answer_per_member(world):
    survey = _standard(world)
    survey_open(survey=survey, opened_by=world.users["officer"])

    survey_answer(survey=survey, member=world.member, answers=_full_answers(survey))
    with pytest.raises(ValidationError) as second:
        survey_answer(survey=survey, member=world.member, answers=_full_answers(survey))

    assert second.value.code == "already_answered"
    assert Response.objects.filter(survey=survey).count() == 1
    assert SurveyInvitation.objects.get(survey=survey, member=world.member).answered


def test_answers_are_checked_and_nothing_is_stored_on_error(world):
    survey = _standard(world)
    survey_open(survey=survey, opened_by=world.users["officer"])
    required = survey.questions.filter(required=True).first()
    single = survey.questions.filter(kind="single").first()
    scale = survey.questions.filter(kind="scale").first()

    for bad in ({required.pk: None}, {single.pk: "nonsense"}, {scale.pk: 9}):
        with pytest.raises(ValidationError) as exc:
            survey_answer(survey=survey, member=world.member, answers=_full_answers(survey) | bad)
        assert set(exc.value.message_dict) == {f"q{next(iter(bad))}"}

    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not SurveyInvitation.objects.get(survey=survey, member=world.member).answered


def test_only_invited_members_of_an_open_survey_answer(world):
    survey = _standard(world)
    with pytest.raises(ValidationError):  # still a draft
        survey_answer(survey=survey, member=world.member, answers=_full_answers(survey))
    survey_open(survey=survey, opened_by=world.users["officer"])
    late = MemberFactory(network=world.network)
    with pytest.raises(ValidationError) as exc:
        survey_answer(survey=survey, member=late, answers=_full_answers(survey))
    assert exc.value.code == "not_invited"
    survey_close(survey=survey, closed_by=world.users["officer"])
    with pytest.raises(ValidationError) as exc:
        survey_answer(survey=survey, member=world.member, answers=_full_answers(survey))
    assert exc.value.code == "closed"
    assert not Response.objects.exists()


def test_surveys_past_their_closing_date_close(world):
    yesterday = timezone.localdate() - timedelta(days=1)
    survey = survey_with_answers(
        network=world.network, created_by=world.users["officer"], closes_on=yesterday
    )
    with pytest.raises(ValidationError):
        survey_answer(survey=survey, member=world.member, answers=_full_answers(survey))
    assert member_open_surveys(member=world.member).count() == 0

    assert survey_close_due() == 1
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED


def test_results_are_hidden_below_five_answers(world):
    survey = survey_with_answers(
        network=world.network, created_by=world.users["officer"], answers=4
    )
    results = survey_results(survey=survey, language="nl")
    assert not results["shown"]
    assert results["responses"] == 4
    assert all(q.answered == 0 and not q.texts for q in results["questions"])
    assert survey_charts(results=results) == []


def test_results_per_question(world):
    survey = survey_with_answers(
        network=world.network, created_by=world.users["officer"], answers=6
    )
    results = survey_results(survey=survey, language="fr")

    assert results["shown"]
    invited = SurveyInvitation.objects.filter(survey=survey).count()
    assert results["rate"] == {
        "invited": invited, "answered": 6, "percent": round(600 / invited),
    }  # fmt: skip
    by_key = {q.question.template_question_key: q for q in results["questions"]}
    satisfaction = by_key["overall_satisfaction"]
    assert satisfaction.mean == 4.0
    assert [o.count for o in satisfaction.options] == [0, 0, 0, 6, 0]
    signs = by_key["recognisability_signs"]
    assert signs.text == BIN_EVALUATION.questions[3].text["fr"]
    first = signs.options[0]
    assert (first.label, first.count, first.percent) == ("Oui", 6, 100)
    assert by_key["overall_comment"].texts == ["Prima"] * 6
    # Nobody else used the template: the benchmark says too few.
    assert satisfaction.benchmark == {"suppressed": True, "n": 0, "networks": 0}
    assert not results["benchmark_available"]
    assert "not available yet" in results["benchmark_note"]


def _answer_as(survey, count, **by_key):
    """``count`` new members of the survey's network answer: everything the
    first option / 4, except the template question keys given (None skips)."""
    for _ in range(count):
        member = MemberFactory(network=survey.network)
        SurveyInvitation.objects.create(survey=survey, member=member)
        answers = _full_answers(survey)
        for key, value in by_key.items():
            pk = survey.questions.get(template_question_key=key).pk
            if value is None:
                answers.pop(pk)
            else:
                answers[pk] = value
        survey_answer(survey=survey, member=member, answers=answers)


def _closed(survey):
    return survey_close(survey=survey)


def test_benchmark_pools_closed_surveys_of_at_least_two_other_networks(world):
    officer = world.users["officer"]
    survey = survey_with_answers(network=world.network, created_by=officer, answers=5)

    def bench():
        results = survey_results(survey=survey, language="nl")
        by_key = {q.question.template_question_key: q for q in results["questions"]}
        return results, by_key

    second = survey_with_answers(
        network=NetworkFactory(municipality=world.municipality, slug="bambrugge"),
        created_by=officer,
    )
    _answer_as(second, 5)
    _closed(second)
    # One other network: its "benchmark" would be its own results.
    results, by_key = bench()
    assert by_key["overall_satisfaction"].benchmark["suppressed"] is True
    assert by_key["overall_satisfaction"].benchmark["networks"] == 1
    assert not results["benchmark_available"]
    assert "So far: 1." in results["benchmark_note"]

    third = survey_with_answers(network=world.other_network, created_by=officer)
    _answer_as(third, 5, overall_satisfaction=2)
    # Still open: it changes with every answer, so it does not count yet.
    assert bench()[1]["overall_satisfaction"].benchmark["suppressed"] is True
    _closed(third)

    results, by_key = bench()
    satisfaction = by_key["overall_satisfaction"]
    assert results["benchmark_available"]
    assert satisfaction.benchmark["suppressed"] is False
    assert (satisfaction.benchmark["n"], satisfaction.benchmark["networks"]) == (10, 2)
    assert satisfaction.benchmark["mean"] == 3.0
    assert [o.benchmark for o in satisfaction.options] == [0, 50, 0, 50, 0]
    # Its own answers are not in its benchmark.
    assert satisfaction.mean == 4.0
    # The text question has no benchmark: free text is never shared.
    assert by_key["overall_comment"].benchmark is None

    # A closed survey with fewer than five answers, a custom survey and a
    # draft add nothing.
    small = survey_with_answers(
        network=NetworkFactory(municipality=world.municipality, slug="smal"), created_by=officer
    )
    _answer_as(small, 4, overall_satisfaction=1)
    _closed(small)
    custom = survey_with_answers(
        network=NetworkFactory(municipality=world.municipality, slug="eigen"),
        created_by=officer,
        template=False,
    )
    _answer_as(custom, 5)
    _closed(custom)
    survey_create(
        network=NetworkFactory(municipality=world.municipality, slug="klad"),
        created_by=officer,
        template_key=BIN_EVALUATION.key,
    )
    assert bench()[1]["overall_satisfaction"].benchmark["n"] == 10

    # A question that fewer than five members answered in a survey leaves
    # that survey out of this question's benchmark only.
    fourth = survey_with_answers(
        network=NetworkFactory(municipality=world.municipality, slug="vier"), created_by=officer
    )
    _answer_as(fourth, 4, communication_feedback=1)
    _answer_as(fourth, 1, communication_feedback=None)
    _closed(fourth)
    _results, by_key = bench()
    assert by_key["overall_satisfaction"].benchmark["n"] == 15
    assert by_key["overall_satisfaction"].benchmark["networks"] == 3
    assert by_key["communication_feedback"].benchmark["n"] == 10
    assert by_key["communication_feedback"].benchmark["networks"] == 2


def test_benchmark_cannot_be_differenced_to_one_hidden_answer(world):
    """Review finding: one member's answer in a network whose own results are
    hidden (one answer) could be recovered from the benchmark."""
    officer = world.users["officer"]
    survey = survey_with_answers(network=world.network, created_by=officer, answers=5)
    for slug in ("bambrugge", "aaigem"):
        other = survey_with_answers(
            network=NetworkFactory(municipality=world.municipality, slug=slug),
            created_by=officer,
        )
        _answer_as(other, 5)
        _closed(other)

    def satisfaction():
        results = survey_results(survey=survey, language="nl")
        return next(
            q.benchmark for q in results["questions"]
            if q.question.template_question_key == "overall_satisfaction"
        )  # fmt: skip

    before = satisfaction()
    lonely = survey_with_answers(network=world.other_network, created_by=officer)
    _answer_as(lonely, 1, overall_satisfaction=1)
    assert not survey_results(survey=lonely, language="nl")["shown"]
    assert satisfaction() == before  # open, and below five: not pooled
    _closed(lonely)
    assert satisfaction() == before  # closed, still below five
    assert before["mean"] == 4.0 and before["n"] == 10


def test_summary_draft_goes_through_messaging(world):
    survey = survey_with_answers(
        network=world.network, created_by=world.users["officer"], answers=5
    )
    coordinator = world.users["coordinator"]

    message = survey_summary_draft(survey=survey, created_by=coordinator)

    assert message.status == Message.Status.DRAFT
    assert message.kind == Message.Kind.INFO
    assert message.created_by == coordinator
    survey.refresh_from_db()
    assert survey.summary_message == message
    nl = message.texts["nl"]
    rate = survey_response_rate(survey=survey)
    assert f"{rate['answered']}" in nl["sms"] and f"({rate['percent']}%)" in nl["sms"]
    assert "4.0" in nl["body"]  # the average satisfaction
    assert set(message.texts) == {"nl", "fr"}
    # Asking again returns the same draft instead of a second one.
    assert survey_summary_draft(survey=survey, created_by=coordinator) == message
    assert coordinator.has_perm("messaging.edit_message", message)
    assert not coordinator.has_perm("messaging.publish_message", message)
    assert coordinator.has_perm("messaging.submit_message", message)


def test_no_summary_of_a_draft(world):
    survey = _standard(world)
    with pytest.raises(ValidationError):
        survey_summary_draft(survey=survey, created_by=world.users["officer"])
    assert not Question.objects.filter(survey=survey, template_question_key="").exists()
