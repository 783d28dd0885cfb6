from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.models import ConsentRecord, Member
from members.services.core import member_create
from tests.factories import MemberFactory, NetworkFactory


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
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    MemberFactory.create_batch(49, network=world.network)
    with django_assert_max_num_queries(12) as big:
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
