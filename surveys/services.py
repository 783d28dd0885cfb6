"""Writes of evaluation surveys: build, send, answer, close, publish results."""

from __future__ import annotations

import logging
import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import Member
from messaging.models import Message
from messaging.services.drafts import message_draft_save, message_submit
from messaging.services.lifecycle import message_publish
from networks.models import Network
from surveys.models import SCALE_VALUES, Answer, Question, Response, Survey, SurveyInvitation
from surveys.selectors import survey_summary_texts
from surveys.standard import standard_template

__all__ = [
    "free_text_clean",
    "question_delete",
    "question_move",
    "question_save",
    "survey_answer",
    "survey_close",
    "survey_create",
    "survey_open",
    "survey_summary_draft",
    "survey_update",
]

logger = logging.getLogger(__name__)

MAX_TEXT_ANSWER = 2000

# Control characters other than tab and newline: invisible in a browser,
# refused by XML (so by the XLSX export), never meant by a member.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def free_text_clean(value: str) -> str:
    """Free text as stored: line ends as "\\n", other control characters
    (except tab) removed, surrounding space trimmed."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARACTERS.sub("", value).strip()


def _draft_only(survey: Survey) -> None:
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError(_("Questions can only be changed while the survey is a draft."))


@transaction.atomic
def survey_create(
    *, network: Network, created_by, title: str = "", intro: str = "", template_key: str = ""
) -> Survey:
    """A draft survey, empty or filled with the questions of a standard template.

    Without a title or intro, the template's are used in the network's main language.
    """
    template = standard_template(template_key) if template_key else None
    if template_key and template is None:
        raise ValidationError({"template_key": _("Unknown template.")})
    language = network.default_language
    if template is not None:
        title = title or template.title.get(language) or template.title["en"]
        intro = intro or template.intro.get(language) or template.intro["en"]
    if not title.strip():
        raise ValidationError({"title": _("Give the survey a title.")})
    survey = Survey.objects.create(
        network=network,
        title=title.strip(),
        intro=intro.strip(),
        template_key=template.key if template else "",
        created_by=created_by,
    )
    if template is not None:
        Question.objects.bulk_create(
            Question(
                survey=survey,
                position=position,
                kind=q.kind,
                text=dict(q.text),
                choices=[dict(c) for c in q.choices],
                template_question_key=q.key,
                required=q.required,
            )
            for position, q in enumerate(template.questions, start=1)
        )
    logger.info("survey %s created in network %s by %s", survey.pk, network.pk, created_by.pk)
    return survey


@transaction.atomic
def survey_update(*, survey: Survey, title: str, intro: str = "", closes_on: date | None = None):
    """Change the title, introduction or closing date (closing date also when open)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == Survey.Status.CLOSED:
        raise ValidationError(_("A closed survey cannot be changed."))
    if not title.strip():
        raise ValidationError({"title": _("Give the survey a title.")})
    survey.title = title.strip()
    survey.intro = intro.strip()
    survey.closes_on = closes_on
    survey.save(update_fields=["title", "intro", "closes_on"])
    return survey


def _check_question(*, kind: str, text: dict, choices: list) -> None:
    if kind not in Question.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of question.")})
    if not any((value or "").strip() for value in text.values()):
        raise ValidationError({"text": _("Write the question.")})
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if len(choices) < 2:
            raise ValidationError({"choices": _("Give at least two options.")})
        keys = [c.get("key") for c in choices]
        if len(set(keys)) != len(keys):
            raise ValidationError({"choices": _("Every option must be different.")})
    elif choices:
        raise ValidationError({"choices": _("Only choice questions have options.")})


def _merge_texts(old: dict, new: dict, languages: list[str]) -> tuple[dict, bool]:
    """``old`` with the ``languages`` the editor covered replaced by ``new``
    (an empty or missing one removed), and whether the wording changed.

    Adding or removing a translation is not a change of the question; a
    different text in a language that had one is.
    """
    new = {code: value.strip() for code, value in new.items() if (value or "").strip()}
    changed = any(old.get(code) and new.get(code) and old[code] != new[code] for code in languages)
    if changed:
        return new, True
    merged = {code: value for code, value in old.items() if code not in languages}
    merged.update(new)
    return merged, False


def _merge_choices(old: list, new: list, languages: list[str]) -> tuple[list, bool]:
    """The options as ``_merge_texts`` does it for each label; the same number
    of options keeps the existing keys (line N is option N in every language)."""
    if len(old) != len(new):
        return new, True
    merged, changed = [], False
    for before, after in zip(old, new, strict=True):
        label, label_changed = _merge_texts(before["label"], after.get("label", {}), languages)
        merged.append({"key": before["key"], "label": label})
        changed = changed or label_changed
    return merged, changed


@transaction.atomic
def question_save(
    *,
    survey: Survey,
    kind: str,
    text: dict,
    choices: list | None = None,
    required: bool = False,
    question: Question | None = None,
    languages: list[str] | None = None,
) -> Question:
    """Add a question at the end, or change one, while the survey is a draft.

    ``languages`` are those the editor covered (the network's, on the form;
    by default those in ``text``): only they are compared, and texts and
    option labels in other languages are kept as long as the question does
    not change. A changed question (another kind, or another wording of the
    question or an option in a language that had one) is saved as given:
    the translations the editor did not see are dropped, as they would still
    say the old thing (members of those languages read the network's main
    one), and a standard question loses its template key and leaves the
    benchmark. Saving it unchanged, with another "required" flag or with a
    translation added, keeps both.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _draft_only(survey)
    choices = choices or []
    languages = list(languages) if languages else list(text)
    if question is None:
        last = survey.questions.aggregate(m=Max("position"))["m"] or 0
        question = Question(survey=survey, position=last + 1)
        text = {code: value.strip() for code, value in text.items() if (value or "").strip()}
    elif question.survey_id != survey.pk:
        raise PermissionDenied
    else:
        merged_text, changed = _merge_texts(question.text, text, languages)
        merged_choices, choices_changed = _merge_choices(question.choices, choices, languages)
        changed = changed or choices_changed or question.kind != kind
        if changed:
            # Translations the editor did not see would still say the old thing.
            text = {code: value.strip() for code, value in text.items() if (value or "").strip()}
            if question.template_question_key:
                question.template_question_key = ""
        else:
            text, choices = merged_text, merged_choices
    _check_question(kind=kind, text=text, choices=choices)
    question.kind = kind
    question.text = text
    question.choices = choices
    question.required = required
    question.save()
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _draft_only(survey)
    question.delete()
    _renumber(survey)


@transaction.atomic
def question_move(*, question: Question, up: bool) -> None:
    """Swap a question with its neighbour above or below."""
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _draft_only(survey)
    _renumber(survey)
    ordered = list(survey.questions.order_by("position", "pk"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    a, b = ordered[index], ordered[other]
    a.position, b.position = b.position, a.position
    Question.objects.bulk_update([a, b], ["position"])


def _renumber(survey: Survey) -> None:
    questions = list(survey.questions.order_by("position", "pk"))
    for position, q in enumerate(questions, start=1):
        q.position = position
    Question.objects.bulk_update(questions, ["position"])


def _invitation_texts(survey: Survey) -> dict:
    """The invitation in each of the network's languages. The personal link is
    added to every message by the fan-out (short in SMS, in the email footer)."""
    network = survey.network
    texts = {}
    for code in network.languages or ["nl"]:
        with translation.override(code):
            sms = _(
                "%(network)s asks your opinion: answer the short anonymous survey "
                "“%(title)s” on your personal page."
            ) % {"network": network.name, "title": survey.title}
            body = "\n\n".join(
                part
                for part in (
                    _("Dear member,"),
                    _(
                        "%(network)s asks your opinion in a short survey: “%(title)s”. "
                        "Your answers are anonymous: they are stored without your name or "
                        "any link to you, and you can answer once."
                    )
                    % {"network": network.name, "title": survey.title},
                    survey.intro,
                    _(
                        "Open your personal page with the link at the bottom of this email; "
                        "the survey is at the top."
                    ),
                    (
                        _("The survey closes on %(date)s.")
                        % {"date": survey.closes_on.strftime("%d/%m/%Y")}
                        if survey.closes_on
                        else ""
                    ),
                    _("Thank you!"),
                )
                if part
            )
            texts[code] = {
                "sms": sms,
                "subject": _("Survey: %(title)s") % {"title": survey.title},
                "body": body,
            }
    return texts


@transaction.atomic
def survey_open(
    *, survey: Survey, opened_by, by_email: bool = True, by_sms: bool = False
) -> tuple[Survey, Message]:
    """Open a draft survey and send the invitation through Messaging.

    Every active member at this moment gets a SurveyInvitation (the key to one
    answer) and the INFO message with their personal link. The message goes
    the normal way: published at once by those who may publish to the network
    (officer, admin, or a coordinator whose communication plan allows it),
    else sent to the zone's officers for approval. Members can answer from
    their personal page as soon as the survey is open.
    """
    survey = Survey.objects.select_for_update().select_related("network").get(pk=survey.pk)
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError(_("This survey has already been sent."))
    if not survey.questions.exists():
        raise ValidationError(_("Add at least one question before sending the survey."))
    if not (by_email or by_sms):
        raise ValidationError({"by_email": _("Choose at least one channel.")})
    if survey.closes_on and survey.closes_on < timezone.localdate():
        raise ValidationError({"closes_on": _("The closing date has passed.")})
    members = Member.objects.active().filter(network=survey.network).values_list("pk", flat=True)
    SurveyInvitation.objects.bulk_create(
        (SurveyInvitation(survey=survey, member_id=pk) for pk in members.iterator()),
        batch_size=2000,
        ignore_conflicts=True,
    )
    message = message_draft_save(
        created_by=opened_by,
        networks=[survey.network],
        kind=Message.Kind.INFO,
        by_sms=by_sms,
        by_email=by_email,
        by_voice=False,
        texts=_invitation_texts(survey),
    )
    if opened_by.has_perm("messaging.publish_message", message):
        message = message_publish(message=message, published_by=opened_by)
    else:
        message = message_submit(message=message, submitted_by=opened_by)
    survey.status = Survey.Status.OPEN
    survey.opens_at = timezone.now()
    survey.invitation_message = message
    survey.save(update_fields=["status", "opens_at", "invitation_message"])
    logger.info("survey %s opened by %s, message %s", survey.pk, opened_by.pk, message.pk)
    return survey, message


@transaction.atomic
def survey_close(*, survey: Survey, closed_by=None) -> Survey:
    """Close an open survey: no more answers. Closing twice changes nothing.

    Takes the survey row lock that ``survey_answer`` holds while storing an
    answer, so an answer in progress is either stored before or refused.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == Survey.Status.CLOSED:
        return survey
    if survey.status != Survey.Status.OPEN:
        raise ValidationError(_("Only an open survey can be closed."))
    survey.status = Survey.Status.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    logger.info("survey %s closed by %s", survey.pk, getattr(closed_by, "pk", "schedule"))
    return survey


def _clean_answers(survey: Survey, answers: dict) -> list[Answer]:
    """Check the answers against the questions; ValidationError keyed ``q<id>``."""
    errors: dict[str, str] = {}
    rows = []
    for question in survey.questions.all():
        field = f"q{question.pk}"
        value = answers.get(question.pk, answers.get(field))
        row = Answer(question=question)
        if question.kind == Question.Kind.TEXT:
            text = free_text_clean(value or "")
            if len(text) > MAX_TEXT_ANSWER:
                errors[field] = _("Keep it under %(n)s characters.") % {"n": MAX_TEXT_ANSWER}
            row.text = text
            empty = not text
        elif question.kind == Question.Kind.SCALE:
            try:
                row.scale = int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                row.scale = -1
            if row.scale is not None and row.scale not in SCALE_VALUES:
                errors[field] = _("Choose a value from 1 to 5.")
            empty = row.scale is None
        else:
            keys = {c["key"] for c in question.choices}
            chosen = value if isinstance(value, list | tuple) else ([value] if value else [])
            chosen = [str(v) for v in chosen]
            if any(v not in keys for v in chosen) or (
                question.kind == Question.Kind.SINGLE and len(chosen) > 1
            ):
                errors[field] = _("Choose one of the options.")
            row.choices = [c["key"] for c in question.choices if c["key"] in chosen]
            empty = not chosen
        if empty and question.required and field not in errors:
            errors[field] = _("Please answer this question.")
        if not empty:
            rows.append(row)
    if errors:
        raise ValidationError(errors)
    if not rows:
        # An empty response would count towards MIN_RESPONSES and so unlock
        # the results of the few members who did answer.
        raise ValidationError(_("Answer at least one question before sending."), code="empty")
    return rows


def _check_answerable(survey: Survey) -> None:
    if not survey.accepts_answers:
        raise ValidationError(_("This survey is closed."), code="closed")
    invitation_message = survey.invitation_message
    if invitation_message is not None and invitation_message.status != Message.Status.PUBLISHED:
        # The officer has not approved the coordinator's invitation yet.
        raise ValidationError(_("This survey was not sent to you."), code="not_invited")


def survey_answer(*, survey: Survey, member: Member, answers: dict) -> Response:
    """Store one member's answers, anonymously, at most once, while the survey is open.

    The invitation's ``answered`` flag is flipped with a conditional UPDATE
    (false → true) in the same transaction as the insert of the answers:
    of two submissions, at the same time or one after the other, exactly one
    flips it and stores answers; the other raises ``ValidationError`` with
    code ``already_answered`` and stores nothing. The survey row is locked
    and its status checked again inside that transaction, as ``survey_close``
    takes the same lock: no answer is stored after the survey closed. An
    empty submission is refused (code ``empty``). The stored answers carry
    no trace of the member (see surveys.models).
    """
    survey = Survey.objects.select_related("network", "invitation_message").get(pk=survey.pk)
    _check_answerable(survey)
    rows = _clean_answers(survey, answers)
    with transaction.atomic():
        # Locked and checked again: closing, by hand or on schedule, waits
        # for this answer or makes it fail, never lets it in afterwards.
        survey = (
            Survey.objects.select_for_update(of=("self",))
            .select_related("invitation_message")
            .get(pk=survey.pk)
        )
        _check_answerable(survey)
        invitation = SurveyInvitation.objects.filter(survey=survey, member=member).first()
        if invitation is None:
            raise ValidationError(_("This survey was not sent to you."), code="not_invited")
        flipped = SurveyInvitation.objects.filter(pk=invitation.pk, answered=False).update(
            answered=True
        )
        if not flipped:
            raise ValidationError(
                _("You have already answered this survey. Thank you!"), code="already_answered"
            )
        response = Response.objects.create(survey=survey)
        for row in rows:
            row.response = response
        Answer.objects.bulk_create(rows)
    # No member id in the log either: the log line's time would link them.
    logger.info("survey %s: one more response", survey.pk)
    return response


@transaction.atomic
def survey_summary_draft(*, survey: Survey, created_by, texts: dict | None = None) -> Message:
    """An INFO message draft with the survey's key figures, for the writer to
    edit and then publish or submit for approval the usual way."""
    survey = Survey.objects.select_for_update().select_related("network").get(pk=survey.pk)
    if survey.status == Survey.Status.DRAFT:
        raise ValidationError(_("A survey that was not sent has no results to publish."))
    existing = survey.summary_message
    if (
        existing is not None
        and existing.status == Message.Status.DRAFT
        and existing.created_by_id == created_by.pk
    ):
        return existing
    message = message_draft_save(
        created_by=created_by,
        networks=[survey.network],
        kind=Message.Kind.INFO,
        by_sms=False,
        by_email=True,
        by_voice=False,
        texts=texts or survey_summary_texts(survey=survey),
    )
    Survey.objects.filter(pk=survey.pk).update(summary_message=message)
    return message


def survey_close_due(*, today: date | None = None) -> int:
    """Close open surveys whose closing date has passed (periodic)."""
    today = today or timezone.localdate()
    due = Survey.objects.filter(status=Survey.Status.OPEN, closes_on__lt=today)
    closed = 0
    for survey in due:
        survey_close(survey=survey)
        closed += 1
    return closed


__all__ += ["survey_close_due"]
