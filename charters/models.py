"""House rules now; the full charter (communication plan, signatures) arrives
with the Founding and governance issue and builds on these versions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from networks.models import Network


class HouseRules(models.Model):
    """One published version of a network's house rules (huishoudelijk reglement).

    Versions are never edited once published: a change is a new version, and
    each member's consent record names the version they accepted.
    """

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="house_rules", verbose_name=_("network")
    )
    version = models.CharField(_("version"), max_length=40)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("house rules")
        verbose_name_plural = _("house rules")
        constraints = [
            models.UniqueConstraint(
                fields=["network", "version"], name="house_rules_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network} v{self.version}"


# --------------------------------------------------------------------------
# Founding checklist
# --------------------------------------------------------------------------


class FoundingStep(models.Model):
    """One of the fixed founding steps of a network (circular of 28 February 2019).

    Every network has one row per step; the network's status follows them
    (``charters.services.founding.founding_step_update``): it becomes active only once
    the charter is signed.
    """

    class Step(models.TextChoices):
        PREPARATION = "preparation", _("Idea and preparation")
        CONSULTATION = (
            "consultation",
            _(
                "Consultation with the local authority and the police (who inform the "
                "administrative and judicial authorities)"
            ),
        )
        INFO_EVENING = "info_evening", _("Information evening held")
        STEERING = "steering", _("Steering committee approved")
        DRAFTED = "drafted", _("Communication plan and charter drafted")
        SIGNED = "signed", _("Charter signed")
        LAUNCH = "launch", _("Launch announced")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="founding_steps", verbose_name=_("network")
    )
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    responsible = models.CharField(
        _("responsible"),
        max_length=200,
        blank=True,
        help_text=_("Who takes care of this step (name and role)."),
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["network", "position"]
        verbose_name = _("founding step")
        verbose_name_plural = _("founding steps")
        constraints = [
            models.UniqueConstraint(fields=["network", "step"], name="founding_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.network}: {self.get_step_display()}"


def founding_attachment_path(instance: FoundingAttachment, filename: str) -> str:
    # A random name: the original one is kept in the row, never in the path.
    import uuid

    return f"private/founding/{instance.step.network_id}/{uuid.uuid4().hex}"


class FoundingAttachment(models.Model):
    """A file kept with a founding step (minutes, the signed paper charter, a letter)."""

    step = models.ForeignKey(
        FoundingStep, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("step")
    )
    file = models.FileField(_("file"), upload_to=founding_attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


# --------------------------------------------------------------------------
# Charter
# --------------------------------------------------------------------------


class CharterVersion(models.Model):
    """One version of a network's local charter.

    A draft is edited in place until someone signs it; an edit after a
    signature creates a new version and voids the earlier one's signatures
    (``charters.services.charter.charter_edit``). A version signed by all three
    parties is never changed again: it stays in force until a newer version is
    signed, and Messaging reads its communication plan
    (``charters.selectors.charter_in_force``).

    ``communication_plan`` holds one entry per message kind::

        {"urgent": {"channels": ["sms", "voice"], "coordinator_may_send": false,
                    "officer_approves": true, "response_time": "15 minutes"}, ...}
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for signature")
        SIGNED = "signed", _("Signed")
        SUPERSEDED = "superseded", _("Replaced by a newer signed version")
        VOID = "void", _("Void (edited after a signature)")

    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        related_name="charter_versions",
        verbose_name=_("network"),
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("based on"),
    )
    # Partners' contact data (as the partners want them printed in the charter).
    coordinator_contact = models.TextField(_("coordinator"), blank=True)
    police_contact = models.TextField(_("police (mandated officer)"), blank=True)
    municipality_contact = models.TextField(_("municipality"), blank=True)
    other_partners = models.TextField(_("other partners"), blank=True)
    # Financing plan.
    sms_budget = models.DecimalField(
        _("yearly SMS budget (EUR)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    signs_cost = models.DecimalField(
        _("cost of the BIN signs (EUR)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    other_costs = models.TextField(_("other costs"), blank=True)
    paid_by = models.TextField(_("who pays what"), blank=True)
    member_fee = models.DecimalField(
        _("yearly member fee (EUR)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty when membership is free."),
    )
    # Communication plan (see the class docstring for the shape).
    communication_plan = models.JSONField(_("communication plan"), default=dict)
    communication_notes = models.TextField(_("other agreements on communication"), blank=True)
    house_rules = models.TextField(_("house rules"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    signed_at = models.DateTimeField(
        _("signed at"), null=True, blank=True, help_text=_("When the last party signed.")
    )

    class Meta:
        ordering = ["network", "-number"]
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        constraints = [
            models.UniqueConstraint(fields=["network", "number"], name="charter_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.network} charter v{self.number}"


class CharterSignature(models.Model):
    """A party's signature on one charter version, given in the app.

    Only the network's coordinator, a mandated officer of its zone and the
    municipality (mayor or delegate) sign, each party once per version. The
    name and role are copied at signing so they stay as signed.
    """

    class Party(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        OFFICER = "officer", _("Mandated police officer")
        MUNICIPALITY = "municipality", _("Municipality (mayor or delegate)")

    version = models.ForeignKey(
        CharterVersion,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("charter version"),
    )
    party = models.CharField(_("party"), max_length=12, choices=Party.choices)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    name = models.CharField(_("name"), max_length=200)
    role_title = models.CharField(
        _("role"), max_length=200, help_text=_("E.g. mayor, alderman for safety, inspector.")
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        ordering = ["version", "signed_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            # Voided signatures stay as history; the party then signs again.
            models.UniqueConstraint(
                fields=["version", "party"],
                condition=Q(voided_at__isnull=True),
                name="charter_signature_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.get_party_display()} ({self.name})"


# --------------------------------------------------------------------------
# Coordinator governance
# --------------------------------------------------------------------------


class ScreeningRecord(models.Model):
    """A coordinator's consent to a screening in police databases and its outcome.

    Recorded by the mandated officer. Deliberately no screening details: only
    the consent, the date and accepted/refused.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="screenings", verbose_name=_("network")
    )
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="screenings",
        verbose_name=_("coordinator"),
    )
    consent_on = models.DateField(_("consent given on"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        ordering = ["-consent_on", "-pk"]
        verbose_name = _("screening record")
        verbose_name_plural = _("screening records")

    def __str__(self) -> str:
        return f"{self.user} @ {self.network}: {self.get_outcome_display()}"


class GovernanceEvent(models.Model):
    """Append-only log of governance decisions: hand-overs, removals, signatures,
    status changes. Names people by account, never members' data."""

    class Action(models.TextChoices):
        HANDOVER = "handover", _("Network handed over to a new coordinator")
        COORDINATOR_REMOVED = "coordinator_removed", _("Coordinator removed")
        SCREENING = "screening", _("Screening recorded")
        CHARTER_SUBMITTED = "charter_submitted", _("Charter submitted")
        CHARTER_SIGNED = "charter_signed", _("Charter signed by a party")
        CHARTER_IN_FORCE = "charter_in_force", _("Charter in force")
        CHARTER_VOIDED = "charter_voided", _("Signatures voided by an edit")
        STATUS = "status", _("Network status changed")
        HOUSE_RULES = "house_rules", _("New house rules published")

    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        related_name="governance_events",
        verbose_name=_("network"),
    )
    action = models.CharField(_("what"), max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    subject_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("concerning"),
    )
    detail = models.TextField(_("detail"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("governance event")
        verbose_name_plural = _("governance events")

    def __str__(self) -> str:
        return f"{self.network}: {self.get_action_display()}"


# --------------------------------------------------------------------------
# Meetings
# --------------------------------------------------------------------------


class Meeting(models.Model):
    """An information evening, a member meeting (yearly recommended) or a
    steering-committee meeting."""

    class Kind(models.TextChoices):
        INFO_EVENING = "info_evening", _("Information evening")
        MEMBER_MEETING = "member_meeting", _("Member meeting")
        STEERING = "steering", _("Steering committee")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("network")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300)
    agenda = models.TextField(_("agenda"), blank=True)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    invitation = models.ForeignKey(
        "messaging.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invitation message"),
    )
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["network", "kind", "status", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.network}: {self.get_kind_display()} {self.starts_at:%Y-%m-%d}"


class MeetingRSVP(models.Model):
    """A member's answer to a meeting invitation, given through their personal link."""

    class Answer(models.TextChoices):
        YES = "yes", _("I will come")
        NO = "no", _("I cannot come")
        MAYBE = "maybe", _("Maybe")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="rsvps", verbose_name=_("meeting")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="rsvps", verbose_name=_("member")
    )
    answer = models.CharField(_("answer"), max_length=5, choices=Answer.choices)
    guests = models.PositiveSmallIntegerField(_("people coming with me"), default=0)
    answered_at = models.DateTimeField(_("answered at"), auto_now=True)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="rsvp_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.get_answer_display()}"


class MeetingReminder(models.Model):
    """That the coordinator was reminded of a missing yearly member meeting, so
    the daily check reminds once per period instead of every day."""

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="+", verbose_name=_("network")
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("meeting reminder")
        verbose_name_plural = _("meeting reminders")

    def __str__(self) -> str:
        return f"{self.network}: {self.sent_at:%Y-%m-%d}"


# --------------------------------------------------------------------------
# BIN signs
# --------------------------------------------------------------------------


class Sign(models.Model):
    """A BIN sign that marks the area, in the municipality's registry."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PLACED = "placed", _("Placed")
        DAMAGED = "damaged", _("Damaged")
        REMOVED = "removed", _("Removed")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="signs", verbose_name=_("network")
    )
    street = models.CharField(_("street"), max_length=120, blank=True)
    house_number = models.CharField(_("near number"), max_length=10, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.PLANNED, db_index=True
    )
    placed_on = models.DateField(_("placed on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["network", "street", "house_number"]
        verbose_name = _("BIN sign")
        verbose_name_plural = _("BIN signs")
        constraints = [
            models.CheckConstraint(
                condition=(Q(street="") & Q(latitude__isnull=False) & Q(longitude__isnull=False))
                | ~Q(street=""),
                name="sign_has_location",
                violation_error_message=_("Give a street or coordinates."),
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90)
                    & Q(latitude__lte=90)
                    & Q(longitude__gte=-180)
                    & Q(longitude__lte=180)
                ),
                name="sign_coordinates_valid",
                violation_error_message=_("Give both coordinates, within range."),
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.street} {self.house_number}".strip() or f"{self.latitude}, {self.longitude}"
        return f"{self.network}: {where}"


# The models of starting a BIN live in their own module (this one is long);
# importing them here registers them with the app.
from charters.starting_models import (  # noqa: E402, F401
    InterestEntry,
    InterestInvitation,
    StartRequest,
)
