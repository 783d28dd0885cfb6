"""Networks, the places they cover, and who holds which role in them."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    BELGIUM = "BE", _("Belgium")
    NETHERLANDS = "NL", _("Netherlands")


# What a resident must call instead of relying on the BIN. The platform is never
# an emergency line, so every public page shows these for the network's country.
EMERGENCY_NUMBERS: dict[str, list[tuple[str, str]]] = {
    Country.BELGIUM: [
        ("112", _("Emergency (when every second counts)")),
        ("101", _("Police, urgent")),
    ],
    Country.NETHERLANDS: [
        ("112", _("Emergency (when every second counts)")),
        ("0900-8844", _("Police, no emergency")),
    ],
}

# How deaf or hard-of-hearing people reach the emergency services without a
# voice call, per country (route, what it is). Named by the app or the page
# that lists the numbers, never by a number we could get wrong: the SMS
# numbers of 112 in Belgium are the ones 112.be publishes.
EMERGENCY_TEXT_ROUTES: dict[str, list[tuple[str, str]]] = {
    Country.BELGIUM: [
        ("112 BE app", _("chat with the emergency services in the app")),
        ("112.be", _("the numbers for an SMS to the emergency services are listed there")),
    ],
    Country.NETHERLANDS: [
        ("112NL app", _("chat with the emergency services in the app")),
    ],
}

LANGUAGE_CODES = ("nl", "fr", "de", "en")


def validate_languages(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one language."))
    unknown = [code for code in value if code not in LANGUAGE_CODES]
    if unknown:
        raise ValidationError(
            _("Unknown language code(s): %(codes)s."),
            params={"codes": ", ".join(map(str, unknown))},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("A language is listed twice."))


class PoliceZone(models.Model):
    """A local police zone (BE) or base team (NL); mandated officers work per zone."""

    name = models.CharField(_("name"), max_length=120)
    number = models.CharField(
        _("zone number"),
        max_length=20,
        unique=True,
        help_text=_("The official number, e.g. 5416 for a Belgian zone."),
    )
    country = models.CharField(
        _("country"), max_length=2, choices=Country.choices, default=Country.BELGIUM
    )
    # A dispatch system may publish alerts through the REST API only where an
    # admin allowed it for the zone; the officer's token still needs its scope.
    api_publishing_allowed = models.BooleanField(
        _("API publishing allowed"),
        default=False,
        help_text=_(
            "Officers' API tokens with the publish scope may publish messages to this "
            "zone's networks (e.g. from a dispatch system)."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("police zone")
        verbose_name_plural = _("police zones")

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=120)
    official_code = models.CharField(
        _("official code"),
        max_length=20,
        unique=True,
        help_text=_("NIS code in Belgium (e.g. 41082), CBS code in the Netherlands (e.g. GM0344)."),
    )
    police_zone = models.ForeignKey(
        PoliceZone,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("police zone"),
    )
    province = models.CharField(_("province"), max_length=80, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


# "BIN Oordegem", "BIN-Z Lede", "RIQ Ath" (French), "NIN Eupen" (German), "PLP
# Namur": the name says what kind of network it is already.
_CARRIES_BIN = re.compile(r"(BIN(-?Z)?|RIQ|NIN|PLP)\b", re.IGNORECASE)


class Network(models.Model):
    class Kind(models.TextChoices):
        BIN = "bin", _("BIN (residents)")
        BINZ = "binz", _("BIN-Z (self-employed and businesses)")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PREPARING = "preparing", _("Preparing")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        DISSOLVED = "dissolved", _("Dissolved")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.BIN)
    country = models.CharField(
        _("country"), max_length=2, choices=Country.choices, default=Country.BELGIUM
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="networks",
        verbose_name=_("municipality"),
    )
    police_zone = models.ForeignKey(
        PoliceZone, on_delete=models.PROTECT, related_name="networks", verbose_name=_("police zone")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    public_description = models.TextField(
        _("public description"),
        blank=True,
        help_text=_("In the network's main language."),
    )
    # The same description in the network's other languages, {"fr": "...", ...}:
    # a visitor reads it in their language (public_description_for).
    public_descriptions = models.JSONField(
        _("public description in other languages"), default=dict, blank=True
    )
    languages = models.JSONField(
        _("languages"),
        default=list,
        validators=[validate_languages],
        help_text=_("Language codes in order of preference; the first is the default."),
    )
    auto_approve = models.BooleanField(
        _("approve verified sign-ups automatically"),
        default=False,
        help_text=_("When off, the coordinator approves each verified sign-up."),
    )
    privacy_mode = models.BooleanField(
        _("privacy mode"),
        default=False,
        help_text=_(
            "Coordinators see names and streets, but phone numbers and email addresses are "
            "masked everywhere; the mandated officer still sees them."
        ),
    )
    area_geojson = models.JSONField(
        _("area polygon (GeoJSON)"),
        null=True,
        blank=True,
        help_text=_("Optional GeoJSON Polygon or MultiPolygon of the area."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("networks:public:network", kwargs={"slug": self.slug})

    @property
    def bin_name(self) -> str:
        """The name as texts to members say it: "BIN Oordegem". Names usually
        carry BIN already ("BIN Oordegem", "BIN-Z Industriezone Lede"); one that
        does not gets it in front, so no text says "BIN BIN Oordegem" (nor, in
        French, "le RIQ BIN Oordegem")."""
        name = self.name.strip()
        return name if _CARRIES_BIN.match(name) else f"BIN {name}"

    def public_description_for(self, language: str) -> str:
        """The public description in ``language``; else in the main language;
        else in any other language it was written in."""
        texts = {
            code: (text or "").strip() for code, text in (self.public_descriptions or {}).items()
        }
        if texts.get(language):
            return texts[language]
        if self.public_description.strip():
            return self.public_description
        return next((texts[code] for code in self.languages or [] if texts.get(code)), "")

    @property
    def emergency_numbers(self) -> list[tuple[str, str]]:
        return EMERGENCY_NUMBERS[self.country]

    @property
    def emergency_text_routes(self) -> list[tuple[str, str]]:
        """For members who cannot phone: the text routes to 112 of the country."""
        return EMERGENCY_TEXT_ROUTES[self.country]

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "nl"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        if (
            self.municipality_id
            and self.police_zone_id
            and self.municipality.police_zone_id != self.police_zone_id
        ):
            errors.setdefault("police_zone", []).append(
                _("The municipality belongs to another police zone.")
            )
        if self.police_zone_id and self.police_zone.country != self.country:
            errors.setdefault("country", []).append(
                _("The network's country must match its police zone's country.")
            )
        if self.area_geojson:
            kind = self.area_geojson.get("type") if isinstance(self.area_geojson, dict) else None
            if kind not in ("Polygon", "MultiPolygon") or "coordinates" not in self.area_geojson:
                errors.setdefault("area_geojson", []).append(
                    _("Give a GeoJSON object of type Polygon or MultiPolygon.")
                )
        if errors:
            raise ValidationError(errors)


class Street(models.Model):
    """One street (or one stretch of it) inside a network's area.

    A street may appear several times with different number ranges, e.g. the
    even side 2-40 and the odd side 1-23.
    """

    class Parity(models.TextChoices):
        ALL = "all", _("All numbers")
        EVEN = "even", _("Even numbers")
        ODD = "odd", _("Odd numbers")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="streets", verbose_name=_("network")
    )
    name = models.CharField(_("street"), max_length=120)
    postcode = models.CharField(
        _("postcode"),
        max_length=10,
        validators=[RegexValidator(r"^[0-9]{4}( ?[A-Z]{2})?$", _("Enter a valid postcode."))],
    )
    number_from = models.PositiveIntegerField(
        _("from number"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    number_to = models.PositiveIntegerField(
        _("to number"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    parity = models.CharField(
        _("numbers"), max_length=4, choices=Parity.choices, default=Parity.ALL
    )
    household_count = models.PositiveIntegerField(
        _("households"),
        null=True,
        blank=True,
        help_text=_(
            "Number of addresses (households or businesses) in this stretch, entered by the "
            "municipality; reports show the share that joined."
        ),
    )

    class Meta:
        ordering = ["name", "number_from"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        indexes = [models.Index(fields=["network", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(number_from__isnull=True)
                | Q(number_to__isnull=True)
                | Q(number_from__lte=models.F("number_to")),
                name="street_range_ordered",
                violation_error_message=_("The first number must not be above the last."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.range_label}".strip() + f", {self.postcode}"

    @property
    def range_label(self) -> str:
        if self.number_from is None and self.number_to is None:
            return ""
        low = self.number_from or 1
        high = self.number_to if self.number_to is not None else "…"
        suffix = {"even": _(" (even)"), "odd": _(" (odd)")}.get(self.parity, "")
        return f"{low}–{high}{suffix}"

    def covers(self, number: int) -> bool:
        if self.number_from is not None and number < self.number_from:
            return False
        if self.number_to is not None and number > self.number_to:
            return False
        if self.parity == self.Parity.EVEN and number % 2:
            return False
        return not (self.parity == self.Parity.ODD and not number % 2)


class Role(models.TextChoices):
    """Every role a staff account can hold. One person may hold several."""

    COORDINATOR = "coordinator", _("Coordinator")
    CO_COORDINATOR = "co_coordinator", _("Co-coordinator")
    STEERING = "steering", _("Steering-committee member")
    OFFICER = "officer", _("Mandated police officer")
    MUNICIPAL_STAFF = "municipal_staff", _("Municipal staff")
    FEDERAL_VIEWER = "federal_viewer", _("Federal viewer (BIN knowledge centre)")
    ADMIN = "admin", _("Platform administrator")


NETWORK_ROLES = frozenset({Role.COORDINATOR, Role.CO_COORDINATOR, Role.STEERING})
ZONE_ROLES = frozenset({Role.OFFICER})
MUNICIPALITY_ROLES = frozenset({Role.MUNICIPAL_STAFF})
NATIONAL_ROLES = frozenset({Role.FEDERAL_VIEWER, Role.ADMIN})
# Roles effective only after the police screening (the circular, seed 003).
SCREENED_ROLES = (Role.COORDINATOR, Role.CO_COORDINATOR)


def role_scope_q() -> Q:
    """The database rule that a role names exactly the scope it needs."""

    def only(scope: str | None) -> Q:
        fields = ("network", "police_zone", "municipality")
        return Q(**{f"{name}__isnull": name != scope for name in fields})

    return (
        (Q(role__in=sorted(NETWORK_ROLES)) & only("network"))
        | (Q(role__in=sorted(ZONE_ROLES)) & only("police_zone"))
        | (Q(role__in=sorted(MUNICIPALITY_ROLES)) & only("municipality"))
        | (Q(role__in=sorted(NATIONAL_ROLES)) & only(None))
    )


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self) -> RoleAssignmentQuerySet:
        return self.filter(revoked_at__isnull=True)

    def effective(self) -> RoleAssignmentQuerySet:
        """Active roles that grant their rights: not awaiting the screening."""
        return self.active().filter(awaiting_screening=False)


class RoleAssignment(models.Model):
    """A role held by a user in one scope: a network, a police zone, a
    municipality, or the whole platform. Revoked rows stay for the audit trail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    network = models.ForeignKey(
        Network,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("network"),
    )
    police_zone = models.ForeignKey(
        PoliceZone,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("police zone"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("municipality"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # The circular: a coordinator "is akkoord met screening in de
    # politiedatabanken". A coordinator or co-coordinator role granted before
    # the mandated officer recorded an accepted screening is held but not
    # effective (no member data, no sending, no charter signature) until then;
    # charters.services.governance.screening_record sets and clears it.
    awaiting_screening = models.BooleanField(_("awaiting screening"), default=False)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["role", "granted_at"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(condition=role_scope_q(), name="role_scope_matches_role"),
            # One active row per (user, role, scope); spelled per scope kind so
            # that SQLite and PostgreSQL both enforce it despite NULL scopes.
            models.UniqueConstraint(
                fields=["user", "role", "network"],
                condition=Q(revoked_at__isnull=True, network__isnull=False),
                name="one_active_network_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "police_zone"],
                condition=Q(revoked_at__isnull=True, police_zone__isnull=False),
                name="one_active_zone_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=Q(revoked_at__isnull=True, municipality__isnull=False),
                name="one_active_municipality_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(revoked_at__isnull=True, role__in=sorted(NATIONAL_ROLES)),
                name="one_active_national_role",
            ),
        ]

    def __str__(self) -> str:
        scope = self.scope
        return f"{self.get_role_display()} – {scope}" if scope else self.get_role_display()

    @property
    def scope(self) -> Network | PoliceZone | Municipality | None:
        return self.network or self.police_zone or self.municipality
