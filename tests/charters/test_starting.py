"""Starting a BIN: the public request to the zone's officers, the interest list
of a network being founded, the info evening's invitation to the list, the
retention beat, and the flyer and letter PDFs with their QR code."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from charters.models import FoundingStep, InterestEntry, Meeting, StartRequest
from charters.selectors.starting import network_join_url
from charters.services.founding import network_status_follow
from charters.services.interest import (
    StartingRateLimited,
    interest_confirm,
    interest_retention,
    interest_submit,
    meeting_interest_invite,
)
from charters.services.start_requests import (
    start_request_confirm,
    start_request_decline,
    start_request_open,
    start_request_submit,
)
from charters.tasks import interest_retention_task
from networks.models import Network, Role
from outbox.models import Notification
from tests.factories import NetworkFactory, user_with_role


@pytest.fixture
def spoken(monkeypatch) -> dict[tuple[str, str], str]:
    """(kind, to) → the language active when each outbox notification was
    written: the texts are translated at merge time, the choice of language
    is what these tests check."""
    from django.utils import translation

    from charters.services import interest, start_requests

    seen: dict[tuple[str, str], str] = {}
    real = interest.notification_queue

    def recording(**kwargs):
        seen[(kwargs["kind"], kwargs["to"])] = translation.get_language()
        return real(**kwargs)

    monkeypatch.setattr(interest, "notification_queue", recording)
    monkeypatch.setattr(start_requests, "notification_queue", recording)
    return seen


def _secret(notification: Notification) -> str:
    """The token in the confirmation link of an email."""
    return re.search(r"/confirm/([^/\s]+)/", notification.body)[1]


def _request(world, **extra):
    values = {
        "municipality": world.municipality, "name": "An Peeters", "email": "an@example.org",
        "phone": "", "street": "Kerkstraat", "neighbourhood": "Kerkstraat en Molenweg",
        "motivation": "Inbraken in de buurt", "language": "nl", "ip": "10.0.0.1",
    }  # fmt: skip
    return start_request_submit(**(values | extra))


def _confirmed_request(world) -> StartRequest:
    _request(world)
    link = Notification.objects.get(kind="start_request_link")
    return start_request_confirm(token=_secret(link))


@pytest.fixture
def proposed(world) -> Network:
    return NetworkFactory(
        name="BIN Kerkwijk", slug="kerkwijk", municipality=world.municipality, status="proposed"
    )


def _entry(network, email="jan@example.org", language="fr") -> InterestEntry:
    interest_submit(
        network=network, name="Jan", street="Kerkstraat", email=email, language=language,
        ip="10.0.0.2",
    )  # fmt: skip
    link = Notification.objects.filter(kind="interest_email_link", to=email).latest("pk")
    return interest_confirm(network=network, token=_secret(link))


# --- requests to start a BIN ---------------------------------------------------------------


def test_a_request_reaches_the_zones_officers_only_once_confirmed(world, spoken):
    world.users["officer"].preferred_language = "fr"
    world.users["officer"].save()
    _request(world, email=" An@Example.org ")
    start = StartRequest.objects.get()
    assert start.status == "unverified" and start.email == "an@example.org"
    assert not Notification.objects.filter(kind="start_request_new").exists()
    link = Notification.objects.get(kind="start_request_link")
    assert link.sensitive and link.to == "an@example.org"
    start = start_request_confirm(token=_secret(link))
    assert start.status == "new" and start.email_verified_at
    sent = Notification.objects.filter(kind="start_request_new")
    assert [n.to for n in sent] == [world.users["officer"].email]  # not the other zone's
    assert spoken[("start_request_new", sent[0].to)] == "fr"  # the officer's language
    assert spoken[("start_request_link", "an@example.org")] == "nl"  # the requester's
    # A second click changes nothing and sends nothing.
    start_request_confirm(token=_secret(link))
    assert Notification.objects.filter(kind="start_request_new").count() == 1


def test_an_officer_without_a_language_reads_the_requesters(world, spoken):
    world.users["officer"].preferred_language = ""
    world.users["officer"].save()
    _request(world, language="fr")
    start_request_confirm(token=_secret(Notification.objects.get(kind="start_request_link")))
    assert spoken[("start_request_new", world.users["officer"].email)] == "fr"


def test_a_zone_without_officer_goes_to_the_admins(world):
    from networks.models import RoleAssignment

    RoleAssignment.objects.filter(role=Role.OFFICER, police_zone=world.zone).delete()
    _confirmed_request(world)
    sent = Notification.objects.filter(kind="start_request_new")
    assert [n.to for n in sent] == [world.users["admin"].email]


def test_an_expired_or_wrong_link_is_refused(world):
    _request(world)
    token = _secret(Notification.objects.get(kind="start_request_link"))
    with pytest.raises(ValidationError):
        start_request_confirm(token="nonsense")
    StartRequest.objects.update(created_at=timezone.now() - timedelta(days=3))
    with pytest.raises(ValidationError):
        start_request_confirm(token=token)


def test_the_officer_opens_a_proposed_network(world):
    start = _confirmed_request(world)
    network = start_request_open(
        request=start, by=world.users["officer"], name="BIN Kerkwijk", kind="bin",
        languages=["nl", "fr"],
    )  # fmt: skip
    assert network.status == "proposed" and network.municipality == world.municipality
    assert network.police_zone == world.zone and network.languages == ["nl", "fr"]
    assert network.slug == "bin-kerkwijk"
    steps = FoundingStep.objects.filter(network=network).order_by("position")
    assert steps.count() == len(FoundingStep.Step.choices)
    assert "Kerkstraat en Molenweg" in steps[0].notes and steps[0].done_on is None
    start.refresh_from_db()
    assert start.status == "opened" and start.network == network
    told = Notification.objects.get(kind="start_request_opened")
    assert told.to == "an@example.org" and "/networks/bin-kerkwijk/interest/" in told.body
    with pytest.raises(ValidationError):  # answered once
        start_request_decline(request=start, by=world.users["officer"], reason="x")


@pytest.mark.parametrize("role", ["officer_other", "coordinator", "municipal", "federal"])
def test_only_the_zones_officer_or_an_admin_decides(world, role):
    start = _confirmed_request(world)
    with pytest.raises(PermissionDenied):
        start_request_open(request=start, by=world.users[role], name="X", kind="bin",
                           languages=["nl"])  # fmt: skip
    with pytest.raises(PermissionDenied):
        start_request_decline(request=start, by=world.users[role], reason="Nee")


def test_a_declined_request_tells_the_requester_why(world):
    start = _confirmed_request(world)
    with pytest.raises(ValidationError):
        start_request_decline(request=start, by=world.users["admin"], reason="  ")
    start_request_decline(request=start, by=world.users["admin"], reason="Er is al een BIN.")
    start.refresh_from_db()
    assert start.status == "declined" and start.decided_by == world.users["admin"]
    told = Notification.objects.get(kind="start_request_declined")
    assert "Er is al een BIN." in told.body and told.to == "an@example.org"


# --- spam protection -------------------------------------------------------------------


def test_request_honeypot_stores_and_sends_nothing(client, world):
    response = client.post(
        reverse("starting:request"),
        {
            "municipality": world.municipality.pk, "name": "Bot", "email": "bot@example.org",
            "street": "X", "neighbourhood": "X", "motivation": "X", "accept_privacy": "on",
            "website": "http://spam.example",
        },
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("starting:request_sent")
    assert not StartRequest.objects.exists() and not Notification.objects.exists()


def test_request_rate_limits(client, world, settings):
    settings.STARTING_RATE_LIMITS = {"request_ip": (2, 3600)}
    data = {
        "municipality": world.municipality.pk, "name": "An", "street": "Kerkstraat",
        "neighbourhood": "Wijk", "motivation": "Veiligheid", "accept_privacy": "on",
    }  # fmt: skip
    for n in range(2):
        response = client.post(reverse("starting:request"), data | {"email": f"a{n}@example.org"})
        assert response.status_code == 302
    response = client.post(reverse("starting:request"), data | {"email": "a9@example.org"})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert StartRequest.objects.count() == 2


def test_request_limit_per_email(world):
    for _n in range(3):
        _request(world, ip="10.0.0.1")
    with pytest.raises(StartingRateLimited):
        _request(world, ip="10.9.9.9")


def test_request_form_errors_are_shown_next_to_the_fields(client, world):
    response = client.post(
        reverse("starting:request"),
        {"municipality": "", "name": "", "email": "no", "phone": "12", "accept_privacy": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in body and "accept the privacy note" in body
    assert not StartRequest.objects.exists()


def test_interest_honeypot_and_known_address(world, proposed):
    interest_submit(network=proposed, name="Bot", street="X", email="bot@example.org",
                    language="nl", ip="1.1.1.1", suspected_bot=True)  # fmt: skip
    assert not InterestEntry.objects.exists() and not Notification.objects.exists()
    _entry(proposed, email="jan@example.org")
    outcome = interest_submit(network=proposed, name="Jan", street="X", email="JAN@example.org",
                              language="nl", ip="1.1.1.1")  # fmt: skip
    assert outcome.email_hint == "j…@example.org"
    assert InterestEntry.objects.count() == 1
    assert Notification.objects.filter(kind="interest_known").count() == 1


def test_interest_rate_limit_per_email(world, proposed, settings):
    settings.STARTING_RATE_LIMITS = {"interest_email": (1, 86400)}
    interest_submit(network=proposed, name="Jan", street="X", email="j@example.org",
                    language="nl", ip="1.1.1.1")  # fmt: skip
    with pytest.raises(StartingRateLimited):
        interest_submit(network=proposed, name="Jan", street="X", email="j@example.org",
                        language="nl", ip="2.2.2.2")  # fmt: skip


# --- the interest list -----------------------------------------------------------------------


def test_interest_list_only_for_networks_being_founded(world, proposed, spoken):
    with pytest.raises(ValidationError):
        interest_submit(network=world.network, name="Jan", street="X", email="j@example.org",
                        language="nl", ip="1.1.1.1")  # fmt: skip
    entry = _entry(proposed)
    assert entry.email_verified_at is not None and entry.language == "fr"
    link = Notification.objects.get(kind="interest_email_link")
    assert link.sensitive and spoken[("interest_email_link", "jan@example.org")] == "fr"


def test_interest_page_has_a_privacy_note_and_founded_networks_send_to_join(
    client, world, proposed
):
    body = client.get(reverse("starting:interest", args=[proposed.slug])).content.decode()
    assert 'id="privacy-note"' in body and "365 days" in body
    body = client.get(reverse("starting:interest", args=[world.network.slug])).content.decode()
    assert reverse("members:signup:join", args=[world.network.slug]) in body
    assert 'id="privacy-note"' not in body


def test_interest_confirm_takes_a_click(client, world, proposed):
    interest_submit(network=proposed, name="Jan", street="X", email="j@example.org",
                    language="nl", ip="1.1.1.1")  # fmt: skip
    token = _secret(Notification.objects.get(kind="interest_email_link"))
    url = reverse("starting:interest_confirm", args=[proposed.slug, token])
    assert client.get(url).status_code == 200
    assert InterestEntry.objects.get().email_verified_at is None
    assert client.post(url).status_code == 200
    assert InterestEntry.objects.get().email_verified_at is not None
    bad = reverse("starting:interest_confirm", args=[proposed.slug, "x" * 32])
    assert client.get(bad).status_code == 400


def test_founding_hands_the_list_over_and_erases_it(world, proposed, monkeypatch, spoken):
    _entry(proposed, email="a@example.org", language="de")
    interest_submit(
        network=proposed, name="B", street="X", email="b@example.org", language="nl", ip="1.1.1.1"
    )  # fmt: skip  (never confirmed)
    monkeypatch.setattr("charters.services.founding.charter_in_force", lambda *, network: object())
    network_status_follow(network=proposed)
    proposed.refresh_from_db()
    assert proposed.status == "active"
    assert not InterestEntry.objects.filter(network=proposed).exists()
    invited = Notification.objects.filter(kind="interest_join_invitation")
    assert [n.to for n in invited] == ["a@example.org"]
    assert "/networks/kerkwijk/join/" in invited[0].body
    assert spoken[("interest_join_invitation", "a@example.org")] == "de"


# --- retention (the beat task, with a frozen clock) -------------------------------------


def test_interest_retention_task_erases_after_a_year(world, proposed, settings):
    settings.INTEREST_RETENTION_DAYS = 365
    _entry(proposed, email="old@example.org")
    _entry(proposed, email="new@example.org")
    InterestEntry.objects.filter(email="old@example.org").update(
        created_at=timezone.now() - timedelta(days=300)
    )
    frozen = timezone.now() + timedelta(days=70)  # old: 370 days, new: 70 days
    with mock.patch("django.utils.timezone.now", return_value=frozen):
        interest_retention_task()
    assert list(InterestEntry.objects.values_list("email", flat=True)) == ["new@example.org"]


def test_retention_erases_unconfirmed_and_hands_over_founded(world, proposed):
    interest_submit(network=proposed, name="B", street="X", email="b@example.org",
                    language="nl", ip="1.1.1.1")  # fmt: skip
    _request(world)
    later = timezone.now() + timedelta(hours=49)
    counts = interest_retention(now=later)
    assert counts["unconfirmed"] == 2
    assert not InterestEntry.objects.exists() and not StartRequest.objects.exists()
    _entry(proposed, email="c@example.org")
    Network.objects.filter(pk=proposed.pk).update(status="active")  # set by hand
    assert interest_retention()["handed_over"] == 1
    assert not InterestEntry.objects.exists()


def test_retention_erases_decided_requests_after_a_year(world):
    start = _confirmed_request(world)
    start_request_decline(request=start, by=world.users["officer"], reason="Nee")
    assert interest_retention(now=timezone.now() + timedelta(days=300))["requests"] == 0
    assert interest_retention(now=timezone.now() + timedelta(days=366))["requests"] == 1
    assert not StartRequest.objects.exists()


def test_retention_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "charters.tasks.interest_retention_task" in tasks


# --- the information evening -------------------------------------------------------------


def _evening(network, **extra) -> Meeting:
    values = {"kind": "info_evening", "starts_at": timezone.now() + timedelta(days=10),
              "place": "Zaal Familia", "agenda": "Voorstelling BIN"}  # fmt: skip
    return Meeting.objects.create(network=network, **(values | extra))


def test_info_evening_invites_the_interest_list_in_each_language(world, proposed, spoken):
    officer = user_with_role(Role.OFFICER, scope=world.zone)
    _entry(proposed, email="fr@example.org", language="fr")
    _entry(proposed, email="nl@example.org", language="nl")
    meeting = _evening(proposed)
    invitation = meeting_interest_invite(meeting=meeting, by=officer)
    assert invitation.recipients == 2
    sent = {n.to: n for n in Notification.objects.filter(kind="interest_meeting_invitation")}
    assert "Zaal Familia" in sent["fr@example.org"].body
    assert spoken[("interest_meeting_invitation", "fr@example.org")] == "fr"
    assert spoken[("interest_meeting_invitation", "nl@example.org")] == "nl"
    # A second sending reaches only those confirmed since.
    with pytest.raises(ValidationError):
        meeting_interest_invite(meeting=meeting, by=officer)
    _entry(proposed, email="late@example.org", language="nl")
    assert meeting_interest_invite(meeting=meeting, by=officer).recipients == 1
    assert Notification.objects.filter(kind="interest_meeting_invitation").count() == 3


def test_info_evening_invitation_rules(world, proposed):
    _entry(proposed)
    with pytest.raises(PermissionDenied):
        meeting_interest_invite(meeting=_evening(proposed), by=world.users["officer_other"])
    with pytest.raises(ValidationError):
        meeting_interest_invite(meeting=_evening(proposed, kind="steering"),
                                by=world.users["admin"])  # fmt: skip
    with pytest.raises(ValidationError):
        meeting_interest_invite(
            meeting=_evening(proposed, starts_at=timezone.now() - timedelta(days=1)),
            by=world.users["admin"],
        )


def test_meeting_page_offers_the_interest_list(client, world, proposed):
    _entry(proposed)
    meeting = _evening(proposed)
    client.force_login(world.users["officer"])
    url = reverse("charters:governance:meeting_detail", args=[proposed.slug, meeting.pk])
    body = client.get(url).content.decode()
    assert 'id="interest-invitation"' in body
    # Members' invitations go to active networks only: not offered here.
    assert "Invite the members" not in body
    response = client.post(
        reverse("starting:meeting_invite_interest", args=[proposed.slug, meeting.pk])
    )
    assert response.status_code == 302
    assert Notification.objects.filter(kind="interest_meeting_invitation").count() == 1


# --- views per role --------------------------------------------------------------------------


def test_officers_see_their_zones_requests_only(client, world):
    start = _confirmed_request(world)
    _request(world, email="x@example.org")  # unconfirmed: nobody sees it
    client.force_login(world.users["officer"])
    body = client.get(reverse("starting:requests")).content.decode()
    assert "Kerkstraat" in body
    assert body.count(reverse("starting:request_detail", args=[start.pk])) == 1
    assert len(re.findall(r"/manage/start-requests/\d+/", body)) == 1
    assert client.get(reverse("starting:request_detail", args=[start.pk])).status_code == 200
    client.force_login(world.users["officer_other"])
    assert "Kerkstraat" not in client.get(reverse("starting:requests")).content.decode()
    assert client.get(reverse("starting:request_detail", args=[start.pk])).status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "officer_other", "coordinator", "municipal"])
def test_open_and_decline_are_refused_to_others(client, world, role):
    start = _confirmed_request(world)
    if world.users[role]:
        client.force_login(world.users[role])
    for name in ("starting:request_open", "starting:request_decline"):
        response = client.post(reverse(name, args=[start.pk]),
                               {"open-name": "X", "open-kind": "bin", "open-languages": ["nl"],
                                "decline-reason": "Nee"})  # fmt: skip
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login"))
    start.refresh_from_db()
    assert start.status == "new"


def test_officer_opens_a_network_in_the_browser_flow(client, world):
    start = _confirmed_request(world)
    client.force_login(world.users["officer"])
    url = reverse("starting:request_open", args=[start.pk])
    response = client.post(url, {"open-name": "", "open-kind": "bin"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(
        url, {"open-name": "BIN Kerkwijk", "open-kind": "bin", "open-languages": ["nl"]}
    )
    assert response.status_code == 302
    network = Network.objects.get(slug="bin-kerkwijk")
    assert response["Location"] == reverse("charters:founding", args=[network.slug])


def test_decline_needs_a_reason_in_the_form(client, world):
    start = _confirmed_request(world)
    client.force_login(world.users["officer"])
    url = reverse("starting:request_decline", args=[start.pk])
    response = client.post(url, {"decline-reason": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


# --- the flyer and the letter ---------------------------------------------------------------


def _pdf_text_and_images(content: bytes) -> tuple[str, list]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    # One A4 sheet: for a letterbox, a notice board or a sign.
    assert len(reader.pages) == 1
    assert [round(float(x)) for x in reader.pages[0].mediabox[2:]] == [595, 842]
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text, [image for page in reader.pages for image in page.images]


def _qr_matches(image, url: str) -> bool:
    """The PDF's image is the QR code of ``url``: every module's centre pixel
    is black where the code's matrix says so."""
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    picture = Image.open(io.BytesIO(image.data)).convert("L")
    size = picture.width / len(matrix)
    return all(
        (picture.getpixel((int((x + 0.5) * size), int((y + 0.5) * size))) < 128) == dark
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
    )


@pytest.mark.parametrize("kind", ["flyer", "letter"])
def test_printables_render_with_the_network_and_its_qr_code(client, world, proposed, kind):
    client.force_login(world.users["municipal"])
    for language in ("nl", "fr"):
        response = client.get(
            reverse("starting:print", args=[proposed.slug, kind]), {"lang": language}
        )
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert f"{kind}-kerkwijk-{language}.pdf" in response["Content-Disposition"]
        text, images = _pdf_text_and_images(response.content)
        assert "BIN Kerkwijk" in text
        assert "112" in text and "101" in text
        url = network_join_url(network=proposed)
        assert url.endswith("/networks/kerkwijk/interest/")
        assert len(images) == 1 and _qr_matches(images[0], url)


def test_printable_of_a_network_taking_sign_ups_leads_to_join(client, world):
    client.force_login(world.users["coordinator"])
    response = client.get(reverse("starting:print", args=[world.network.slug, "flyer"]))
    text, images = _pdf_text_and_images(response.content)
    url = network_join_url(network=world.network)
    assert url.endswith("/networks/oordegem/join/") and _qr_matches(images[0], url)
    assert "Oordegem" in text
    # A language the network does not use falls back to its main one.
    response = client.get(
        reverse("starting:print", args=[world.network.slug, "letter"]), {"lang": "de"}
    )
    assert "letter-oordegem-nl.pdf" in response["Content-Disposition"]
    assert (
        client.get(reverse("starting:print", args=[world.network.slug, "poster"])).status_code
        == 404
    )


def test_founding_checklist_shows_the_count_and_the_printables_never_the_names(
    client, world, proposed
):
    _entry(proposed, email="jan@example.org")
    client.force_login(world.users["officer"])
    body = client.get(reverse("charters:founding", args=[proposed.slug])).content.decode()
    assert "1 confirmed person." in body
    assert "jan@example.org" not in body and "Jan" not in body
    assert reverse("starting:print", args=[proposed.slug, "flyer"]) + "?lang=fr" in body
