"""The charter: versions, signatures, voiding, house rules, HTML and PDF."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from charters.models import CharterSignature, CharterVersion, GovernanceEvent, HouseRules
from charters.selectors.charter import charter_in_force, house_rules_current
from charters.services.charter import (
    charter_draft_create,
    charter_edit,
    charter_sign,
    charter_submit,
    house_rules_accept,
)
from members.models import ConsentRecord
from messaging.models import Message
from networks.models import Network
from tests.factories import charter_signed, charter_submitted


def _sign(version, world, role, party, name="Someone", title="Role"):
    return charter_sign(
        version=version, user=world.users[role], party=party, name=name, role_title=title
    )


def test_a_new_draft_is_prefilled_from_the_defaults(world):
    version = charter_draft_create(network=world.network, created_by=world.users["coordinator"])
    assert version.number == 1 and version.status == CharterVersion.Status.DRAFT
    assert world.users["coordinator"].email in version.coordinator_contact
    assert world.users["officer"].email in version.police_contact
    assert world.users["municipal"].email in version.municipality_contact
    assert version.communication_plan["urgent"]["channels"] == ["sms", "voice"]
    assert version.communication_plan["prevention"]["coordinator_may_send"] is True
    assert "112" in version.house_rules or "police" in version.house_rules.lower()
    with pytest.raises(ValidationError):
        charter_draft_create(network=world.network, created_by=world.users["coordinator"])


def test_edit_without_signatures_changes_in_place(world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    same = charter_edit(version=version, edited_by=world.users["coordinator"], paid_by="Gemeente")
    assert same.pk == version.pk and same.paid_by == "Gemeente"
    assert CharterVersion.objects.count() == 1


def test_an_edit_after_a_signature_creates_a_new_version_and_voids_the_signatures(world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    _sign(version, world, "officer", "officer")
    _sign(version, world, "coordinator", "coordinator")
    new = charter_edit(version=version, edited_by=world.users["co_coordinator"], paid_by="Gemeente")
    version.refresh_from_db()
    assert new.pk != version.pk and new.number == 2 and new.based_on_id == version.pk
    assert new.status == CharterVersion.Status.DRAFT and new.paid_by == "Gemeente"
    assert version.status == CharterVersion.Status.VOID and version.paid_by == ""
    assert all(s.voided_at for s in version.signatures.all())
    assert version.signatures.count() == 2
    assert not new.signatures.exists()
    assert GovernanceEvent.objects.filter(action=GovernanceEvent.Action.CHARTER_VOIDED).exists()
    # An edit that changes nothing keeps the signatures.
    charter_submit(version=new, submitted_by=world.users["coordinator"])
    _sign(new, world, "officer", "officer")
    assert charter_edit(version=new, edited_by=world.users["officer"], paid_by="Gemeente") == new
    assert new.signatures.filter(voided_at__isnull=True).count() == 1


def test_a_signed_version_never_changes(world):
    signed = charter_signed(
        world.network,
        coordinator=world.users["coordinator"],
        officer=world.users["officer"],
        municipal=world.users["municipal"],
    )
    assert signed.status == CharterVersion.Status.SIGNED and signed.signed_at
    new = charter_edit(version=signed, edited_by=world.users["officer"], other_costs="Flyers")
    signed.refresh_from_db()
    assert signed.status == CharterVersion.Status.SIGNED and signed.other_costs == ""
    assert new.number == 2 and new.other_costs == "Flyers"
    assert charter_in_force(network=world.network) == signed
    assert signed.signatures.filter(voided_at__isnull=True).count() == 3


@pytest.mark.parametrize(
    ("role", "party"),
    [
        ("co_coordinator", "coordinator"),
        ("steering", "coordinator"),
        ("admin", "officer"),
        ("officer_other", "officer"),
        ("municipal_other", "municipality"),
        ("coordinator_other", "coordinator"),
        ("coordinator", "officer"),
        ("federal", "municipality"),
    ],
)
def test_only_the_three_parties_sign(world, role, party):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    with pytest.raises(ValidationError):
        _sign(version, world, role, party)
    assert not version.signatures.exists()


def test_each_party_signs_once_per_version(world):
    from networks.models import Role
    from tests.factories import user_with_role

    version = charter_submitted(world.network, by=world.users["coordinator"])
    _sign(version, world, "officer", "officer")
    second_officer = user_with_role(Role.OFFICER, scope=world.zone)
    with pytest.raises(ValidationError) as exc:
        charter_sign(
            version=version, user=second_officer, party="officer", name="B", role_title="Inspector"
        )
    assert "already signed" in str(exc.value)
    with pytest.raises(ValidationError):
        _sign(version, world, "officer", "officer")
    assert version.signatures.count() == 1


def test_a_draft_cannot_be_signed_and_name_and_role_are_required(world):
    version = charter_draft_create(network=world.network, created_by=world.users["coordinator"])
    with pytest.raises(ValidationError):
        _sign(version, world, "officer", "officer")
    charter_submit(version=version, submitted_by=world.users["coordinator"])
    with pytest.raises(ValidationError) as exc:
        _sign(version, world, "officer", "officer", name=" ", title="")
    assert set(exc.value.message_dict) == {"name", "role_title"}


def test_three_signatures_put_the_charter_in_force_and_activate_the_network(world):
    Network.objects.filter(pk=world.network.pk).update(status=Network.Status.PREPARING)
    first = charter_signed(
        world.network,
        coordinator=world.users["coordinator"],
        officer=world.users["officer"],
        municipal=world.users["municipal"],
    )
    world.network.refresh_from_db()
    assert world.network.status == Network.Status.ACTIVE
    assert world.network.founding_steps.get(step="signed").done_on is not None
    second = charter_draft_create(network=world.network, created_by=world.users["coordinator"])
    assert second.based_on == first
    charter_submit(version=second, submitted_by=world.users["coordinator"])
    for role, party in (("coordinator", "coordinator"), ("officer", "officer")):
        _sign(second, world, role, party)
    assert charter_in_force(network=world.network) == first
    _sign(second, world, "municipal", "municipality", title="Burgemeester")
    first.refresh_from_db()
    assert first.status == CharterVersion.Status.SUPERSEDED
    assert charter_in_force(network=world.network).pk == second.pk


def test_submit_requires_the_contacts_and_house_rules(world):
    version = charter_draft_create(network=world.network, created_by=world.users["coordinator"])
    version = charter_edit(
        version=version, edited_by=world.users["coordinator"], police_contact="", house_rules=""
    )
    with pytest.raises(ValidationError) as exc:
        charter_submit(version=version, submitted_by=world.users["coordinator"])
    assert {"police_contact", "house_rules"} <= set(exc.value.message_dict)


def test_changed_house_rules_are_published_and_members_asked(world, client):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    version = charter_edit(
        version=version,
        edited_by=world.users["coordinator"],
        house_rules=version.house_rules + "\n9. Honden aan de leiband.",
    )
    _sign(version, world, "coordinator", "coordinator")
    _sign(version, world, "officer", "officer")
    with TestCase.captureOnCommitCallbacks(execute=True):
        _sign(version, world, "municipal", "municipality")
    current = house_rules_current(network=world.network)
    assert current.version == f"charter-v{version.number}" and "leiband" in current.text
    assert HouseRules.objects.filter(network=world.network).count() == 1
    notice = Message.objects.get(kind="info")
    assert notice.status == Message.Status.PUBLISHED and notice.by_sms and notice.by_email
    assert notice.deliveries.filter(member=world.member).exists()
    # The member's page asks; accepting records the version.
    from members.tokens import member_personal_token

    token = member_personal_token(member=world.member)
    page = client.get(reverse("personal:home", args=[token])).content.decode()
    assert "leiband" in page and reverse("personal:house_rules_accept", args=[token]) in page
    response = client.post(
        reverse("personal:house_rules_accept", args=[token]), {"version": current.version}
    )
    assert response.status_code == 302
    consent = ConsentRecord.objects.get(
        member=world.member, subject="house_rules", version=current.version
    )
    assert consent.method == ConsentRecord.Method.PERSONAL_PAGE
    page = client.get(reverse("personal:home", args=[token])).content.decode()
    # The page is in the member's language.
    with translation.override(world.member.language):
        accepted = gettext("You accepted the house rules in force (version %(version)s).") % {
            "version": current.version
        }
    assert accepted in page


def test_accepting_an_outdated_version_is_refused(world):
    with pytest.raises(ValidationError):
        house_rules_accept(member=world.member, version="charter-v0")


def test_unchanged_standard_house_rules_publish_nothing(world):
    charter_signed(
        world.network,
        coordinator=world.users["coordinator"],
        officer=world.users["officer"],
        municipal=world.users["municipal"],
    )
    assert not HouseRules.objects.exists()
    assert not Message.objects.exists()


def test_sign_through_the_pages(client, world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    url = reverse("charters:sign", args=[world.network.slug, version.number])
    client.force_login(world.users["municipal"])
    response = client.post(url, {"party": "municipality", "name": "An Peeters", "role_title": ""})
    assert response.status_code == 200
    assert not CharterSignature.objects.exists()
    response = client.post(
        url,
        {"party": "municipality", "name": "An Peeters", "role_title": "Schepen", "confirm": "on"},
    )
    assert response.status_code == 302
    signature = CharterSignature.objects.get(version=version)
    assert (signature.name, signature.role_title, signature.user) == (
        "An Peeters",
        "Schepen",
        world.users["municipal"],
    )
    page = client.get(reverse("charters:version", args=[world.network.slug, 1])).content.decode()
    assert "An Peeters" in page and "Schepen" in page


def test_edit_page_voids_signatures_and_validates_the_plan(client, world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    _sign(version, world, "officer", "officer")
    client.force_login(world.users["coordinator"])
    url = reverse("charters:edit", args=[world.network.slug, version.number])
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value
    data["urgent_channels"] = []
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Choose at least one channel." in response.content.decode()
    data["urgent_channels"] = ["sms"]
    data["urgent_coordinator"] = "on"
    data.pop("urgent_approves", None)
    response = client.post(url, data)
    assert "only after the mandated officer approves" in response.content.decode()
    data["urgent_approves"] = "on"
    data["paid_by"] = "De gemeente"
    response = client.post(url, data)
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == CharterVersion.Status.VOID
    new = CharterVersion.objects.get(number=2)
    assert new.communication_plan["urgent"] == {
        "channels": ["sms"],
        "coordinator_may_send": True,
        "officer_approves": True,
        "response_time": version.communication_plan["urgent"]["response_time"],
    }


def test_pdf_contains_every_section(client, world):
    from pypdf import PdfReader

    Network.objects.filter(pk=world.network.pk).update(languages=["nl", "en"])
    version = charter_submitted(world.network, by=world.users["coordinator"])
    _sign(version, world, "officer", "officer", name="Kevin Van Hoecke", title="Inspecteur")
    client.force_login(world.users["steering"])
    for language, headings in (
        ("en", ["Parties", "Goals", "Legal framework", "Contact data", "Financing plan",
                "Communication plan", "House rules", "Signatures"]),
        ("nl", None),
    ):  # fmt: skip
        response = client.get(
            reverse("charters:pdf", args=[world.network.slug, version.number]), {"lang": language}
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = " ".join(
            " ".join(
                page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
            ).split()
        )
        assert "Kevin Van Hoecke" in text and "Inspecteur" in text
        assert world.network.name in text
        if headings:
            for heading in headings:
                assert heading in text, heading
            for label in ("Urgent alert", "Feedback", "Prevention tip", "Information"):
                assert label in text, label


def test_pdf_language_is_one_of_the_networks(client, world, settings):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    client.force_login(world.users["officer"])
    response = client.get(
        reverse("charters:pdf", args=[world.network.slug, version.number]), {"lang": "de"}
    )
    assert response.status_code == 200
    assert "charter-oordegem-v1-nl.pdf" in response["Content-Disposition"]


def test_charter_pages_keep_the_strict_csp(client, world):
    version = charter_submitted(world.network, by=world.users["coordinator"])
    client.force_login(world.users["coordinator"])
    for url in (
        reverse("charters:detail", args=[world.network.slug]),
        reverse("charters:version", args=[world.network.slug, version.number]),
        reverse("charters:edit", args=[world.network.slug, version.number]),
        reverse("charters:sign", args=[world.network.slug, version.number]),
        reverse("charters:founding", args=[world.network.slug]),
        reverse("networks:detail", args=[world.network.slug]),
    ):
        html = client.get(url).content.decode()
        assert "style=" not in html and "<style" not in html and "<script>" not in html, url
