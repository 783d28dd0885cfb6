"""The local charter: versions, signatures and what follows from them.

A version is edited in place while nobody signed it. An edit after a
signature never touches what was signed: it creates the next version (its
``based_on`` the edited one) and voids the earlier, not fully signed
version with its signatures. A version signed by all three parties (the
network's coordinator, a mandated officer of its zone and the municipality)
is never changed: it is in force until a newer version is signed, and
Messaging reads its communication plan.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from charters.models import (
    CharterSignature,
    CharterVersion,
    FoundingStep,
    GovernanceEvent,
    HouseRules,
)
from charters.plan import default_plan, plan_errors, plan_normalised
from charters.selectors.charter import (
    charter_in_force,
    charter_parties_of,
    charter_working,
    house_rules_current,
)
from charters.services.founding import founding_steps_ensure, network_status_follow
from members.models import ConsentRecord
from messaging.services.drafts import message_draft_save
from messaging.services.lifecycle import message_publish
from networks.models import Network, Role, RoleAssignment
from outbox.services.notifications import notification_queue

__all__ = [
    "EDITABLE_FIELDS",
    "charter_defaults",
    "charter_draft_create",
    "charter_edit",
    "charter_sign",
    "charter_signatures_void_for",
    "charter_submit",
    "charter_version_stamp",
    "house_rules_accept",
    "house_rules_publish",
]

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "coordinator_contact",
    "police_contact",
    "municipality_contact",
    "other_partners",
    "sms_budget",
    "signs_cost",
    "other_costs",
    "paid_by",
    "member_fee",
    "communication_plan",
    "communication_notes",
    "house_rules",
)
PARTIES = tuple(CharterSignature.Party.values)


def _holders(role: str, **scope) -> list[str]:
    rows = (
        RoleAssignment.objects.effective()
        .filter(role=role, **scope)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    return [f"{r.user.get_full_name() or r.user.email} <{r.user.email}>" for r in rows]


def charter_defaults(*, network: Network) -> dict:
    """A first draft: today's communication plan, the circular's standard house
    rules and the role holders as contacts, in the network's main language."""
    with translation.override(network.default_language):
        house_rules = render_to_string("charters/standard_house_rules.txt", {"network": network})
        plan = default_plan()
        municipality = [
            network.municipality.name,
            *_holders(Role.MUNICIPAL_STAFF, municipality_id=network.municipality_id),
        ]
        police = [
            str(network.police_zone),
            *_holders(Role.OFFICER, police_zone_id=network.police_zone_id),
        ]
    return {
        "coordinator_contact": "\n".join(_holders(Role.COORDINATOR, network=network)),
        "police_contact": "\n".join(police),
        "municipality_contact": "\n".join(municipality),
        "communication_plan": plan,
        "house_rules": house_rules.strip(),
    }


def _next_number(network: Network) -> int:
    # The network row is locked by the caller, so two drafts never race.
    return (CharterVersion.objects.filter(network=network).aggregate(n=Max("number"))["n"] or 0) + 1


def _copy(version: CharterVersion, *, created_by, changes: dict) -> CharterVersion:
    values = {name: getattr(version, name) for name in EDITABLE_FIELDS}
    values.update(changes)
    return CharterVersion.objects.create(
        network=version.network,
        number=_next_number(version.network),
        based_on=version,
        created_by=created_by,
        **values,
    )


def _clean_fields(fields: dict) -> dict:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not a charter field: {sorted(unknown)}")
    if "communication_plan" in fields:
        plan = plan_normalised(fields["communication_plan"] or {})
        errors = plan_errors(plan)
        if errors:
            raise ValidationError({"communication_plan": list(errors.values())})
        fields["communication_plan"] = plan
    for name in ("house_rules", "coordinator_contact", "police_contact", "municipality_contact"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    return fields


@transaction.atomic
def charter_draft_create(*, network: Network, created_by) -> CharterVersion:
    """Start a new version: a copy of the version in force, else the defaults.

    Refused while another version is being written or signed: edit that one.
    """
    network = Network.objects.select_for_update().get(pk=network.pk)
    if charter_working(network=network) is not None:
        raise ValidationError(_("A version is already being prepared: edit that one."))
    in_force = charter_in_force(network=network)
    if in_force is not None:
        return _copy(in_force, created_by=created_by, changes={})
    version = CharterVersion.objects.create(
        network=network,
        number=_next_number(network),
        created_by=created_by,
        **charter_defaults(network=network),
    )
    logger.info("charter v%s of network %s started", version.number, network.pk)
    return version


@transaction.atomic
def charter_edit(*, version: CharterVersion, edited_by, **fields) -> CharterVersion:
    """Change a charter; returns the version that holds the change.

    - nothing really changed: the version as it is;
    - a draft or submitted version nobody signed yet: changed in place;
    - a version with at least one signature: a new version with the change,
      the edited one void and its signatures voided (logged);
    - the signed version in force: a new draft based on it (the signed one
      stays unchanged and in force until the new one is signed);
    - a void or superseded version: refused.
    """
    fields = _clean_fields(dict(fields))
    Network.objects.select_for_update().get(pk=version.network_id)
    version = CharterVersion.objects.select_for_update().get(pk=version.pk)
    changes = {k: v for k, v in fields.items() if getattr(version, k) != v}
    if not changes:
        return version
    if version.status in (CharterVersion.Status.VOID, CharterVersion.Status.SUPERSEDED):
        raise ValidationError(_("This version is no longer valid: edit the current one."))
    if version.status == CharterVersion.Status.SIGNED:
        if charter_working(network=version.network) is not None:
            raise ValidationError(_("A version is already being prepared: edit that one."))
        return _copy(version, created_by=edited_by, changes=changes)
    signed = version.signatures.filter(voided_at__isnull=True)
    parties = sorted(signed.values_list("party", flat=True))
    if parties:
        now = timezone.now()
        signed.update(voided_at=now)
        version.status = CharterVersion.Status.VOID
        version.save(update_fields=["status", "updated_at"])
        new = _copy(version, created_by=edited_by, changes=changes)
        GovernanceEvent.objects.create(
            network=version.network,
            action=GovernanceEvent.Action.CHARTER_VOIDED,
            actor=edited_by,
            detail=_("Version %(old)s edited after signatures (%(parties)s): version %(new)s.")
            % {
                "old": version.number,
                "new": new.number,
                "parties": ", ".join(str(CharterSignature.Party(p).label) for p in parties),
            },
        )
        return new
    for name, value in changes.items():
        setattr(version, name, value)
    version.save()
    return version


@transaction.atomic
def charter_submit(*, version: CharterVersion, submitted_by) -> CharterVersion:
    """Put a complete draft up for signature and ask the parties to sign."""
    version = CharterVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != CharterVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    errors: dict[str, list[str]] = {}
    required = {
        "coordinator_contact": _("Give the coordinator's contact data."),
        "police_contact": _("Give the police's contact data."),
        "municipality_contact": _("Give the municipality's contact data."),
        "house_rules": _("Write the house rules."),
    }
    for name, message in required.items():
        if not getattr(version, name).strip():
            errors[name] = [message]
    plan = plan_errors(version.communication_plan or {})
    if plan:
        errors["communication_plan"] = list(plan.values())
    if errors:
        raise ValidationError(errors)
    version.status = CharterVersion.Status.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at", "updated_at"])
    GovernanceEvent.objects.create(
        network=version.network,
        action=GovernanceEvent.Action.CHARTER_SUBMITTED,
        actor=submitted_by,
        detail=_("Version %(number)s") % {"number": version.number},
    )
    _ask_parties(version, submitted_by)
    return version


def _ask_parties(version: CharterVersion, submitted_by) -> None:
    network = version.network
    url = settings.PUBLIC_BASE_URL + reverse("charters:detail", args=[network.slug])
    parties = (
        RoleAssignment.objects.effective()
        .filter(
            Q(role=Role.COORDINATOR, network=network)
            | Q(role=Role.OFFICER, police_zone_id=network.police_zone_id)
            | Q(role=Role.MUNICIPAL_STAFF, municipality_id=network.municipality_id)
        )
        .select_related("user")
    )
    users = {r.user for r in parties}
    for user in sorted(users, key=lambda u: u.email):
        if user.pk == submitted_by.pk or not user.is_active:
            continue
        with translation.override(user.preferred_language or network.default_language):
            notification_queue(
                kind="charter_signature_request",
                channel="email",
                to=user.email,
                subject=_("The charter of %(network)s awaits your signature")
                % {"network": network.name},
                body=_(
                    "Version %(number)s of the charter of %(network)s was submitted for "
                    "signature. Read and sign it here: %(url)s"
                )
                % {"number": version.number, "network": network.name, "url": url},
            )


def charter_version_stamp(*, version: CharterVersion) -> str:
    """What identifies the text of a version as a signer saw it: its last
    change. The sign form carries it back, so a signature never lands on
    text changed after the page was shown."""
    return version.updated_at.isoformat() if version.updated_at else ""


@transaction.atomic
def charter_sign(
    *,
    version: CharterVersion,
    user,
    party: str,
    name: str,
    role_title: str,
    seen: str | None = None,
) -> CharterSignature:
    """Sign a submitted version for one party, with the name and role typed in.

    Only the network's coordinator, a mandated officer of its zone and
    municipal staff of its municipality sign, each party once per version and
    each person once. The third signature puts the version in force: the
    previous signed version is superseded, changed house rules are published
    (members are told), the founding step is completed and the network
    becomes active.
    """
    name, role_title = (name or "").strip(), (role_title or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Type your name.")
    if not role_title:
        errors["role_title"] = _("Type the role you sign in, e.g. mayor or alderman.")
    if errors:
        raise ValidationError(errors)
    Network.objects.select_for_update().get(pk=version.network_id)
    version = (
        CharterVersion.objects.select_for_update().select_related("network").get(pk=version.pk)
    )
    network = version.network
    if version.status != CharterVersion.Status.SUBMITTED:
        raise ValidationError(_("Only a version submitted for signature can be signed."))
    if seen is not None and seen != charter_version_stamp(version=version):
        raise ValidationError(
            _("This version was changed after you opened it. Read it again before you sign.")
        )
    if party not in charter_parties_of(user=user, network=network):
        raise ValidationError(
            {"party": _("You cannot sign this charter for %(party)s.")
             % {"party": CharterSignature.Party(party).label if party in PARTIES else party}}
        )  # fmt: skip
    existing = version.signatures.filter(voided_at__isnull=True)
    if existing.filter(party=party).exists():
        raise ValidationError(
            {"party": _("%(party)s already signed this version.")
             % {"party": CharterSignature.Party(party).label}}
        )  # fmt: skip
    if existing.filter(user=user).exists():
        raise ValidationError({"party": _("You already signed this version for another party.")})
    try:
        with transaction.atomic():
            signature = CharterSignature.objects.create(
                version=version,
                party=party,
                user=user,
                name=name[:200],
                role_title=role_title[:200],
            )
    except IntegrityError:
        raise ValidationError(
            {"party": _("%(party)s already signed this version.")
             % {"party": CharterSignature.Party(party).label}}
        ) from None  # fmt: skip
    GovernanceEvent.objects.create(
        network=network,
        action=GovernanceEvent.Action.CHARTER_SIGNED,
        actor=user,
        detail=_("Version %(number)s: %(party)s, %(name)s (%(role)s)")
        % {
            "number": version.number,
            "party": CharterSignature.Party(party).label,
            "name": signature.name,
            "role": signature.role_title,
        },
    )
    if set(existing.values_list("party", flat=True)) >= set(PARTIES):
        _put_in_force(version, user)
    return signature


def charter_signatures_void_for(*, network: Network, user, by, reason: str) -> int:
    """Void ``user``'s coordinator signature on the version being signed, when
    they stop being the coordinator (hand-over, removal): the charter must be
    signed by whoever coordinates the network when it comes into force.
    Returns how many signatures were voided (0 or 1)."""
    now = timezone.now()
    voided = CharterSignature.objects.filter(
        version__network=network,
        version__status=CharterVersion.Status.SUBMITTED,
        party=CharterSignature.Party.COORDINATOR,
        user=user,
        voided_at__isnull=True,
    ).update(voided_at=now)
    if voided:
        GovernanceEvent.objects.create(
            network=network,
            action=GovernanceEvent.Action.CHARTER_VOIDED,
            actor=by,
            subject_user=user,
            detail=reason,
        )
    return voided


def _put_in_force(version: CharterVersion, actor) -> None:
    network = version.network
    now = timezone.now()
    CharterVersion.objects.filter(network=network, status=CharterVersion.Status.SIGNED).exclude(
        pk=version.pk
    ).update(status=CharterVersion.Status.SUPERSEDED, updated_at=now)
    version.status = CharterVersion.Status.SIGNED
    version.signed_at = now
    version.save(update_fields=["status", "signed_at", "updated_at"])
    GovernanceEvent.objects.create(
        network=network,
        action=GovernanceEvent.Action.CHARTER_IN_FORCE,
        actor=actor,
        detail=_("Version %(number)s") % {"number": version.number},
    )
    steps = {s.step: s for s in founding_steps_ensure(network=network)}
    signed_step = steps[FoundingStep.Step.SIGNED]
    if signed_step.done_on is None:
        signed_step.done_on = timezone.localdate()
        signed_step.updated_by = actor
        signed_step.save(update_fields=["done_on", "updated_by", "updated_at"])
    if _house_rules_changed(network, version.house_rules):
        house_rules_publish(
            network=network,
            version=f"charter-v{version.number}",
            text=version.house_rules,
            published_by=actor,
        )
    network_status_follow(network=network, actor=actor)


def _normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _house_rules_changed(network: Network, text: str) -> bool:
    # The standard text is rendered in the network's main language, as the
    # charter's draft was, so an unchanged standard text is not a new version.
    with translation.override(network.default_language):
        current = house_rules_current(network=network)
    return _normalised(current.text) != _normalised(text)


@transaction.atomic
def house_rules_publish(*, network: Network, version: str, text: str, published_by) -> HouseRules:
    """Publish a new version of the house rules and tell the active members.

    The sign-up form shows it at once (``house_rules_current``). Members get
    an information message through Messaging's fan-out (by SMS and email, as
    each member chose) with their personal link, where they read and accept
    the new version (``house_rules_accept``). The message is published in the
    name of the person whose signature put the rules in force: that is who
    decided it, and the platform has no account of its own.
    """
    rules = HouseRules.objects.create(network=network, version=version, text=text)
    GovernanceEvent.objects.create(
        network=network,
        action=GovernanceEvent.Action.HOUSE_RULES,
        actor=published_by,
        detail=version,
    )
    if published_by is not None and network.members.active().exists():
        _tell_members(network, rules, published_by)
    return rules


def _tell_members(network: Network, rules: HouseRules, published_by) -> None:
    texts = {}
    for language in network.languages or ["nl"]:
        with translation.override(language):
            texts[language] = {
                "sms": _(
                    "%(network)s has new house rules. Read and accept them on your personal page:"
                )
                % {"network": network.name},
                "subject": _("New house rules for %(network)s") % {"network": network.name},
                "body": _(
                    "The partners of %(network)s signed a new version of the charter, with new "
                    "house rules (version %(version)s). Please read them and accept them on "
                    "your personal page; the link is below."
                )
                % {"network": network.name, "version": rules.version},
            }
    message = message_draft_save(
        created_by=published_by,
        networks=[network],
        kind="info",
        streets=[],
        by_sms=True,
        by_email=True,
        by_voice=False,
        texts=texts,
    )
    # A notice about the charter itself, signed by all partners: not one of
    # the plan's messages, so the plan's channels for information do not
    # restrict it.
    message_publish(message=message, published_by=published_by, check_plan=False)


@transaction.atomic
def house_rules_accept(*, member, version: str):
    """A member accepts the house rules in force, from their personal page.

    ``version`` is the one the page showed: if the rules changed since, the
    member is asked again rather than recorded as accepting unseen rules.
    """
    current = house_rules_current(network=member.network)
    if version != current.version:
        raise ValidationError(_("The house rules changed in the meantime: read them again."))
    existing = ConsentRecord.objects.filter(
        member=member,
        subject=ConsentRecord.Subject.HOUSE_RULES,
        version=current.version,
        withdrawn_at__isnull=True,
    ).first()
    if existing:
        return existing
    return ConsentRecord.objects.create(
        member=member,
        subject=ConsentRecord.Subject.HOUSE_RULES,
        version=current.version,
        given_at=timezone.now(),
        method=ConsentRecord.Method.PERSONAL_PAGE,
    )
