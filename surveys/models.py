"""Evaluation surveys: anonymous questionnaires for a network's members.

Anonymity is a property of the schema, not of the code that reads it:

- ``SurveyInvitation`` says *that* a member was asked and whether they answered,
  which is what stops a second answer. It holds no timestamp and nothing that
  orders answers.
- ``Response`` and ``Answer`` say *what* was answered. They have no foreign
  key to a member or an invitation, no timestamp, and random UUID primary
  keys, so neither a join nor the order of ids nor a creation time links an
  answer back to the invitation flipped in the same transaction.

What the schema cannot hide: with very few answers the people who answered
can be guessed from the answered flags; the result pages therefore show
nothing until ``MIN_RESPONSES`` members have answered, and no question that
fewer than ``MIN_RESPONSES`` members answered.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Below this many answers, results (and benchmark figures) are not shown:
# for the survey as a whole and for each question on its own.
MIN_RESPONSES = 5
# The benchmark pools the closed surveys of at least this many *other*
# networks: with one, it would simply be that network's own results.
MIN_BENCHMARK_NETWORKS = 2
SCALE_VALUES = (1, 2, 3, 4, 5)


def localized(texts: dict, language: str, fallback: str = "nl") -> str:
    """A per-language text ({"nl": ..., "fr": ...}) in ``language``, else the
    fallback language, else any language given."""
    if not isinstance(texts, dict):
        return str(texts or "")
    for code in (language, fallback, "en"):
        if texts.get(code):
            return texts[code]
    return next((value for value in texts.values() if value), "")


class Survey(models.Model):
    """One questionnaire sent to the members of one network."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    network = models.ForeignKey(
        "networks.Network",
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("network"),
    )
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    # "" for a survey with custom questions, else the key of the standard
    # template it was made from (surveys.standard): the benchmark compares
    # surveys with the same key.
    template_key = models.CharField(_("template"), max_length=40, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=6, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    opens_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    invitation_message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invitation message"),
    )
    summary_message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("summary message"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    @property
    def accepts_answers(self) -> bool:
        """Open and not past its closing date (``member_open_surveys`` is the
        same rule as a query)."""
        return self.status == self.Status.OPEN and not (
            self.closes_on is not None and self.closes_on < timezone.localdate()
        )

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Question(models.Model):
    """One question of a survey, with its texts in each language.

    ``text`` is {"nl": ..., "fr": ...}; ``choices`` is a list of
    {"key": ..., "label": {"nl": ..., ...}} for single and multiple choice.
    Questions from the standard template carry ``template_question_key``.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        SCALE = "scale", _("Scale from 1 to 5")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    text = models.JSONField(_("question"), default=dict)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    template_question_key = models.CharField(max_length=40, blank=True)
    required = models.BooleanField(_("answer required"), default=False)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return localized(self.text, "en")

    def text_in(self, language: str) -> str:
        return localized(self.text, language, self.survey.network.default_language)

    def choice_labels(self, language: str) -> list[tuple[str, str]]:
        fallback = self.survey.network.default_language
        return [(c["key"], localized(c["label"], language, fallback)) for c in self.choices]


class SurveyInvitation(models.Model):
    """A member asked to answer a survey, and whether they did.

    Deliberately without any timestamp or ordering field: the moment
    ``answered`` flips must not be recorded anywhere, or it could be matched
    with the answers. Deleted with the member; the answers stay, unlinked.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    answered = models.BooleanField(_("answered"), default=False)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["survey", "member"], name="survey_invitation_once")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.member_id}"


class Response(models.Model):
    """One member's set of answers, anonymous by construction.

    No member, no invitation, no time: only the survey. The random UUID key
    keeps ids from revealing the order in which members answered.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return str(self.pk)


class Answer(models.Model):
    """The answer to one question in one response (random key, like Response)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    # Keys of the chosen options (one for single choice).
    choices = models.JSONField(default=list, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")
        ]

    def __str__(self) -> str:
        return str(self.pk)
