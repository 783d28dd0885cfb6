from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.forms.staff import MemberForm
from members.models import ConsentRecord, Member
from members.selectors.staff import MemberFilter, member_list
from members.services.core import member_create
from tests.factories import MemberFactory, MunicipalityFactory, NetworkFactory, PoliceZoneFactory


def test_member_create_checks_area_and_records_consent(db):
    network = NetworkFactory(streets=[("Kerkstraat", "9340", 1, 99)])
    member = member_create(
        network=network,
        first_name=" An ",
        last_name="Claes",
        street="kerkstraat",
        house_number="12",
        postcode="9340",
        email="An.Claes@Example.org",
        mobile_phone="+32470123456",
        consents=[("house_rules", "1.0", "paper"), ("privacy_notice", "1.0", "paper")],
    )
    assert member.street == "Kerkstraat"  # canonical spelling
    assert member.email == "an.claes@example.org"
    assert member.language == "nl"  # the network's first language
    assert member.status == Member.Status.PENDING
    assert ConsentRecord.objects.filter(member=member).count() == 2
    with pytest.raises(ValidationError) as exc:
        member_create(
            network=network,
            first_name="B",
            last_name="C",
            street="Kerkstraat",
            house_number="120",
            postcode="9340",
            email="b@example.org",
        )
    assert "house_number" in exc.value.message_dict
    # One membership per email in a network.
    with pytest.raises(ValidationError):
        member_create(
            network=network,
            first_name="D",
            last_name="E",
            street="Kerkstraat",
            house_number="3",
            postcode="9340",
            email="an.claes@example.org",
        )
    assert Member.objects.count() == 1


def test_member_list_queries_do_not_grow_with_page_size(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.users["coordinator"])
    url = reverse("members:list", args=[world.network.slug])
    client.get(url)  # warm up session and caches
    # 13: the nav also counts new addresses waiting for the coordinator.
    with django_assert_max_num_queries(13) as small:
        client.get(url)
    MemberFactory.create_batch(49, network=world.network)
    with django_assert_max_num_queries(13) as big:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 50
    assert len(big.captured_queries) == len(small.captured_queries)


def test_member_search_by_name_street_and_phone(client, world):
    MemberFactory(network=world.network, last_name="Vermeulenx", mobile_phone="+32478112233")
    client.force_login(world.users["coordinator"])
    url = reverse("members:list", args=[world.network.slug])
    for q in ("Vermeulenx", "0478 11 22 33", "+32478112233"):
        page = client.get(url, {"q": q}).context["page"]
        assert [m.last_name for m in page.object_list] == ["Vermeulenx"], q
    # htmx asks only for the rows.
    response = client.get(url, {"q": "Vermeulenx"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert b"Vermeulenx" in response.content


def test_search_with_a_nul_byte_is_harmless(client, world):
    client.force_login(world.users["coordinator"])
    response = client.get(reverse("members:list", args=[world.network.slug]), {"q": "a\x00b"})
    assert response.status_code == 200


def test_history_restore_gets_the_whole_page(client, world):
    client.force_login(world.users["coordinator"])
    url = reverse("members:list", args=[world.network.slug])
    response = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert b"<html" in response.content
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("q", ["0491", "0491 1", "+32 491", "0032491", "04911"])
def test_phone_search_by_the_beginning_of_the_number(client, world, q):
    # Coordinators type how a number starts ("0491"): stored numbers are E.164.
    MemberFactory(network=world.network, last_name="Zeventig", mobile_phone="+32491123456")
    MemberFactory(network=world.network, last_name="Andere", mobile_phone="+32478491491")
    client.force_login(world.users["coordinator"])
    page = client.get(reverse("members:list", args=[world.network.slug]), {"q": q})
    assert [m.last_name for m in page.context["page"].object_list] == ["Zeventig"], q


def test_dutch_phone_search_uses_the_dutch_country_code(world):
    zone = PoliceZoneFactory(country="NL")
    network = NetworkFactory(municipality=MunicipalityFactory(police_zone=zone), languages=["nl"])
    MemberFactory(network=network, last_name="Mobiel", mobile_phone="+31612345678")
    found = member_list(network=network, filters=MemberFilter(search="06 12"))
    assert [m.last_name for m in found] == ["Mobiel"]


@pytest.mark.parametrize(
    ("country", "example"), [("BE", "0470 12 34 56"), ("NL", "06 12 34 56 78")]
)
def test_forms_show_a_phone_example_of_the_network_s_country(client, world, country, example):
    zone = PoliceZoneFactory(country=country)
    network = NetworkFactory(
        municipality=MunicipalityFactory(police_zone=zone), languages=["nl"],
        status="active", streets=[("Dorpsstraat", "1234 AB", None, None)],
    )  # fmt: skip
    join = client.get(reverse("members:signup:join", kwargs={"slug": network.slug}))
    other = "06 12 34 56 78" if country == "BE" else "0470 12 34 56"
    assert example in join.content.decode() and other not in join.content.decode()
    form = MemberForm(network=network, adding=True)
    assert example in str(form["mobile_phone"].help_text)
