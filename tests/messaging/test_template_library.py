"""Issue 14, item 7: message templates are a library officers keep for their
zone in the app; placeholders are checked and filled in the preview; the
standard set covers the four kinds in four languages, in GSM-7."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from messaging.models import Message, MessageTemplate
from messaging.selectors.templates import (
    template_fill,
    template_library,
    template_placeholders_unknown,
)
from messaging.services.templates import message_template_delete, message_template_save
from networks.models import PoliceZone
from outbox.sms import sms_length

STANDARD = importlib.import_module("messaging.migrations.0023_s20g_standard_templates")


@pytest.fixture
def standard_set(db):
    """The standard set as the data migration leaves it (a transactional test
    that ran before may have flushed the table)."""
    STANDARD.standard_templates_set(apps, None)
    return MessageTemplate.objects.filter(police_zone__isnull=True)


def _texts(**parts):
    return {"nl": {"sms": "Tip voor {network}: fiets op slot.", **parts}}


def _post(world, **extra):
    data = {
        "police_zone": world.zone.pk,
        "kind": "prevention",
        "title": "Fietsdiefstal",
        "sms_nl": "BIN {network}: zet uw fiets op slot in {street}.",
        "subject_nl": "Preventietip: fietsdiefstal",
        "body_nl": "Bij nood: {emergency}.",
    }
    data.update(extra)
    return data


def test_the_standard_set_covers_four_kinds_in_four_languages(standard_set):
    STANDARD.standard_templates_set(apps, None)  # idempotent: running again adds nothing
    assert standard_set.count() == len(STANDARD.STANDARD_TEMPLATES)
    assert set(standard_set.values_list("kind", flat=True)) == set(Message.Kind.values)
    for template in standard_set:
        assert set(template.texts) == {"nl", "fr", "de", "en"}, template.title
        for code, parts in template.texts.items():
            assert all(parts[p] for p in ("sms", "subject", "body")), (template.title, code)
            for text in parts.values():
                assert template_placeholders_unknown(text=text) == [], (template.title, code)


def test_every_standard_sms_is_gsm7_and_keeps_its_accents(standard_set):
    """GSM-7 holds é, è, à, ä, ö, ü, ß: they stay; only characters outside it
    (ê, ç, ...) are avoided, so every SMS is 160 characters a segment."""
    for template in standard_set:
        for code, parts in template.texts.items():
            filled = template_fill(
                text=parts["sms"],
                values={"network": "Oordegem", "street": "Kerkstraat", "time": "21:30",
                        "vehicle": "VW Polo", "police": "0900-8844", "emergency": "112"},
            )  # fmt: skip
            assert sms_length(filled).encoding == "GSM-7", (template.title, code)
    texts = {t.title: t.texts for t in standard_set}
    assert "téléphone" in texts["Phone fraud / Fraude téléphonique"]["fr"]["sms"]
    assert "à votre maison un air habité" in texts["Holiday / Vacances"]["fr"]["sms"]
    assert "schließen" in texts["Burglars active / Cambrioleurs actifs"]["de"]["sms"]


def test_officer_creates_previews_edits_and_deletes_a_zone_template(client, world, standard_set):
    officer = world.users["officer"]
    client.force_login(officer)
    url = reverse("messaging:template_new")
    # The preview fills the placeholders with the zone's country's numbers.
    PoliceZone.objects.filter(pk=world.zone.pk).update(country="NL")
    response = client.post(url, _post(world, preview="1", preview_street="Dorpsstraat"))
    assert response.status_code == 200 and not MessageTemplate.objects.filter(title="Fietsdiefstal")
    (nl,) = response.context["preview"]
    assert nl["texts"]["sms"] == "BIN Oordegem: zet uw fiets op slot in Dorpsstraat."
    assert nl["texts"]["body"] == "Bij nood: 112." and nl["length"].encoding == "GSM-7"

    response = client.post(url, _post(world))
    assert response.status_code == 302
    template = MessageTemplate.objects.get(title="Fietsdiefstal")
    assert template.police_zone == world.zone
    assert template.texts["nl"]["sms"] == "BIN {network}: zet uw fiets op slot in {street}."
    listing = client.get(reverse("messaging:templates"))
    assert template in listing.context["own"]

    edit = reverse("messaging:template_edit", args=[template.pk])
    assert (
        client.post(edit, _post(world, title="Fietsen", sms_fr="Vélo: {street}.")).status_code
        == 302
    )
    template.refresh_from_db()
    assert template.title == "Fietsen" and template.texts["fr"]["sms"] == "Vélo: {street}."

    delete = reverse("messaging:template_delete", args=[template.pk])
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not MessageTemplate.objects.filter(pk=template.pk).exists()


def test_an_unknown_placeholder_is_a_clear_field_error(client, world):
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("messaging:template_new"), _post(world, sms_nl="Let op in {straat}.", body_de="{}")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Unknown placeholder {straat}" in errors["sms_nl"][0]
    assert "{street}" in errors["sms_nl"][0]
    assert "body_de" in errors and "sms_de" in errors  # a German body needs its SMS text
    assert not MessageTemplate.objects.filter(title="Fietsdiefstal").exists()
    with pytest.raises(ValidationError) as exc:
        message_template_save(
            saved_by=world.users["officer"], police_zone=world.zone, kind="info", title="X",
            texts={"fr": {"sms": "{rue}"}},
        )  # fmt: skip
    assert "sms_fr" in exc.value.message_dict


def test_a_zone_version_replaces_the_standard_template_for_that_zone(client, world, standard_set):
    holiday = standard_set.get(title="Holiday / Vacances")
    officer = world.users["officer"]
    client.force_login(officer)
    page = client.get(reverse("messaging:template_new"), {"overrides": holiday.pk})
    assert page.context["form"].initial["sms_de"] == holiday.texts["de"]["sms"]
    response = client.post(
        reverse("messaging:template_new"),
        _post(world, title="Vakantie (Lede)", overrides=holiday.pk),
    )
    assert response.status_code == 302
    own = MessageTemplate.objects.get(title="Vakantie (Lede)")
    assert own.overrides == holiday
    offered = list(template_library(user=officer))
    assert own in offered and holiday not in offered
    # Another zone still gets the standard one.
    assert holiday in list(template_library(user=world.users["officer_other"]))
    compose = client.get(reverse("messaging:new"))
    assert own in compose.context["templates"] and holiday not in compose.context["templates"]
    # A second version of the same standard template is refused.
    response = client.post(
        reverse("messaging:template_new"), _post(world, title="Nog een", overrides=holiday.pk)
    )
    assert "overrides" in response.context["form"].errors
    # Deleting the zone's version brings the standard one back.
    message_template_delete(template=own, deleted_by=officer)
    assert holiday in list(template_library(user=officer))


def test_templates_of_another_zone_are_refused(client, world):
    theirs = MessageTemplate.objects.create(
        kind="info", title="Aalst", police_zone=world.other_zone, texts={"nl": {"sms": "Info"}}
    )
    officer = world.users["officer"]
    client.force_login(officer)
    for name in ("messaging:template_edit", "messaging:template_delete"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 403
        assert client.post(reverse(name, args=[theirs.pk]), _post(world)).status_code == 403
    # Creating one for another zone: the zone is not offered.
    response = client.post(
        reverse("messaging:template_new"), _post(world, police_zone=world.other_zone.pk)
    )
    assert "police_zone" in response.context["form"].errors
    assert theirs not in client.get(reverse("messaging:templates")).context["own"]
    with pytest.raises(PermissionDenied):
        message_template_save(
            saved_by=officer, police_zone=world.other_zone, kind="info", title="X",
            texts={"nl": {"sms": "x"}},
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        message_template_delete(template=theirs, deleted_by=officer)
    # Coordinators and municipal staff use templates but do not manage them.
    for role in ("coordinator", "municipal"):
        client.force_login(world.users[role])
        assert client.get(reverse("messaging:templates")).status_code == 403


def test_compose_from_a_template_fills_what_it_can_and_asks_for_the_rest(
    client, world, standard_set
):
    """{police}, {emergency} and (writing for one network) {network} are
    filled; {street} and {time} must be filled in before saving."""
    burglars = standard_set.get(title="Burglars active / Cambrioleurs actifs")
    client.force_login(world.users["coordinator"])
    form = client.get(reverse("messaging:new"), {"template": burglars.pk}).context["form"]
    assert form.initial["sms_nl"].startswith(
        "BIN Oordegem: inbrekers actief rond {street} ({time})"
    )
    assert "Bel 101 (nood: 112)" in form.initial["sms_nl"]
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("messaging:new"),
        {"kind": "urgent", "networks": [world.network.pk], "by_sms": "on",
         "sms_nl": form.initial["sms_nl"]},
    )  # fmt: skip
    assert "Fill in {street}, {time} before saving." in response.context["form"].errors["sms_nl"]
    assert not Message.objects.exists()
