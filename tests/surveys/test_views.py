"""The staff's survey pages and the member's answer page."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from members.tokens import member_personal_token
from messaging.models import Message
from surveys.models import Question, Response, Survey, SurveyInvitation
from surveys.selectors import survey_response_rate, survey_results
from surveys.standard import BIN_EVALUATION
from tests.factories import MemberFactory, survey_with_answers
from tests.test_role_matrix import ALL_ROLES, MEMBER_DATA

pytestmark = pytest.mark.django_db


def _url(name, world, survey=None, **kw):
    kwargs = {"slug": world.network.slug, **kw}
    if survey is not None:
        kwargs["pk"] = survey.pk
    return reverse(f"surveys:{name}", kwargs=kwargs)


def test_coordinator_builds_a_custom_survey_and_sends_it(client, world):
    client.force_login(world.users["coordinator"])
    response = client.post(
        _url("create", world), {"template_key": "", "title": "Buurtfeest", "intro": "Kort"}
    )
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert survey.template_key == "" and survey.title == "Buurtfeest"

    # Bad input: errors next to the fields, nothing lost.
    response = client.post(
        _url("question_add", world, survey),
        {"kind": "single", "text_nl": "Komt u naar het buurtfeest?", "choices_nl": "Ja"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Komt u naar het buurtfeest?" in body
    assert "at least two options" in body
    assert not survey.questions.exists()

    response = client.post(
        _url("question_add", world, survey),
        {
            "kind": "single",
            "text_nl": "Komt u naar het buurtfeest?",
            "choices_nl": "Ja\nNee\nMisschien",
            "text_fr": "Venez-vous à la fête ?",
            "choices_fr": "Oui\nNon\nPeut-être",
            "required": "on",
        },
    )
    assert response.status_code == 302
    question = survey.questions.get()
    assert question.text == {"nl": "Komt u naar het buurtfeest?", "fr": "Venez-vous à la fête ?"}
    assert [c["label"]["fr"] for c in question.choices] == ["Oui", "Non", "Peut-être"]
    assert question.required

    client.post(_url("question_add", world, survey), {"kind": "text", "text_nl": "Opmerking?"})
    second = survey.questions.get(kind="text")
    client.post(_url("question_action", world, survey, qpk=second.pk, action="up"))
    assert list(survey.questions.values_list("pk", flat=True)) == [second.pk, question.pk]

    response = client.post(_url("open", world, survey), {"by_email": "on"})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN
    assert survey.invitation_message.status == Message.Status.PENDING_APPROVAL
    # No more changes to the questions.
    response = client.post(_url("question_action", world, survey, qpk=second.pk, action="delete"))
    assert survey.questions.count() == 2


def test_standard_survey_from_the_form(client, world):
    client.force_login(world.users["officer"])
    client.post(_url("create", world), {"template_key": BIN_EVALUATION.key})
    survey = Survey.objects.get()
    assert survey.questions.count() == len(BIN_EVALUATION.questions)
    page = client.get(_url("detail", world, survey)).content.decode()
    assert "standard question" in page
    client.post(_url("open", world, survey), {"by_email": "on", "by_sms": "on"})
    survey.refresh_from_db()
    assert survey.invitation_message.status == Message.Status.PUBLISHED


def test_surveys_of_another_network_are_not_found(client, world):
    survey = survey_with_answers(network=world.other_network, created_by=world.users["admin"])
    client.force_login(world.users["coordinator"])
    assert client.get(_url("detail", world, survey)).status_code == 404
    assert client.get(_url("results", world, survey)).status_code == 404


def _number(value):
    """The same figure whether a spreadsheet stored it as 4, 4.0 or "4.0"."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("role", ["steering", "coordinator"])
def test_results_page_and_exports_show_the_same_figures(client, world, role):
    survey = survey_with_answers(
        network=world.network, created_by=world.users["officer"], answers=7
    )
    client.force_login(world.users[role])
    # Free text is not an aggregate: verbatim only for those who run the survey.
    with_texts = role == "coordinator"

    page = client.get(_url("results", world, survey))
    assert page.status_code == 200
    body = page.content.decode()
    rate = survey_response_rate(survey=survey)
    assert f"{rate['answered']} of {rate['invited']} members answered ({rate['percent']}%)" in body
    assert "chart.umd.min.js" in body and "survey_charts.js" in body
    charts = json.loads(
        re.search(r'id="survey-charts-data" type="application/json">(.*?)</script>', body, re.S)[1]
    )
    satisfaction = survey.questions.get(template_question_key="overall_satisfaction")
    chart = next(c for c in charts if c["id"] == satisfaction.pk)
    assert chart["values"] == [0, 0, 0, 100, 0]
    assert ("Shown as written" in body) is with_texts
    assert ("Prima" in body) is with_texts
    assert ("The comments themselves are shown only" in body) is not with_texts
    assert "<script>" not in body  # CSP: data only through json_script
    # Steering sees the results but may not send or publish.
    assert ("Publish a summary" in body) is with_texts
    assert "The comparison with other networks is not available yet" in body

    csv_response = client.get(_url("export_csv", world, survey))
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(csv_response.content)
    xlsx = client.get(_url("export_xlsx", world, survey))
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    xrows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [[_number(v) for v in row] for row in xrows] == [[_number(v) for v in r] for r in rows]

    results = survey_results(survey=survey, language="en", with_texts=with_texts)
    assert rows[1][3] == f"{rate['answered']} / {rate['invited']}"
    for q in results["questions"]:
        mine = [r for r in rows[1:] if r[0] == str(q.number)]
        assert mine[0][1] == q.text and html.escape(q.text) in body
        if q.kind == "text":
            if with_texts:
                assert [r[3] for r in mine] == q.texts == ["Prima"] * 7
            else:
                assert [r[3:5] for r in mine] == [["Answered", "7"]]
            continue
        for option, row in zip(q.options, mine, strict=False):
            assert row[3] == option.label
            assert (row[4], row[5]) == (str(option.count), str(option.percent))
            assert row[7] == "not available"  # no other network answered
        assert mine[-1][6] == ("" if q.mean is None else str(q.mean))


def test_exports_hold_nothing_below_five_answers_and_neutralise_formulas(client, world):
    survey = survey_with_answers(
        network=world.network, created_by=world.users["officer"], answers=2
    )
    client.force_login(world.users["municipal"])
    rows = _csv_rows(client.get(_url("export_csv", world, survey)).content)
    assert len(rows) == 2  # header and response rate only
    body = client.get(_url("results", world, survey)).content.decode()
    assert "Results are shown once at least 5" in body

    comment = survey.questions.get(kind="text")
    for _ in range(4):
        member = MemberFactory(network=world.network)
        SurveyInvitation.objects.create(survey=survey, member=member)
        from surveys.services import survey_answer

        survey_answer(
            survey=survey,
            member=member,
            answers={
                **{q.pk: 3 for q in survey.questions.filter(kind="scale")},
                **{q.pk: q.choices[0]["key"] for q in survey.questions.filter(kind="single")},
                comment.pk: '=HYPERLINK("http://evil")',
            },
        )
    client.force_login(world.users["co_coordinator"])
    rows = _csv_rows(client.get(_url("export_csv", world, survey)).content)
    texts = [r[3] for r in rows if r[0] == str(comment.position)]
    assert '\'=HYPERLINK("http://evil")' in texts


def test_close_and_publish_summary(client, world):
    survey = survey_with_answers(
        network=world.network, created_by=world.users["officer"], answers=5
    )
    client.force_login(world.users["co_coordinator"])
    client.post(_url("close", world, survey))
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED

    response = client.post(_url("summary", world, survey))
    survey.refresh_from_db()
    message = survey.summary_message
    assert message is not None and message.status == Message.Status.DRAFT
    assert response["Location"] == reverse("messaging:edit", kwargs={"pk": message.pk})
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
def test_post_matrix_close_and_summary(client, world, role):
    """Closing and publishing: only those who run the network (MEMBER_DATA roles)."""
    survey = survey_with_answers(
        network=world.network, created_by=world.users["officer"], answers=5
    )
    if world.users[role] is not None:
        client.force_login(world.users[role])
    for name in ("summary", "close"):
        response = client.post(_url(name, world, survey))
        if role in MEMBER_DATA:
            assert response.status_code == 302
        elif role == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 403
    survey.refresh_from_db()
    if role in MEMBER_DATA:
        assert survey.status == Survey.Status.CLOSED and survey.summary_message is not None
    else:
        assert survey.status == Survey.Status.OPEN and survey.summary_message is None


# --- the member's side ---------------------------------------------------------------


_TOKENS: dict[tuple[int, int], str] = {}


def _me(member, name="home", **kw):
    # One link per member and version, as a member keeps using the same link:
    # a fresh one carries a new signing time, so URLs would differ by the second.
    key = (member.pk, member.token_version)
    token = _TOKENS.setdefault(key, member_personal_token(member=member))
    return reverse(f"personal:{name}", args=[token, *kw.values()])


def test_member_answers_once_from_the_personal_page(client, world):
    survey = survey_with_answers(network=world.network, created_by=world.users["officer"])
    member = world.member
    home = client.get(_me(member)).content.decode()
    answer_url = _me(member, "survey_answer", pk=survey.pk)
    assert answer_url in home

    form = client.get(answer_url)
    assert form.status_code == 200
    assert form["Cache-Control"].count("no-store")
    page = form.content.decode()
    assert BIN_EVALUATION.questions[0].text["nl"] in page
    assert "anoniem" in page or "anonymous" in page

    # Missing required answers: errors next to the questions, what was typed stays.
    comment = survey.questions.get(template_question_key="overall_comment")
    response = client.post(answer_url, {f"q{comment.pk}": "Meer straatverlichting graag"})
    assert response.status_code == 200
    page = response.content.decode()
    with translation.override(world.member.language):  # the member's language
        assert gettext("Please answer this question.") in page
    assert "Meer straatverlichting graag" in page
    assert not Response.objects.exists()

    data = {f"q{comment.pk}": "Meer straatverlichting graag"}
    for q in survey.questions.all():
        if q.kind == "scale":
            data[f"q{q.pk}"] = "5"
        elif q.kind == "single":
            data[f"q{q.pk}"] = q.choices[-1]["key"]
        elif q.kind == "multiple":
            data[f"q{q.pk}"] = [q.choices[0]["key"], q.choices[2]["key"]]
    response = client.post(answer_url, data)
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    with translation.override(world.member.language):
        assert gettext("Thank you for your answers") in thanks.content.decode()
    assert Response.objects.filter(survey=survey).count() == 1
    channels = survey.questions.get(kind="multiple")
    assert survey.responses.get().answers.get(question=channels).choices == [
        channels.choices[0]["key"], channels.choices[2]["key"],
    ]  # fmt: skip

    # No longer offered, and a second submission is refused politely.
    assert answer_url not in client.get(_me(member)).content.decode()
    again = client.post(answer_url, data)
    assert again.status_code == 200
    with translation.override(world.member.language):
        already = gettext(
            "You have already answered this survey. Thank you! Each member answers once; "
            "because the answers are anonymous, they cannot be changed afterwards."
        )
    assert already in again.content.decode().replace("&#x27;", "'")
    assert Response.objects.filter(survey=survey).count() == 1


def test_member_sees_the_questions_in_their_language(client, world):
    member = MemberFactory(network=world.network, language="fr")
    survey = survey_with_answers(network=world.network, created_by=world.users["officer"])
    page = client.get(_me(member, "survey_answer", pk=survey.pk)).content.decode()
    assert BIN_EVALUATION.questions[0].text["fr"] in page


def test_member_cannot_answer_what_was_not_sent_to_them(client, world):
    survey = survey_with_answers(network=world.network, created_by=world.users["officer"])
    late = MemberFactory(network=world.network)
    SurveyInvitation.objects.filter(member=late).delete()
    assert client.get(_me(late, "survey_answer", pk=survey.pk)).status_code == 404
    other = survey_with_answers(network=world.other_network, created_by=world.users["admin"])
    assert client.get(_me(world.member, "survey_answer", pk=other.pk)).status_code == 404
    bad = reverse("personal:survey_answer", args=["not-a-token", survey.pk])
    assert client.get(bad).status_code == 404
    survey.status = Survey.Status.CLOSED
    survey.save()
    page = client.get(_me(world.member, "survey_answer", pk=survey.pk)).content.decode()
    with translation.override(world.member.language):
        assert gettext(
            "This survey is closed: answers are no longer accepted. Thank you for your interest."
        ) in page.replace("&#x27;", "'")
    assert Question.objects.filter(survey=survey).exists()


def test_csv_export_is_semicolon_separated_for_dutch_readers(client, world):
    survey = survey_with_answers(
        network=world.network, created_by=world.users["coordinator"], answers=1
    )
    client.force_login(world.users["coordinator"])
    content = client.get(_url("export_csv", world, survey), HTTP_ACCEPT_LANGUAGE="nl").content
    header = content.decode("utf-8-sig").splitlines()[0]
    assert len(header.split(";")) > 2 and "," not in header
