"""Members of a network. A member has no login; they manage their data
through a personal link (Members issue)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from networks.models import Network


class Language(models.TextChoices):
    DUTCH = "nl", _("Dutch")
    FRENCH = "fr", _("French")
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    VOICE = "voice", _("Voice call")


class MemberQuerySet(models.QuerySet):
    def active(self) -> MemberQuerySet:
        return self.filter(status=Member.Status.ACTIVE)


class Member(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left")

    network = models.ForeignKey(
        Network, on_delete=models.PROTECT, related_name="members", verbose_name=_("network")
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    street = models.CharField(_("street"), max_length=120)
    house_number = models.CharField(_("house number"), max_length=12)
    postcode = models.CharField(_("postcode"), max_length=10)
    email = models.EmailField(_("email address"), blank=True)
    mobile_phone = PhoneNumberField(_("mobile phone"), blank=True)
    landline = PhoneNumberField(
        _("landline"), blank=True, help_text=_("Optional, for voice messages.")
    )
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.DUTCH
    )
    # Three flags rather than a list: filterable and indexable on every database.
    by_sms = models.BooleanField(_("by SMS"), default=True)
    by_email = models.BooleanField(_("by email"), default=True)
    by_voice = models.BooleanField(_("by voice call"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            models.Index(fields=["network", "status"]),
            models.Index(fields=["network", "last_name", "first_name"]),
            models.Index(fields=["network", "street"]),
        ]
        constraints = [
            # At most one membership per phone and per email in a network.
            # Members who left have their data erased, so blanks never collide.
            models.UniqueConstraint(
                fields=["network", "email"],
                condition=~Q(email=""),
                name="member_unique_email_per_network",
            ),
            models.UniqueConstraint(
                fields=["network", "mobile_phone"],
                condition=~Q(mobile_phone=""),
                name="member_unique_mobile_per_network",
            ),
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(mobile_phone="") | ~Q(landline="") | Q(status="left"),
                name="member_has_a_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or str(_("(erased member)"))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def address(self) -> str:
        return f"{self.street} {self.house_number}, {self.postcode}".strip(" ,")

    @property
    def channels(self) -> list[str]:
        chosen = [(self.by_sms, Channel.SMS), (self.by_email, Channel.EMAIL)]
        chosen.append((self.by_voice, Channel.VOICE))
        return [str(channel) for wanted, channel in chosen if wanted]

    def get_channels_display(self) -> str:
        labels = dict(Channel.choices)
        return ", ".join(str(labels[c]) for c in self.channels) or "—"


class ConsentRecord(models.Model):
    """Proof of a consent: what was accepted, which version, when and how.

    Records are never edited; a withdrawal is recorded on the row.
    """

    class Subject(models.TextChoices):
        HOUSE_RULES = "house_rules", _("House rules")
        PRIVACY_NOTICE = "privacy_notice", _("Privacy notice")
        SMS = "sms", _("Messages by SMS")
        EMAIL = "email", _("Messages by email")
        VOICE = "voice", _("Messages by voice call")

    class Method(models.TextChoices):
        WEB_FORM = "web_form", _("Public sign-up form")
        SELF_SERVICE = "self_service", _("Member's personal page")
        PAPER = "paper", _("Paper form, entered by the coordinator")
        IMPORT = "import", _("List import")
        INFO_EVENING = "info_evening", _("Information evening")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="consents", verbose_name=_("member")
    )
    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    version = models.CharField(_("version"), max_length=40)
    given_at = models.DateTimeField(_("given at"))
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [models.Index(fields=["member", "subject"])]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} v{self.version}"
