"""What people do, in a real browser: a resident joins, a coordinator approves
and imports, an officer sends an urgent alert and follows its delivery.

Tasks run eagerly inside the live server (test settings), so the email and
SMS the platform sends land in django.core.mail.outbox and the locmem SMS
outbox of this process, where the resident's "phone" and "mailbox" read them.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.models import Member, Source
from messaging.models import Delivery, Message
from outbox.gateways import locmem
from outbox.gateways.base import OutgoingSMS, TemporaryGatewayError
from tests.accounts.test_mfa import PASSWORD, totp_now
from tests.factories import MemberFactory

pytestmark = pytest.mark.slow

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI)
    expect = None


@pytest.fixture(autouse=True)
def _empty_outboxes():
    locmem.outbox.clear()
    mail.outbox = []
    yield
    locmem.outbox.clear()


def sign_in(journey, user) -> None:
    """Email and password, then the authenticator's current code."""
    page = journey.page
    page.goto(reverse("account_login"))
    page.fill("[name=login]", user.email)
    page.fill("[name=password]", PASSWORD)
    journey.shot("sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("mfa_authenticate")) + "$"))
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    # A code read in the last seconds of its 30-second window may expire
    # before the server checks it: wait for the next window then.
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    page.fill("[name=code]", totp_now(decrypt(totp.data["secret"])))
    journey.shot("second-factor")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:home")) + "$"))
    journey.shot("dashboard")


def test_resident_joins_and_confirms_email_and_phone(journey, world):
    page = journey.page
    network = world.network
    page.goto(reverse("networks:public:network", kwargs={"slug": network.slug}))
    expect(page.get_by_role("heading", level=1)).to_contain_text(network.name)
    journey.shot("network-page")
    page.get_by_role("link", name="Join this network").click()

    page.fill("[name=first_name]", "Lotte")
    page.fill("[name=last_name]", "Van Damme")
    page.select_option("[name=relation]", "lives")
    page.select_option("[name=street]", "Kerkstraat")
    page.fill("[name=house_number]", "21")
    page.fill("[name=postcode]", "9340")
    page.fill("[name=email]", "lotte.vandamme@example.org")
    # A Belgian mobile number as people type it.
    page.fill("[name=mobile_phone]", "0470 12 34 56")
    page.select_option("select[name=language]", "nl")
    page.check("[name=adult]")
    page.check("[name=accept_house_rules]")
    page.check("[name=accept_privacy]")
    journey.shot("form-filled")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your sign-up")
    expect(page.locator("main")).to_contain_text("56")  # the hint: the number's last digits
    # A member signing up twice learns what to look for instead of a code.
    expect(page.locator("main")).to_contain_text("Someone tried to sign up for")
    journey.shot("verify-page")
    member = Member.objects.get(network=network, email="lotte.vandamme@example.org")
    assert member.status == Member.Status.PENDING
    assert str(member.mobile_phone) == "+32470123456"
    assert member.email_verified_at is None and member.phone_verified_at is None

    # The mailbox: the confirmation link, opened in the same browser.
    (email,) = [m for m in mail.outbox if "lotte.vandamme@example.org" in m.to]
    link = re.search(r"https?://\S+/confirm/\S+/", email.body).group(0)
    page.goto(urlparse(link).path)
    journey.shot("email-link")
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.locator("main")).to_contain_text("Your email address is confirmed.")
    journey.shot("email-confirmed")

    # The phone: the 6-digit code from the SMS.
    (sms,) = [m for m in locmem.outbox if m.to == "+32470123456"]
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    page.fill("[name=code]", "000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Confirm my number").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    journey.shot("wrong-code")
    page.fill("[name=code]", code)
    page.get_by_role("button", name="Confirm my number").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your sign-up is confirmed"
    )
    journey.shot("done")
    member.refresh_from_db()
    assert member.email_verified_at is not None
    assert member.phone_verified_at is not None
    assert member.status == Member.Status.PENDING  # the coordinator approves next
    assert Member.objects.awaiting_approval().filter(pk=member.pk).exists()


def test_coordinator_approves_a_sign_up_and_imports_a_list(journey, world, tmp_path):
    page = journey.page
    network = world.network
    applicant = MemberFactory(
        network=network,
        first_name="Wout",
        last_name="Pending",
        status=Member.Status.PENDING,
        email_verified_at=timezone.now(),
        phone_verified_at=timezone.now(),
    )
    sign_in(journey, world.users["coordinator"])

    page.goto(reverse("members:queue", kwargs={"slug": network.slug}))
    expect(page.locator("main")).to_contain_text("Wout Pending")
    journey.shot("approval-queue")
    page.get_by_role("button", name="Approve Wout Pending").click()
    expect(page.locator("main")).to_contain_text("No sign-ups are waiting.")
    journey.shot("approved")
    applicant.refresh_from_db()
    assert applicant.status == Member.Status.ACTIVE
    # The welcome message with the personal link went out.
    assert any(applicant.email in m.to for m in mail.outbox) or any(
        m.to == str(applicant.mobile_phone) for m in locmem.outbox
    )

    page.goto(reverse("members:imports:upload", kwargs={"slug": network.slug}))
    journey.shot("import-upload")
    csv_file = tmp_path / "paper-forms.csv"
    csv_file.write_text(
        "voornaam,achternaam,straat,huisnummer,postcode,email,gsm,taal,kanalen\n"
        'Mira,Claes,Kerkstraat,30,9340,mira.claes@example.org,0471 22 33 44,nl,"sms,email"\n'
        "Jonas,Peeters,Kerkstraat,31,9340,jonas.peeters@example.org,,fr,email\n"
        "Nina,Nowhere,Stationsstraat,1,9340,nina@example.org,,nl,email\n",
        encoding="utf-8",
    )
    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_role("button", name="Check the file").click()

    expect(page.locator("main")).to_contain_text("Import of “paper-forms.csv”")
    expect(page.locator("main")).to_contain_text("rows with problems (not imported)")
    expect(page.locator("tr.table-danger")).to_have_count(1)
    journey.shot("import-preview")
    assert not Member.objects.filter(email="mira.claes@example.org").exists()
    # The coordinator attests that everyone listed is an adult of the area
    # who agreed to join: without it the browser does not even submit.
    page.get_by_label("I attest that every person listed").check()
    page.get_by_role("button", name="Import 2 members").click()  # confirm dialog accepted

    expect(page.locator("main")).to_contain_text("members imported")
    journey.shot("import-done")
    imported = Member.objects.filter(network=network, source=Source.IMPORT)
    assert all(member.adult_confirmed for member in imported)
    assert set(imported.values_list("email", flat=True)) == {
        "mira.claes@example.org",
        "jonas.peeters@example.org",
    }
    assert set(imported.values_list("status", flat=True)) == {Member.Status.ACTIVE}
    assert str(imported.get(first_name="Mira").mobile_phone) == "+32471223344"
    assert not Member.objects.filter(email="nina@example.org").exists()


def test_officer_sends_an_urgent_alert_and_follows_delivery(journey, world, monkeypatch):
    from messaging.services import sending
    from messaging.services.sweep import delivery_sweep

    page = journey.page
    network = world.network
    MemberFactory(network=network, mobile_phone="+32470555001", email="a@example.org")
    MemberFactory(network=network, mobile_phone="+32470555002", email="b@example.org")
    # The provider is busy for one number the first time (HTTP 429): that SMS
    # waits for a retry, so the delivery page shows the progress moving.
    busy = {"+32470555002"}
    send_sms = locmem.LocmemSMSGateway.send_sms

    def flaky_send_sms(self, message):
        if message.to in busy:
            busy.discard(message.to)
            raise TemporaryGatewayError("429 Too Many Requests", retry_after=1)
        return send_sms(self, message)

    monkeypatch.setattr(locmem.LocmemSMSGateway, "send_sms", flaky_send_sms)
    # Long enough that the immediate (eager) retry finds it not yet due, even
    # on a slow machine; the test moves the clock on below instead of waiting.
    monkeypatch.setattr(sending, "_backoff", lambda attempts: timedelta(minutes=10))

    sign_in(journey, world.users["officer"])
    page.goto(reverse("messaging:new"))
    page.select_option("[name=kind]", "urgent")
    page.get_by_label(network.name).check()
    page.fill(
        "[name=sms_nl]",
        "Inbrekers actief in de Kerkstraat, verdachten rijden met een gele VW Polo. "
        "Doe uw buitenverlichting aan en bel 101 bij verdachte feiten.",
    )
    page.fill("[name=subject_nl]", "Dringend: inbrekers actief")
    journey.shot("compose")
    page.get_by_role("button", name="Save and preview").click()

    expect(page.locator("main")).to_contain_text("Preview")
    expect(page.locator("main")).to_contain_text("6 deliveries")  # 3 members, SMS and email
    journey.shot("preview")
    message = Message.objects.get(status=Message.Status.DRAFT)
    assert message.kind == Message.Kind.URGENT

    # Follow the htmx polls of the progress; none may reach the live server
    # while this thread works on the (possibly shared SQLite) database.
    page.route("**/progress/", lambda route: route.continue_())
    page.get_by_role("button", name="Publish and send").click()  # confirm dialog accepted
    expect(page.locator("main")).to_contain_text("The message is on its way.")
    progress = page.locator("#progress")
    expect(progress).to_contain_text("5 of 6 deliveries done (83 %)")
    journey.shot("delivery-in-progress")

    # The periodic sweep (celery beat in production) retries what is due:
    # the backoff is over.
    Delivery.objects.filter(status=Delivery.Status.QUEUED).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    with page.expect_response(lambda r: "/progress/" in r.url):
        pass
    delivery_sweep()
    expect(progress).to_contain_text("6 of 6 deliveries done (100 %)", timeout=10_000)
    expect(progress).not_to_have_attribute("hx-get", re.compile(".*"))  # polling stopped
    journey.shot("delivery-complete")

    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    statuses = set(message.deliveries.values_list("status", flat=True))
    assert statuses == {Delivery.Status.SENT}
    texts = [m.body for m in locmem.outbox if isinstance(m, OutgoingSMS)]
    assert len(texts) == 3 and all(t.startswith("Inbrekers actief") for t in texts)
    assert len([m for m in mail.outbox if m.subject == "Dringend: inbrekers actief"]) == 3


def _page_tables(page) -> dict[str, list[list[str]]]:
    """Every report table on the page: caption → rows of cell texts (body and total)."""
    tables = {}
    for table in page.locator("table.report-table").all():
        caption = table.locator("caption").inner_text().strip()
        rows = []
        for row in table.locator("tbody tr, tfoot tr").all():
            cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
            if len(cells) > 1:  # "Nothing to show" rows span the table
                rows.append(cells)
        tables[caption] = rows
    return tables


def _csv_sections(text: str) -> dict[str, list[list[str]]]:
    """The CSV export split into sections: title → data rows (after the header)."""
    import csv
    import io

    sections: dict[str, list[list[str]]] = {}
    blocks, block = [], []
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if not any(row):
            blocks.append(block)
            block = []
        else:
            block.append(row)
    blocks.append(block)
    for block in blocks[1:]:  # the first block is the report's header
        if len(block) >= 2:
            sections[block[0][0]] = block[2:]
    return sections


def test_municipality_opens_the_reports_and_downloads_the_csv(journey, world):
    page = journey.page
    network = world.network
    # Figures to look at: members in two streets, one sign-up waiting, and an
    # alert delivered to three members.
    members = [MemberFactory(network=network, street="Kerkstraat") for _ in range(3)]
    MemberFactory(network=network, street="Dorpsstraat")
    MemberFactory(network=network, status=Member.Status.PENDING)
    message = Message.objects.create(
        kind=Message.Kind.URGENT,
        status=Message.Status.PUBLISHED,
        created_by=world.users["officer"],
        published_at=timezone.now() - timedelta(hours=2),
        texts={"nl": {"sms": "Inbraak Kerkstraat", "subject": "Inbraak", "body": "Inbraak"}},
    )
    message.networks.add(network)
    for member in members:
        Delivery.objects.create(
            message=message,
            member=member,
            channel=Delivery.Channel.SMS,
            status=Delivery.Status.DELIVERED,
            sent_at=message.published_at + timedelta(seconds=20),
            delivered_at=message.published_at + timedelta(seconds=30),
        )

    sign_in(journey, world.users["municipal"])
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    journey.shot("reports-index")
    page.get_by_role("link", name=world.municipality.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.municipality.name)
    expect(page.locator("canvas[data-report-chart]").first).to_be_visible()
    journey.shot("municipality-dashboard")
    # At 1280 px nothing is cut off: the page does not scroll sideways and the
    # tables fit their box, headings wrapping (issue 16, item 17).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    widths = page.eval_on_selector_all(
        ".report-scroll", "boxes => boxes.map(b => [b.scrollWidth, b.clientWidth])"
    )
    assert widths and all(scroll <= client + 1 for scroll, client in widths), widths
    shown = _page_tables(page)
    assert shown, "the dashboard shows no tables"
    # Nothing personal on the page: no member's email or phone number.
    body = page.locator("main").inner_text()
    for member in members:
        assert member.email not in body and str(member.mobile_phone) not in body

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8")
    journey.shot("after-download")
    exported = _csv_sections(text)
    # Every table on the screen is in the file, row for row.
    for caption, rows in shown.items():
        title = caption.split(" — ")[0]
        assert title in exported, f"section {title!r} missing from the CSV"
        csv_rows = [[c if c != "" else "—" for c in row] for row in exported[title]]
        for row in rows:
            assert row in csv_rows, f"{title}: {row} not in the CSV {csv_rows}"
    # The figures entered above are there, below 5 as "< 5" for municipal
    # staff (SECURITY.md, "Small counts").
    in_street = Member.objects.active().filter(network=network, street="Kerkstraat").count()
    assert in_street < 5
    assert [network.name, "Kerkstraat", "< 5"] in [
        row[:3] for row in exported["Active members per street"]
    ]
    assert exported["Delivery per channel"][0][:3] == ["SMS", "< 5", "< 5"]


def test_member_answers_a_meeting_invitation_and_a_survey_from_the_personal_link(journey, world):
    """The member's own forms, in a real browser: its referrer policy must still
    let the browser send an Origin that Django's CSRF check accepts."""
    from charters.models import Meeting, MeetingRSVP
    from members.tokens import member_personal_token
    from surveys.models import Response
    from tests.factories import survey_with_answers

    page = journey.page
    member = world.member
    # The personal page speaks the member's language; the steps below read English.
    Member.objects.filter(pk=member.pk).update(language="en")
    member.refresh_from_db()
    meeting = Meeting.objects.create(
        network=member.network,
        kind=Meeting.Kind.MEMBER_MEETING,
        place="Parochiezaal, Kerkstraat 1",
        agenda="Jaarverslag\nNieuwe borden",
        starts_at=timezone.now() + timedelta(days=14),
    )
    survey = survey_with_answers(network=member.network, created_by=world.users["officer"])

    page.goto(reverse("personal:home", kwargs={"token": member_personal_token(member=member)}))
    expect(page.locator("#meetings")).to_contain_text("Parochiezaal")
    journey.shot("personal-page")
    page.locator(f"label[for=rsvp-{meeting.pk}-yes]").click()
    page.fill(f"#rsvp-{meeting.pk}-guests", "1")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#meetings")).to_contain_text("I will come")
    journey.shot("rsvp-sent")
    rsvp = MeetingRSVP.objects.get(meeting=meeting, member=member)
    assert (rsvp.answer, rsvp.guests) == ("yes", 1)

    page.get_by_role("link", name=survey.title).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Send it empty first: the errors show next to the questions.
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".alert-danger").first).to_be_visible()
    journey.shot("survey-errors")
    for group in page.locator("form fieldset, form .form-group, form .mb-3").all():
        radios = group.locator("input[type=radio]")
        if radios.count():
            radios.first.check()
    for box in page.locator("form input[type=checkbox]").all()[:1]:
        box.check()
    journey.shot("survey-filled")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("main")).to_contain_text("Thank")
    journey.shot("survey-thanks")
    assert Response.objects.filter(survey=survey).count() == 1
    assert survey.invitations.get(member=member).answered
