"""Members of a network. A member has no login; they manage their data
through a personal link (Members issue)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber

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


class Relation(models.TextChoices):
    LIVES = "lives", _("Lives in the area")
    WORKS = "works", _("Works in the area")
    BOTH = "both", _("Lives and works in the area")


class Source(models.TextChoices):
    WEB_FORM = "web_form", _("Public sign-up form")
    MANUAL = "manual", _("Added by the coordinator")
    IMPORT = "import", _("List import")


class MemberQuerySet(models.QuerySet):
    def active(self) -> MemberQuerySet:
        return self.filter(status=Member.Status.ACTIVE)

    def awaiting_approval(self) -> MemberQuerySet:
        """Pending sign-ups whose email and phone are both verified."""
        return self.filter(
            status=Member.Status.PENDING,
            email_verified_at__isnull=False,
        ).filter(Q(phone_verified_at__isnull=False) | Q(mobile_phone=""))

    def unverified(self) -> MemberQuerySet:
        return self.filter(status=Member.Status.PENDING).filter(
            Q(email_verified_at__isnull=True)
            | (Q(phone_verified_at__isnull=True) & ~Q(mobile_phone=""))
        )


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
    # Deaf or hard of hearing: never called (whatever by_voice says), and the
    # texts they get name the text routes to the emergency services
    # (networks.models.EMERGENCY_TEXT_ROUTES) instead of "call 101".
    deaf = models.BooleanField(
        _("deaf or hard of hearing"),
        default=False,
        help_text=_("No voice calls; emergency services by text (app, SMS) instead of by phone."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    relation = models.CharField(
        _("relation to the area"), max_length=5, choices=Relation.choices, default=Relation.LIVES
    )
    business_name = models.CharField(_("business name"), max_length=120, blank=True)
    company_number = models.CharField(
        _("company number"),
        max_length=20,
        blank=True,
        help_text=_("Belgian enterprise number (0123.456.789) or Dutch KvK number."),
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    adult_confirmed = models.BooleanField(_("confirmed 18 or older"), default=False)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    # Non-urgent messages wait outside these hours; a pause holds them until a date.
    quiet_hours_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    # When the member texted STOP (or a synonym) and when their mailbox reported
    # our email as spam: the channel is off because of it. Kept while the
    # channel stays off, so coordinators see why (members with communication
    # problems) and the preview counts them apart.
    sms_opted_out_at = models.DateTimeField(_("SMS stopped by keyword at"), null=True, blank=True)
    email_complained_at = models.DateTimeField(
        _("email reported as spam at"), null=True, blank=True
    )
    # Part of every personal link; raising it revokes all links given out so far.
    token_version = models.PositiveIntegerField(default=1, editable=False)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
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
                violation_error_message=_(
                    "A member of this network already has this email address."
                ),
            ),
            models.UniqueConstraint(
                fields=["network", "mobile_phone"],
                condition=~Q(mobile_phone=""),
                name="member_unique_mobile_per_network",
                violation_error_message=_(
                    "A member of this network already has this mobile number."
                ),
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
        chosen.append((self.by_voice and not self.deaf, Channel.VOICE))
        return [str(channel) for wanted, channel in chosen if wanted]

    @property
    def emergency_text_routes(self) -> list[tuple[str, str]]:
        """The text routes to the emergency services of the network's country
        for a deaf or hard-of-hearing member; none for the others."""
        return self.network.emergency_text_routes if self.deaf else []

    def get_channels_display(self) -> str:
        labels = dict(Channel.choices)
        return ", ".join(str(labels[c]) for c in self.channels) or "—"


# Deaf or hard of hearing and voice calls chosen: contradictory, said at the
# voice box of every form that has both.
DEAF_VOICE_ERROR = _(
    "We never call members who are deaf or hard of hearing: untick voice calls, "
    "and choose SMS or email."
)

# Version of the consent text shown next to each channel on the personal page
# (and assumed when a member opts in again by SMS).
CHANNEL_CONSENT_VERSION = "1"


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
        # A contact detail the member changed (personal page): the new value
        # is used under the privacy notice of ``version``.
        CONTACT_EMAIL = "contact_email", _("New email address")
        CONTACT_MOBILE = "contact_mobile", _("New mobile number")
        CONTACT_LANDLINE = "contact_landline", _("New landline")
        CONTACT_ADDRESS = "contact_address", _("New address")

    class Method(models.TextChoices):
        WEB_FORM = "web_form", _("Public sign-up form")
        # The stored value keeps the page's former name: rows already carry it.
        PERSONAL_PAGE = "self_service", _("Member's personal page")
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
    # For a list import: the import whose attestation stands for this consent
    # (who attested, when, for which file: MemberImport.attested_*).
    member_import = models.ForeignKey(
        "members.MemberImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("import"),
    )

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [models.Index(fields=["member", "subject"])]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} v{self.version}"


class Verification(models.Model):
    """One pending proof of an address: a link sent by email or a 6-digit code by SMS.

    Only hashes are stored. A new email link replaces the old one; SMS codes
    stay as rows so the caps on codes sent and wrong attempts per sign-up hold
    (members/services/signup.py).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="verifications")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        indexes = [models.Index(fields=["member", "channel"])]

    def __str__(self) -> str:
        return f"{self.channel} verification of member {self.member_id}"


class AuditEntry(models.Model):
    """Who looked at, exported or imported member data, and when (GDPR).

    Rows are only ever added: there is no service that changes or deletes one,
    and the admin shows them read-only. They name the member by id only, so
    erasing a member leaves no personal data here.
    """

    class Action(models.TextChoices):
        VIEW_MEMBER = "view_member", _("Viewed a member's details")
        VIEW_ACCESS_REPORT = "view_access_report", _("Opened a member's data report")
        EXPORT = "export", _("Exported the member list")
        IMPORT = "import", _("Imported members")
        CHANGE_MEMBER = "change_member", _("Changed a member")
        APPROVE = "approve", _("Approved a sign-up")
        REJECT = "reject", _("Rejected a sign-up")
        SUSPEND = "suspend", _("Suspended a member")
        REMOVE = "remove", _("Removed a member")
        ERASE = "erase", _("Erased a member's data")
        CONTACT_CHANGE = "contact_change", _("Contact details change")

    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    network = models.ForeignKey(
        Network,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("network"),
    )
    member_id_ref = models.BigIntegerField(_("member number"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["network", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class MemberImport(models.Model):
    """An uploaded member list between preview and confirmation.

    The parsed rows wait here (not in the session) so the preview and the
    confirmation see the same data; the rows are cleared once imported or
    cancelled, and the retention task deletes drafts left behind.
    """

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Awaiting confirmation")
        IMPORTED = "imported", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="imports", verbose_name=_("network")
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    # [{"line": 2, "values": {...normalised...}, "errors": {"field": ["..."]}}, ...]
    rows = models.JSONField(default=list, blank=True)
    valid_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Seed 003: "Het BIN-lid moet meerderjarig zijn." Whoever confirms the
    # import attests, for the whole file, that every listed person is an
    # adult living or working in the area who agreed to join.
    attested_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attested by"),
    )
    attested_at = models.DateTimeField(_("attested at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class Rejection(models.Model):
    """A refused sign-up, kept for oversight without the applicant: the
    circular opens membership to everyone living in the area, and the zone's
    officer "waakt over de wettelijkheid van het optreden van coördinator en
    BIN-leden". The applicant's data is deleted; the category, the reason
    given and who decided stay."""

    class Category(models.TextChoices):
        OUTSIDE_AREA = "outside_area", _("Does not live or work in the network's area")
        NOT_ADULT = "not_adult", _("Not of age")
        ALREADY_MEMBER = "already_member", _("Already a member (double sign-up)")
        UNVERIFIABLE = "unverifiable", _("The details could not be confirmed")
        HOUSE_RULES = "house_rules", _("Earlier breach of the house rules")
        OTHER = "other", _("Other reason")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="rejections", verbose_name=_("network")
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    reason = models.TextField(_("reason sent to the applicant"))
    rejected_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    rejected_at = models.DateTimeField(_("rejected at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-rejected_at", "-pk"]
        verbose_name = _("rejected sign-up")
        verbose_name_plural = _("rejected sign-ups")

    def __str__(self) -> str:
        return f"{self.network} – {self.get_category_display()}"


class ContactChange(models.Model):
    """A member's change of a contact detail, asked for on the personal page.

    A new email address or mobile number waits for its proof (a link by
    email, a 6-digit code by SMS; only hashes are stored) and the old value
    stays in use until then. A new address outside the network's streets
    waits for the coordinator's decision, as a sign-up does. A landline and
    an address inside the area are applied at once; the row still records
    the change (and counts towards the member's daily limit).
    """

    class Field(models.TextChoices):
        EMAIL = "email", _("Email address")
        MOBILE = "mobile_phone", _("Mobile phone")
        LANDLINE = "landline", _("Landline")
        ADDRESS = "address", _("Address")

    class Status(models.TextChoices):
        VERIFYING = "verifying", _("Awaiting confirmation")
        AWAITING_DECISION = "awaiting_decision", _("Awaiting the coordinator's decision")
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Not confirmed")

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="contact_changes", verbose_name=_("member")
    )
    field = models.CharField(_("what"), max_length=12, choices=Field.choices)
    # The new value as member fields: {"email": ...}, {"mobile_phone": ...},
    # {"landline": ...} or {"street": ..., "house_number": ..., "postcode": ...}.
    # Emptied once the change is finished (applied: the value is on the member).
    value = models.JSONField(_("new value"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.VERIFYING
    )
    secret_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    created_at = models.DateTimeField(_("asked for at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason given"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contact change")
        verbose_name_plural = _("contact changes")
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self) -> str:
        return f"{self.get_field_display()} of member {self.member_id}: {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.VERIFYING, self.Status.AWAITING_DECISION)

    @property
    def display_value(self) -> str:
        if self.field == self.Field.ADDRESS:
            parts = self.value
            street = f"{parts.get('street', '')} {parts.get('house_number', '')}".strip()
            return f"{street}, {parts.get('postcode', '')}".strip(" ,")
        value = str(self.value.get(self.field, ""))
        if value and self.field in (self.Field.MOBILE, self.Field.LANDLINE):
            return PhoneNumber.from_string(value).as_international
        return value


# The dashboards' member figures per network live in their own module (this
# one stays readable); imported here so that Django registers them with the app.
from members.figures_models import (  # noqa: E402, F401
    MemberCount,
    MemberEarlyLeave,
    MemberFlow,
    MemberFlowMonth,
)
