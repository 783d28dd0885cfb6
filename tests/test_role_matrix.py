"""Every URL that shows network data, for every role: allowed or refused.

Each later feature adds its URLs to MATRIX; test_every_url_is_in_the_matrix
fails when a named URL is neither here nor explicitly exempted.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import MessageFactory

ALL_ROLES = (
    "anonymous",
    "member",
    "coordinator",
    "co_coordinator",
    "steering",
    "coordinator_other",
    "officer",
    "officer_other",
    "municipal",
    "municipal_other",
    "federal",
    "admin",
)
EVERYONE = frozenset(ALL_ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
NETWORK_VIEW = frozenset(
    {"admin", "coordinator", "co_coordinator", "steering", "officer", "municipal"}
)
MEMBER_DATA = frozenset({"admin", "coordinator", "co_coordinator", "officer"})
NETWORK_EDIT = MEMBER_DATA
HAS_NETWORKS = frozenset(
    {
        "admin",
        "coordinator",
        "co_coordinator",
        "steering",
        "coordinator_other",
        "officer",
        "officer_other",
        "municipal",
        "municipal_other",
    }
)
NATIONAL = frozenset({"admin", "federal"})
AUDIT = frozenset({"admin", "officer"})
COMPOSE = frozenset(
    {"admin", "officer", "officer_other", "coordinator", "co_coordinator", "coordinator_other"}
)
PUBLISH = frozenset({"admin", "officer"})
MUNICIPAL = frozenset({"municipal", "municipal_other"})
CAN_INVITE = frozenset({"admin", "coordinator", "coordinator_other", "officer", "officer_other"})
REPORT_PHOTO = frozenset({"admin", "officer"})  # the police only
REPORTS_MUNICIPALITY = frozenset({"admin", "municipal", "officer"})
REPORTS_ZONE = frozenset({"admin", "officer"})
WEBHOOKS = frozenset({"admin", "officer", "officer_other"})  # each for their own zones
WEBHOOK_OF_ZONE = frozenset({"admin", "officer"})


def _slug(w):
    return {"slug": w.network.slug}


def _member(w):
    return {"slug": w.network.slug, "pk": w.member.pk}


def _draft(w, *, published: bool = False):
    draft = MessageFactory(
        kind="urgent", texts={"nl": {"sms": "Test"}}, created_by=w.users["officer"],
        networks=[w.network], status="published" if published else "draft",
    )  # fmt: skip
    return {"pk": draft.pk}


def _municipal_draft(w):
    draft = MessageFactory(
        kind="prevention", texts={"nl": {"sms": "Tip"}}, created_by=w.users["municipal"],
        networks=[w.network], status="draft",
    )  # fmt: skip
    return {"pk": draft.pk}


def _template(w):
    from messaging.models import MessageTemplate

    template = MessageTemplate.objects.create(
        kind="prevention", title="Fietsdiefstal", police_zone=w.zone,
        texts={"nl": {"sms": "Zet uw fiets op slot."}},
    )  # fmt: skip
    return {"pk": template.pk}


def _shared_conversation(w, *, shared: bool = True):
    from django.utils import timezone

    from messaging.models import Conversation

    kwargs = _conversation(w)
    if shared:
        Conversation.objects.filter(pk=kwargs["pk"]).update(
            shared_with_municipality_at=timezone.now()
        )
    return {"pk": kwargs["pk"]}


def _conversation(w):
    from messaging.models import Reply
    from messaging.services.conversations import conversation_reply_receive

    reply = Reply.objects.create(
        network=w.network, member=w.member, channel="sms", from_address="+32470000001", body="Ok"
    )
    return {"slug": w.network.slug, "pk": conversation_reply_receive(reply=reply).pk}


def _report(w, *, photo: bool = False):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from messaging.models import IncidentReport

    report = IncidentReport.objects.create(
        network=w.network, member=w.member, category="noise", happened_at=timezone.now(),
        street="Kerkstraat", description="Loud music",
    )  # fmt: skip
    if photo:
        report.photo.save("p.png", ContentFile(_PNG), save=True)
    return {"pk": report.pk}


# The smallest PNG: one pixel.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _import(w):
    from members.models import MemberImport

    draft = MemberImport.objects.create(
        network=w.network, created_by=w.users["coordinator"], filename="list.csv"
    )
    return {"slug": w.network.slug, "pk": draft.pk}


def _survey(w, *, status: str = "draft", question: bool = False):
    from surveys.models import Survey
    from surveys.services import survey_create

    survey = survey_create(
        network=w.network, created_by=w.users["officer"], template_key="bin-evaluation-v1"
    )
    Survey.objects.filter(pk=survey.pk).update(status=status)
    kwargs = {"slug": w.network.slug, "pk": survey.pk}
    if question:
        kwargs["qpk"] = survey.questions.first().pk
    return kwargs


CHARTER_PARTIES = frozenset({"coordinator", "officer", "municipal"})
FOUNDING_EDIT = frozenset({"admin", "coordinator", "co_coordinator", "officer", "municipal"})


def _charter(w):
    from charters.selectors.charter import charter_working
    from tests.factories import charter_submitted

    # One version at a time is being prepared: the crawl asks for it repeatedly.
    version = charter_working(network=w.network) or charter_submitted(
        w.network, by=w.users["coordinator"]
    )
    return {"slug": w.network.slug, "number": version.number}


def _founding_attachment(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from charters.services.founding import founding_attachment_add, founding_steps_ensure

    step = founding_steps_ensure(network=w.network)[0]
    attachment = founding_attachment_add(
        step=step, upload=SimpleUploadedFile("minutes.png", _PNG), uploaded_by=w.users["admin"]
    )
    return {"slug": w.network.slug, "pk": attachment.pk}


SIGNS_EDIT = frozenset({"admin", "municipal"})  # the municipality keeps the register


def _coordinator(w):
    return {"slug": w.network.slug, "user_id": w.users["coordinator"].pk}


def _meeting(w):
    from datetime import timedelta

    from django.utils import timezone

    from charters.models import Meeting

    meeting = Meeting.objects.create(
        network=w.network, kind="member_meeting", place="Parochiezaal",
        starts_at=timezone.now() + timedelta(days=10),
    )  # fmt: skip
    return {"slug": w.network.slug, "pk": meeting.pk}


def _sign(w):
    from charters.models import Sign

    sign = Sign.objects.create(network=w.network, street="Kerkstraat", house_number="1")
    return {"slug": w.network.slug, "pk": sign.pk}


def _webhook(w):
    from webhooks.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        police_zone=w.zone, url="https://93.184.216.34/hook", events=["message.published"],
        secret="whsec_dGVzdA==", created_by=w.users["officer"],
    )  # fmt: skip
    return {"pk": endpoint.pk}


def _start_request(w):
    import secrets

    from charters.models import StartRequest

    start = StartRequest.objects.create(
        municipality=w.municipality, name="An Peeters", email="an@example.org",
        street="Kerkstraat", neighbourhood="Kerkwijk", motivation="Inbraken",
        status=StartRequest.Status.NEW, token_hash=secrets.token_hex(32),
    )  # fmt: skip
    return {"pk": start.pk}


# (url name, kwargs from the world, roles that get a 200)
MATRIX: list[tuple[str, Callable, frozenset]] = [
    ("networks:public:home", lambda w: {}, EVERYONE),
    ("networks:public:network", _slug, EVERYONE),
    ("members:signup:join", _slug, EVERYONE),
    ("members:signup:privacy", _slug, EVERYONE),
    ("members:signup:done", _slug, EVERYONE),
    ("accounts:home", lambda w: {}, SIGNED_IN),
    ("accounts:invitations", lambda w: {}, CAN_INVITE),
    ("accounts:notifications", lambda w: {}, SIGNED_IN),
    ("networks:mine", lambda w: {}, HAS_NETWORKS),
    ("networks:detail", _slug, NETWORK_VIEW),
    ("networks:team", _slug, NETWORK_VIEW),
    ("networks:edit", _slug, NETWORK_EDIT),
    ("members:list", _slug, MEMBER_DATA),
    ("members:detail", _member, MEMBER_DATA),
    ("members:queue", _slug, MEMBER_DATA),
    ("members:add", _slug, MEMBER_DATA),
    ("members:edit", _member, MEMBER_DATA),
    ("members:access_report", _member, MEMBER_DATA),
    ("members:audit", _slug, AUDIT),
    ("members:rejections", _slug, AUDIT),
    # Members' new addresses outside the area: the coordinator decides (issue 14).
    ("members:contact_changes", _slug, MEMBER_DATA),
    ("members:imports:upload", _slug, MEMBER_DATA),
    ("members:imports:template", _slug, MEMBER_DATA),
    ("members:imports:preview", lambda w: _import(w), MEMBER_DATA),
    ("members:imports:errors", lambda w: _import(w), MEMBER_DATA),
    ("members:imports:export_csv", _slug, MEMBER_DATA),
    ("members:imports:export_xlsx", _slug, MEMBER_DATA),
    # Municipal staff write prevention tips and information for their
    # municipality's networks (the officer approves them, issue 14 item 6).
    ("messaging:new", lambda w: {}, COMPOSE | MUNICIPAL),
    ("messaging:network", _slug, MEMBER_DATA),
    ("messaging:problems", _slug, MEMBER_DATA),
    # An officer's draft: its writer's work in progress (issue 16, item 5).
    ("messaging:detail", lambda w: _draft(w), PUBLISH),
    ("messaging:progress", lambda w: _draft(w), PUBLISH),
    ("messaging:cap", lambda w: _draft(w), PUBLISH),
    ("messaging:detail", lambda w: _draft(w, published=True), MEMBER_DATA),
    ("messaging:progress", lambda w: _draft(w, published=True), MEMBER_DATA),
    ("messaging:cap", lambda w: _draft(w, published=True), MEMBER_DATA),
    ("webhooks:list", lambda w: {}, WEBHOOKS),
    ("webhooks:new", lambda w: {}, WEBHOOKS),
    ("webhooks:detail", _webhook, WEBHOOK_OF_ZONE),
    ("messaging:edit", lambda w: _draft(w), PUBLISH),
    ("messaging:exercise", lambda w: _draft(w), PUBLISH),
    # A municipal staff member's draft: the writer, the zone's officer who
    # approves it, and (as for a coordinator's draft) the network's coordinators.
    (
        "messaging:detail",
        _municipal_draft,
        PUBLISH | {"municipal", "coordinator", "co_coordinator"},
    ),
    ("messaging:edit", _municipal_draft, PUBLISH | {"municipal"}),
    # A conversation forwarded to the municipality: its staff see that one only.
    ("messaging:conversation_shared", _shared_conversation, MEMBER_DATA | {"municipal"}),
    (
        "messaging:conversation_shared",
        lambda w: _shared_conversation(w, shared=False),
        MEMBER_DATA,
    ),
    # The template library: officers manage their zone's templates.
    ("messaging:templates", lambda w: {}, WEBHOOKS),
    ("messaging:template_new", lambda w: {}, WEBHOOKS),
    ("messaging:template_edit", _template, WEBHOOK_OF_ZONE),
    ("messaging:template_delete", _template, WEBHOOK_OF_ZONE),
    ("messaging:inbox", _slug, MEMBER_DATA),
    ("messaging:conversation", lambda w: _conversation(w), MEMBER_DATA),
    # A police zone's watch words: its officers (and admins) set them.
    ("messaging:watch_words", lambda w: {"pk": w.zone.pk}, REPORTS_ZONE),
    ("messaging:incidents", _slug, MEMBER_DATA),
    ("messaging:incident", lambda w: _report(w), MEMBER_DATA),
    ("messaging:incident_photo", lambda w: _report(w, photo=True), REPORT_PHOTO),
    # Evaluation surveys: results are aggregates for everyone who sees the
    # network; building and sending for those who run it.
    ("surveys:list", _slug, NETWORK_VIEW),
    ("surveys:create", _slug, MEMBER_DATA),
    ("surveys:detail", lambda w: _survey(w), NETWORK_VIEW),
    ("surveys:edit", lambda w: _survey(w), MEMBER_DATA),
    ("surveys:question_add", lambda w: _survey(w), MEMBER_DATA),
    ("surveys:question_edit", lambda w: _survey(w, question=True), MEMBER_DATA),
    ("surveys:results", lambda w: _survey(w, status="open"), NETWORK_VIEW),
    ("surveys:export_csv", lambda w: _survey(w, status="open"), NETWORK_VIEW),
    ("surveys:export_xlsx", lambda w: _survey(w, status="closed"), NETWORK_VIEW),
    # Founding and governance: charter and founding checklist (h5a).
    ("charters:detail", _slug, NETWORK_VIEW),
    ("charters:version", lambda w: _charter(w), NETWORK_VIEW),
    ("charters:pdf", lambda w: _charter(w), NETWORK_VIEW),
    ("charters:edit", lambda w: _charter(w), NETWORK_EDIT),
    ("charters:sign", lambda w: _charter(w), CHARTER_PARTIES),
    ("charters:founding", _slug, NETWORK_VIEW),
    ("charters:founding_step", lambda w: {**_slug(w), "step": "preparation"}, FOUNDING_EDIT),
    ("charters:founding_attachment", lambda w: _founding_attachment(w), NETWORK_VIEW),
    # Founding and governance: coordinator governance, meetings, BIN signs (h5b).
    ("charters:governance:overview", _slug, NETWORK_VIEW),
    ("charters:governance:screening", lambda w: _coordinator(w), AUDIT),
    ("charters:governance:hand_over", _slug, frozenset({"admin", "officer", "coordinator"})),
    ("charters:governance:remove", lambda w: _coordinator(w), AUDIT),
    ("charters:governance:meetings", _slug, NETWORK_VIEW),
    ("charters:governance:meeting_new", _slug, NETWORK_EDIT),
    ("charters:governance:meeting_detail", lambda w: _meeting(w), NETWORK_VIEW),
    ("charters:governance:meeting_edit", lambda w: _meeting(w), NETWORK_EDIT),
    ("charters:governance:meeting_invite", lambda w: _meeting(w), NETWORK_EDIT),
    ("charters:governance:meeting_close", lambda w: _meeting(w), NETWORK_EDIT),
    ("charters:governance:signs", _slug, NETWORK_VIEW),
    ("charters:governance:sign_new", _slug, SIGNS_EDIT),
    ("charters:governance:sign_edit", lambda w: _sign(w), SIGNS_EDIT),
    ("charters:governance:sign_delete", lambda w: _sign(w), SIGNS_EDIT),
    # Reports (dashboards): network figures for everyone who sees the network,
    # a municipality's for its staff and the zone's officers, a zone's for its
    # officers, the anonymised national one for federal viewers; admins all.
    ("reports:index", lambda w: {}, SIGNED_IN - {"member"}),
    ("reports:network", _slug, NETWORK_VIEW),
    ("reports:network_export", lambda w: {**_slug(w), "fmt": "csv"}, NETWORK_VIEW),
    ("reports:network_export", lambda w: {**_slug(w), "fmt": "xlsx"}, NETWORK_VIEW),
    ("reports:households", _slug, frozenset({"admin", "municipal"})),
    ("reports:municipality", lambda w: {"pk": w.municipality.pk}, REPORTS_MUNICIPALITY),
    (
        "reports:municipality_export",
        lambda w: {"pk": w.municipality.pk, "fmt": "csv"},
        REPORTS_MUNICIPALITY,
    ),
    ("reports:zone", lambda w: {"pk": w.zone.pk}, REPORTS_ZONE),
    ("reports:zone_export", lambda w: {"pk": w.zone.pk, "fmt": "xlsx"}, REPORTS_ZONE),
    ("reports:national", lambda w: {}, NATIONAL),
    ("reports:national_export", lambda w: {"fmt": "csv"}, NATIONAL),
    # The REST API: its schema and docs are public; tokens are made by staff with a
    # role (and MFA, which every staff user of the world has). The API operations
    # themselves are in tests/test_role_matrix_api.py, for every role and scope.
    # Starting a BIN: the request form and interest lists are public (an
    # active network's list page sends to its sign-up); the requests go to the
    # officers of the municipality's zone; flyers to everyone on the network.
    ("starting:request", lambda w: {}, EVERYONE),
    ("starting:request_sent", lambda w: {}, EVERYONE),
    ("starting:interest", _slug, EVERYONE),
    ("starting:interest_sent", _slug, EVERYONE),
    ("starting:requests", lambda w: {}, WEBHOOKS),
    ("starting:request_detail", _start_request, AUDIT),
    ("starting:print", lambda w: {**_slug(w), "kind": "flyer"}, NETWORK_VIEW),
    ("starting:print", lambda w: {**_slug(w), "kind": "letter"}, NETWORK_VIEW),
    ("api:schema", lambda w: {}, EVERYONE),
    ("api:docs", lambda w: {}, EVERYONE),
    ("api:tokens:list", lambda w: {}, SIGNED_IN - {"member"}),
]

# Named URLs deliberately outside the GET matrix, with the test that covers them.
EXEMPT = {
    "accounts:mfa_required": "tests/accounts/test_mfa.py",
    "accounts:invitation_accept": "token URL, tests/accounts/test_invitations.py",
    "accounts:invitation_revoke": "POST only, tests/accounts/test_invitations.py",
    "networks:role_revoke": "POST only, test_role_matrix_post.py",
    "members:action": "POST only, test_role_matrix_post.py",
    "members:signup:verify": "needs a sign-up in the session, tests/members/test_signup.py",
    "messaging:publish": "POST only, tests/messaging/test_messages.py",
    "messaging:update": "POST only, tests/messaging/test_messages.py",
    "messaging:submit": "POST only, tests/messaging/test_messages.py",
    "messaging:return": "POST only, tests/messaging/test_messages.py",
    "messaging:conversation_action": "POST only, tests/messaging/test_inbox.py",
    "messaging:reply": "redirect to its conversation, tests/messaging/test_inbox.py",
    "messaging:cancel": "POST only, tests/messaging/test_messages.py",
    "messaging:self_test": "POST only, role matrix in tests/messaging/test_exercises.py",
    "messaging:delete": "POST only, test_role_matrix_post.py",
    "messaging:incident_share": "POST only, tests/messaging/test_incidents.py",
    "messaging:incident_share_municipality": "POST only, tests/messaging/test_incidents.py",
    "members:signup:confirm_email": "token URL, tests/members/test_signup.py",
    "members:bulk": "POST only, test_role_matrix_post.py",
    "members:contact_change_decide": "POST only, test_role_matrix_post.py",
    "surveys:question_action": "POST only, tests/surveys/test_views.py",
    "surveys:open": "POST only, tests/surveys/test_views.py",
    "surveys:close": "POST only, tests/surveys/test_views.py",
    "surveys:summary": "POST only, tests/surveys/test_views.py",
    "charters:start": "POST only, test_role_matrix_post.py",
    "charters:submit": "POST only, test_role_matrix_post.py",
    "charters:founding_attachment_delete": "POST only, tests/charters/test_founding.py",
    "api:tokens:revoke": "POST only, tests/api/test_tokens.py",
    "starting:request_confirm": "token URL, tests/charters/test_starting.py",
    "starting:interest_confirm": "token URL, tests/charters/test_starting.py",
    "starting:request_open": "POST only, test_role_matrix_post.py",
    "starting:request_decline": "POST only, test_role_matrix_post.py",
    "starting:meeting_invite_interest": "POST only, test_role_matrix_post.py",
    "webhooks:action": "POST only, tests/webhooks/test_views.py",
    # Twilio's machine endpoints: no user, only the signature (every role refused unsigned).
    "outbox:twilio_voice_repeat": "Twilio-signed POST, tests/messaging/test_voice.py",
}
# The REST API's operations: tests/test_role_matrix_api.py (API_MATRIX), which
# checks that every api:v1 URL is there.
API_PREFIX = "api:v1:"
NAMESPACES = (
    "public",
    "accounts",
    "networks",
    "members",
    "signup",
    "member_import",
    "messaging",
    "surveys",
    "charters",
    "governance",
    "reports",
    "api",
    "tokens",
    "webhooks",
    "starting",
)


def _named_urls(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _named_urls(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{prefix}{entry.name}")
    return names


def test_every_url_is_in_the_matrix():
    ours = {n for n in _named_urls(get_resolver()) if n.split(":", 1)[0] in NAMESPACES}
    covered = {name for name, _, _ in MATRIX} | set(EXEMPT)
    missing = {n for n in ours - covered if not n.startswith(API_PREFIX)}
    assert missing == set(), "add these URLs to the role matrix"


@pytest.fixture
def world(shared_world):
    # One world per module instead of one per case (~950 cases): each case
    # runs in a savepoint rolled back after it (tests/conftest.py).
    return shared_world


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Report photos written by the matrix stay out of the project's var/media.
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _client_for(client, world, role):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "kwargs", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
def test_role_matrix(client, world, role, name, kwargs, allowed):
    url = reverse(name, kwargs=kwargs(world))
    response = _client_for(client, world, role).get(url)
    if role in allowed:
        assert response.status_code == 200, f"{role} should open {url}"
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code in (403, 404), f"{role} must not open {url}"


def test_other_network_is_refused_to_this_networks_people(client, world):
    """Same URLs, other network: only its own coordinator and admin get in."""
    url = reverse("members:list", kwargs={"slug": world.other_network.slug})
    for role in ALL_ROLES[1:]:
        client.force_login(world.users[role])
        expected = 200 if role in ("coordinator_other", "officer_other", "admin") else 403
        assert client.get(url).status_code == expected, role


@pytest.mark.parametrize("role", ["municipal", "federal", "steering"])
def test_no_contact_data_for_aggregate_roles(client, world, role):
    """Roles that see aggregates only never get a member's phone or email."""
    client.force_login(world.users[role])
    urls = [
        reverse("networks:detail", kwargs=_slug(world)),
        reverse("networks:team", kwargs=_slug(world)),
        reverse("accounts:home"),
        reverse("networks:mine"),
    ]
    phone = world.member.mobile_phone
    for url in urls:
        body = client.get(url).content.decode()
        assert world.member.email not in body
        assert str(phone) not in body and phone.as_international not in body
    assert client.get(reverse("members:list", kwargs=_slug(world))).status_code == 403


def test_admin_site_only_for_admins(client, world):
    for role in ALL_ROLES:
        client.logout()
        response = _client_for(client, world, role).get(reverse("admin:index"))
        if role == "admin":
            assert response.status_code == 200
        else:
            assert response.status_code == 302, role
            assert "login" in response["Location"]
