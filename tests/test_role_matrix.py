"""Every URL that shows network data, for every role: allowed or refused.

Each later feature adds its URLs to MATRIX; test_every_url_is_in_the_matrix
fails when a named URL is neither here nor explicitly exempted.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

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
CAN_INVITE = frozenset({"admin", "coordinator", "coordinator_other", "officer", "officer_other"})
REPORT_PHOTO = frozenset({"admin", "officer"})  # the police only
REPORTS_MUNICIPALITY = frozenset({"admin", "municipal", "officer"})
REPORTS_ZONE = frozenset({"admin", "officer"})


def _slug(w):
    return {"slug": w.network.slug}


def _member(w):
    return {"slug": w.network.slug, "pk": w.member.pk}


def _draft(w):
    from messaging.models import Message

    draft = Message.objects.create(
        kind="urgent", texts={"nl": {"sms": "Test"}}, created_by=w.users["officer"]
    )
    draft.networks.set([w.network])
    return {"pk": draft.pk}


def _reply(w):
    from messaging.models import Reply

    reply = Reply.objects.create(
        network=w.network, member=w.member, channel="sms", from_address="+32470000001", body="Ok"
    )
    return {"slug": w.network.slug, "pk": reply.pk}


def _report(w, *, photo: bool = False):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from messaging.models import MemberReport

    report = MemberReport.objects.create(
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


# (url name, kwargs from the world, roles that get a 200)
MATRIX: list[tuple[str, Callable, frozenset]] = [
    ("public:home", lambda w: {}, EVERYONE),
    ("public:network", _slug, EVERYONE),
    ("signup:join", _slug, EVERYONE),
    ("signup:privacy", _slug, EVERYONE),
    ("signup:done", _slug, EVERYONE),
    ("accounts:home", lambda w: {}, SIGNED_IN),
    ("accounts:invitations", lambda w: {}, CAN_INVITE),
    ("networks:mine", lambda w: {}, HAS_NETWORKS),
    ("networks:detail", _slug, NETWORK_VIEW),
    ("networks:team", _slug, NETWORK_VIEW),
    ("networks:edit", _slug, NETWORK_EDIT),
    ("networks:national", lambda w: {}, NATIONAL),
    ("members:list", _slug, MEMBER_DATA),
    ("members:detail", _member, MEMBER_DATA),
    ("members:queue", _slug, MEMBER_DATA),
    ("members:add", _slug, MEMBER_DATA),
    ("members:edit", _member, MEMBER_DATA),
    ("members:access_report", _member, MEMBER_DATA),
    ("members:audit", _slug, AUDIT),
    ("member_import:upload", _slug, MEMBER_DATA),
    ("member_import:template", _slug, MEMBER_DATA),
    ("member_import:preview", lambda w: _import(w), MEMBER_DATA),
    ("member_import:errors", lambda w: _import(w), MEMBER_DATA),
    ("member_import:export_csv", _slug, MEMBER_DATA),
    ("member_import:export_xlsx", _slug, MEMBER_DATA),
    ("alerts:new", lambda w: {}, COMPOSE),
    ("alerts:network", _slug, MEMBER_DATA),
    ("alerts:detail", lambda w: _draft(w), MEMBER_DATA),
    ("alerts:progress", lambda w: _draft(w), MEMBER_DATA),
    ("alerts:edit", lambda w: _draft(w), PUBLISH),
    ("alerts:inbox", _slug, MEMBER_DATA),
    ("alerts:reply", lambda w: _reply(w), MEMBER_DATA),
    ("alerts:reports", _slug, MEMBER_DATA),
    ("alerts:report", lambda w: _report(w), MEMBER_DATA),
    ("alerts:report_photo", lambda w: _report(w, photo=True), REPORT_PHOTO),
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
]

# Named URLs deliberately outside the GET matrix, with the test that covers them.
EXEMPT = {
    "accounts:mfa_required": "tests/accounts/test_mfa.py",
    "accounts:invitation_accept": "token URL, tests/accounts/test_invitations.py",
    "accounts:invitation_revoke": "POST only, tests/accounts/test_invitations.py",
    "networks:role_revoke": "POST only, test_role_revoke_post_matrix below",
    "members:action": "POST only, test_member_action_post_matrix below",
    "signup:verify": "needs a sign-up in the session, tests/members/test_signup.py",
    "alerts:publish": "POST only, tests/messaging/test_compose.py",
    "alerts:update": "POST only, tests/messaging/test_compose.py",
    "alerts:submit": "POST only, tests/messaging/test_compose.py",
    "alerts:return": "POST only, tests/messaging/test_compose.py",
    "alerts:reply_action": "POST only, tests/messaging/test_inbox.py",
    "alerts:cancel": "POST only, tests/messaging/test_compose.py",
    "signup:confirm_email": "token URL, tests/members/test_signup.py",
    "members:bulk": "POST only, test_member_action_post_matrix below",
}
NAMESPACES = (
    "public", "accounts", "networks", "members", "signup", "member_import", "alerts", "reports",
)  # fmt: skip


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
    assert ours - covered == set(), "add these URLs to the role matrix"


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


@pytest.mark.parametrize("role", ALL_ROLES)
def test_role_revoke_post_matrix(client, world, role):
    """Removing the steering member's role: admin, the coordinator and the zone's
    officer may; everyone else is refused and the role stays."""
    from networks.models import RoleAssignment

    assignment = RoleAssignment.objects.get(user=world.users["steering"])
    url = reverse("networks:role_revoke", kwargs={"slug": world.network.slug, "pk": assignment.pk})
    response = _client_for(client, world, role).post(url)
    assignment.refresh_from_db()
    if role in ("admin", "coordinator", "officer", "steering"):
        assert response.status_code == 302
        assert assignment.revoked_at is not None
    else:
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login"))
        assert assignment.revoked_at is None


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


@pytest.mark.parametrize("role", ALL_ROLES)
def test_member_action_post_matrix(client, world, role):
    """Suspending a member, alone or in bulk: only those who manage members may."""
    from members.models import Member

    member = world.member
    one = reverse("members:action", kwargs={**_member(world), "action": "suspend"})
    bulk = reverse("members:bulk", kwargs=_slug(world))
    client = _client_for(client, world, role)
    for url, data in ((one, {}), (bulk, {"action": "suspend", "members": [member.pk]})):
        Member.objects.filter(pk=member.pk).update(status=Member.Status.ACTIVE)
        response = client.post(url, data)
        member.refresh_from_db()
        if role in MEMBER_DATA:
            assert response.status_code == 302
            assert member.status == Member.Status.SUSPENDED, (role, url)
        else:
            assert member.status == Member.Status.ACTIVE, (role, url)
            if role == "anonymous":
                assert response["Location"].startswith(reverse("account_login"))
            else:
                assert response.status_code in (403, 404)
