"""The officer writes, previews and publishes a message, then follows it."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from messaging.hooks import communication_plan
from messaging.models import Delivery, Message
from outbox.gateways import locmem
from tests.factories import MemberFactory


@pytest.fixture(autouse=True)
def _empty_outbox():
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


def _form(world, **extra):
    data = {
        "kind": "urgent",
        "networks": [world.network.pk],
        "by_sms": "on",
        "by_email": "on",
        "sms_nl": "Inbrekers actief in de Kerkstraat. Doe het licht aan.",
        "subject_nl": "Dringend: inbraken",
        "body_nl": "De politie vraagt extra waakzaamheid.",
    }
    data.update(extra)
    return data


def test_officer_composes_previews_publishes_and_follows(client, world):
    MemberFactory(network=world.network, language="fr", by_email=False)
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("messaging:new"), _form(world, sms_fr="Fermez portes et fenêtres.")
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.status == Message.Status.DRAFT
    page = client.get(response["Location"])
    preview = page.context["preview"]
    assert preview["per_channel"] == {"sms": 2, "email": 1}
    by_language = {t["language"]: t for t in preview["texts"]}
    assert by_language["fr"]["length"].encoding == "UCS-2"  # "ê" is not GSM-7
    assert by_language["nl"]["length"].encoding == "GSM-7"
    assert preview["cost"] > 0
    assert not Delivery.objects.exists()  # nothing sent before publishing
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("messaging:publish", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    assert len(locmem.outbox) == 2 and len(mail.outbox) == 1
    progress = client.get(reverse("messaging:progress", args=[message.pk])).context["progress"]
    assert progress["percent"] == 100 and progress["finished"]
    history = client.get(reverse("messaging:network", args=[world.network.slug]))
    assert message in history.context["messages_list"]


def test_compose_errors_sit_next_to_the_fields(client, world):
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("messaging:new"),
        _form(world, sms_nl="", subject_nl="", body_nl="", streets="Nergensstraat", by_sms="",
              by_email=""),
    )  # fmt: skip
    errors = response.context["form"].errors
    assert "sms_nl" in errors and "streets" in errors and "by_sms" in errors
    assert not Message.objects.exists()


def test_networks_of_another_zone_are_not_offered(client, world):
    client.force_login(world.users["officer"])
    response = client.post(
        reverse("messaging:new"), _form(world, networks=[world.other_network.pk])
    )
    assert "networks" in response.context["form"].errors


@pytest.mark.parametrize("role", ["coordinator", "officer_other", "municipal", "federal"])
def test_only_the_zones_officer_publishes(client, world, role):
    message = Message.objects.create(
        kind="urgent", texts={"nl": {"sms": "Test"}}, created_by=world.users["officer"]
    )
    message.networks.set([world.network])
    client.force_login(world.users[role])
    response = client.post(reverse("messaging:publish", args=[message.pk]))
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT


def test_dashboard_lists_alerts_without_feedback(client, world):
    alert = Message.objects.create(
        kind="urgent",
        texts={"nl": {"sms": "Verdacht voertuig"}},
        created_by=world.users["officer"],
        status=Message.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=30),
    )
    alert.networks.set([world.network])
    client.force_login(world.users["officer"])
    assert alert in client.get(reverse("accounts:home")).context["unanswered_alerts"]
    feedback = Message.objects.create(
        kind="feedback",
        texts={"nl": {"sms": "Verdachte opgepakt"}},
        created_by=world.users["officer"],
        status=Message.Status.PUBLISHED,
        published_at=timezone.now(),
        follows=alert,
    )
    feedback.networks.set([world.network])
    assert alert not in client.get(reverse("accounts:home")).context["unanswered_alerts"]


@pytest.mark.parametrize("role", ["coordinator", "officer_other", "municipal"])
def test_only_the_zones_officer_updates_or_cancels(client, world, role):
    message = Message.objects.create(
        kind="urgent",
        texts={"nl": {"sms": "Test"}},
        created_by=world.users["officer"],
        status=Message.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    message.networks.set([world.network])
    client.force_login(world.users[role])
    assert client.post(reverse("messaging:update", args=[message.pk])).status_code == 403
    assert client.post(reverse("messaging:cancel", args=[message.pk])).status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED and not message.updates.exists()


def test_officer_updates_and_cancels_from_the_message_page(client, world):
    message = Message.objects.create(
        kind="urgent",
        texts={"nl": {"sms": "Test"}},
        created_by=world.users["officer"],
        status=Message.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    message.networks.set([world.network])
    client.force_login(world.users["officer"])
    response = client.post(reverse("messaging:update", args=[message.pk]))
    update = message.updates.get()
    assert response["Location"] == reverse("messaging:edit", args=[update.pk])
    client.post(reverse("messaging:cancel", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.CANCELLED


def _tip(world, **extra):
    return _form(world, kind="prevention", **extra)


def test_coordinator_writes_a_tip_the_officer_approves(client, world):
    client.force_login(world.users["coordinator"])
    response = client.post(reverse("messaging:new"), _tip(world))
    assert response.status_code == 302
    message = Message.objects.get()
    # The coordinator cannot publish it directly.
    assert client.post(reverse("messaging:publish", args=[message.pk])).status_code == 403
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("messaging:submit", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING_APPROVAL
    assert mail.outbox[-1].to == [world.users["officer"].email]
    # The officer sees it on the dashboard and approves it.
    client.force_login(world.users["officer"])
    assert message in client.get(reverse("accounts:home")).context["awaiting_approval"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("messaging:publish", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    assert message.approved_by == world.users["officer"]
    assert Delivery.objects.filter(message=message).exists()


def test_coordinators_send_only_the_kinds_their_network_allows(client, world):
    client.force_login(world.users["coordinator"])
    response = client.post(reverse("messaging:new"), _form(world, kind="urgent"))
    assert "kind" in response.context["form"].errors
    response = client.post(reverse("messaging:new"), _tip(world, networks=[world.other_network.pk]))
    assert "networks" in response.context["form"].errors
    assert not Message.objects.exists()


def test_officer_returns_a_message_to_its_writer(client, world):
    client.force_login(world.users["coordinator"])
    client.post(reverse("messaging:new"), _tip(world))
    message = Message.objects.get()
    client.post(reverse("messaging:submit", args=[message.pk]))
    client.force_login(world.users["coordinator_other"])
    assert client.post(reverse("messaging:return", args=[message.pk])).status_code == 403
    assert client.get(reverse("messaging:edit", args=[message.pk])).status_code == 403
    client.force_login(world.users["officer"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("messaging:return", args=[message.pk]), {"note": "Korter graag"})
    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT
    assert mail.outbox[-1].to == [world.users["coordinator"].email]
    assert "Korter graag" in mail.outbox[-1].body


@pytest.fixture
def shipped_templates(db):
    """The standard templates as the data migration leaves them. A
    transactional test that ran earlier in the same test process (xdist hands
    out tests in any order) flushed the tables, so they are put back by the
    migration's own function, which is idempotent."""
    from django.apps import apps

    importlib.import_module("messaging.migrations.0006_standard_templates").create(apps, None)
    importlib.import_module("messaging.migrations.0013_template_emergency_placeholders").forwards(
        apps, None
    )
    importlib.import_module(
        "messaging.migrations.0023_s20g_standard_templates"
    ).standard_templates_set(apps, None)


def test_compose_starts_from_a_template(client, world, shipped_templates):
    from messaging.models import MessageTemplate

    standard = MessageTemplate.objects.filter(police_zone__isnull=True)
    assert standard.count() >= 3  # shipped with the platform (data migration)
    own = MessageTemplate.objects.create(
        kind="prevention", title="Fietsdiefstal", police_zone=world.zone,
        texts={"nl": {"sms": "Zet uw fiets altijd op slot."}},
    )  # fmt: skip
    other = MessageTemplate.objects.create(
        kind="prevention", title="Elders", police_zone=world.other_zone, texts={}
    )
    client.force_login(world.users["officer"])
    page = client.get(reverse("messaging:new"))
    offered = list(page.context["templates"])
    assert own in offered and other not in offered and standard.first() in offered
    form = client.get(reverse("messaging:new"), {"template": own.pk}).context["form"]
    assert form.initial["sms_nl"] == "Zet uw fiets altijd op slot."
    assert form.initial["kind"] == "prevention"
    # Another zone's template cannot be loaded by id.
    form = client.get(reverse("messaging:new"), {"template": other.pk}).context["form"]
    assert "sms_nl" not in form.initial


@pytest.mark.parametrize(
    ("country", "police", "not_police"),
    [("BE", "Bel 101 (nood: 112)", "0900-8844"), ("NL", "Bel 0900-8844 (nood: 112)", "101")],
)
def test_the_urgent_template_names_the_emergency_numbers_of_the_zone_country(
    client, world, shipped_templates, country, police, not_police
):
    from messaging.models import MessageTemplate
    from networks.models import PoliceZone

    PoliceZone.objects.filter(pk=world.zone.pk).update(country=country)
    urgent = MessageTemplate.objects.get(
        title="Burglars active / Cambrioleurs actifs", police_zone__isnull=True
    )
    assert "{police}" in urgent.texts["nl"]["sms"]  # stored with placeholders
    client.force_login(world.users["officer"])
    form = client.get(reverse("messaging:new"), {"template": urgent.pk}).context["form"]
    assert police in form.initial["sms_nl"]
    assert not_police not in form.initial["sms_nl"] + form.initial["body_nl"]
    assert "{police}" not in form.initial["body_fr"]
    assert "{emergency}" not in form.initial["body_fr"]


def test_message_page_shows_its_replies(client, world):
    from messaging.models import Reply

    message = Message.objects.create(
        kind="urgent", texts={"nl": {"sms": "Test"}}, created_by=world.users["officer"],
        status=Message.Status.PUBLISHED, published_at=timezone.now(),
    )  # fmt: skip
    message.networks.set([world.network])
    Reply.objects.create(
        message=message, network=world.network, member=world.member, channel="sms",
        from_address="+32470000009", body="Gele Polo gezien aan de kerk",
    )  # fmt: skip
    client.force_login(world.users["officer"])
    page = client.get(reverse("messaging:detail", args=[message.pk])).content.decode()
    assert "Gele Polo gezien aan de kerk" in page


def test_without_approval_in_the_plan_a_coordinator_publishes_directly(client, world, monkeypatch):
    from messaging.selectors import policy

    monkeypatch.setattr(
        policy,
        "communication_policy",
        lambda network: policy.CommunicationPolicy(
            coordinator_kinds=("prevention", "info"), needs_approval=False
        ),
    )
    client.force_login(world.users["coordinator"])
    client.post(reverse("messaging:new"), _tip(world))
    message = Message.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("messaging:publish", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED


def test_multi_network_message_shows_each_viewer_only_their_networks(client, world):
    from messaging.models import Reply

    message = Message.objects.create(
        kind="urgent", texts={"nl": {"sms": "Test"}}, created_by=world.users["admin"],
        status=Message.Status.PUBLISHED, published_at=timezone.now(),
    )  # fmt: skip
    message.networks.set([world.network, world.other_network])
    Reply.objects.create(
        message=message, network=world.network, member=world.member, channel="sms",
        from_address="+32470000009", body="Antwoord uit Oordegem",
    )  # fmt: skip
    Delivery.objects.create(
        message=message, member=world.member, channel="sms", to="+32470000009",
        language="nl", status="failed", error_code="21211",
        error="The 'To' number +32470000009 is not a valid phone number.",
    )  # fmt: skip
    client.force_login(world.users["coordinator_other"])
    page = client.get(reverse("messaging:detail", args=[message.pk])).content.decode()
    assert "Antwoord uit Oordegem" not in page and "+32470000009" not in page
    world.network.privacy_mode = True
    world.network.save()
    client.force_login(world.users["coordinator"])
    page = client.get(reverse("messaging:detail", args=[message.pk])).content.decode()
    assert "Antwoord uit Oordegem" in page and "+32470000009" not in page and "21211" in page


def test_a_bad_template_parameter_is_ignored(client, world):
    client.force_login(world.users["officer"])
    assert client.get(reverse("messaging:new"), {"template": "abc"}).status_code == 200


def test_approval_emails_speak_the_recipients_language(world):
    from django.utils import translation

    from messaging.services.drafts import message_draft_save, message_return, message_submit
    from networks.models import Role
    from outbox.models import Notification
    from tests.factories import user_with_role

    officer = world.users["officer"]
    officer.preferred_language = "fr"
    officer.save(update_fields=["preferred_language"])
    colleague = user_with_role(Role.OFFICER, scope=world.zone, preferred_language="nl")
    coordinator = world.users["coordinator"]
    coordinator.preferred_language = "nl"
    coordinator.save(update_fields=["preferred_language"])
    draft = message_draft_save(
        created_by=coordinator, networks=[world.network], kind=Message.Kind.PREVENTION,
        by_email=True, by_sms=False, texts={"nl": {"subject": "Tip", "body": "Sluit af"}},
    )  # fmt: skip

    with translation.override("en"):  # whoever clicks works in English
        message_submit(message=draft, submitted_by=coordinator)
    asked = dict(
        Notification.objects.filter(kind="message_approval_request").values_list("to", "subject")
    )
    assert asked == {
        officer.email: "Un message attend votre approbation",
        colleague.email: "Een bericht wacht op uw goedkeuring",
    }

    with translation.override("fr"):
        message_return(message=draft, returned_by=officer)
    returned = Notification.objects.get(kind="message_returned")
    assert (returned.to, returned.subject) == (
        coordinator.email,
        "Uw bericht is nog niet goedgekeurd",
    )


def test_charters_provides_the_communication_plan():
    # Messaging reads the plan through its hook; the charters app fills it.
    assert communication_plan.provided


def test_an_email_only_preview_shows_no_sms_figures(client, world):
    client.force_login(world.users["officer"])
    response = client.post(reverse("messaging:new"), _form(world, by_sms=""))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["preview"]["per_channel"] == {"email": 1}
    assert "segment" not in html and "€" not in html
    assert "Inbrekers actief" not in html.split("Dringend: inbraken")[0].split("Preview")[-1]
    assert "Dringend: inbraken" in html
    # With SMS, the figures are there.
    sms = client.post(reverse("messaging:new"), _form(world, by_email=""))
    assert "segments in all" in client.get(sms["Location"]).content.decode()
