"""Privacy mode: no answer a coordinator gets may depend on the contact data
they cannot see (issue 16, item 4). Adding a member by hand or importing a
list with a member's email address or mobile number answers exactly as for
a new address; nothing is created, and the member is told instead."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from members.models import Member, MemberImport
from outbox.models import Notification
from tests.factories import MemberFactory
from tests.members.import_helpers import HEADER, _preview_url, _upload, _upload_url


@pytest.fixture
def private(world):
    world.network.privacy_mode = True
    world.network.save(update_fields=["privacy_mode"])
    return world


def _post(client, url, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def _form(**extra):
    data = {
        "first_name": "Probe", "last_name": "Person", "street": "Kerkstraat",
        "house_number": "14", "postcode": "9340", "email": "", "mobile_phone": "",
        "language": "nl", "by_sms": "on", "by_email": "on", "relation": "lives",
        "consent_method": "paper", "consent_confirmed": "on",
    }  # fmt: skip
    data.update(extra)
    return data


def _answer(response) -> tuple:
    """What the coordinator learns: status, where they land, the messages."""
    messages = [str(m) for m in response.wsgi_request._messages]
    location = response.get("Location", "")
    return response.status_code, location, [re.sub(r"\S+ \S+ was", "X was", m) for m in messages]


def test_add_form_answers_the_same_for_a_members_email_and_a_new_one(client, private):
    known = private.member
    client.force_login(private.users["coordinator"])
    url = reverse("members:add", args=[private.network.slug])
    before = Member.objects.count()
    cache.clear()
    taken = _post(client, url, _form(email=known.email.upper(), mobile_phone="0470 99 88 77"))
    client.get(taken["Location"])  # shows (and so ends) its messages
    fresh = _post(client, url, _form(last_name="Nieuw", email="new@example.org",
                                     mobile_phone="0470 99 88 66"))  # fmt: skip
    assert _answer(taken) == _answer(fresh)
    assert taken.status_code == 302
    assert "already" not in " ".join(_answer(taken)[2])
    # One member was created (the new address), the known one is unchanged.
    assert Member.objects.count() == before + 1
    known.refresh_from_db()
    assert known.last_name != "Person"
    notice = Notification.objects.get(kind="entered_again")
    assert notice.to == known.email
    # The mobile number too.
    taken = _post(client, url, _form(email="", by_email="", mobile_phone=str(known.mobile_phone)))
    assert taken.status_code == 302 and "already" not in " ".join(_answer(taken)[2])


def test_add_form_shows_other_errors_whether_or_not_the_address_is_known(client, private):
    client.force_login(private.users["coordinator"])
    url = reverse("members:add", args=[private.network.slug])
    bad_address = {"street": "Nergensstraat"}
    taken = client.post(url, _form(email=private.member.email, **bad_address))
    fresh = client.post(url, _form(email="nobody@example.org", **bad_address))
    assert taken.status_code == fresh.status_code == 200
    assert taken.context["form"].errors == fresh.context["form"].errors
    assert "email" not in taken.context["form"].errors


def test_officer_still_gets_the_duplicate_error(client, private):
    client.force_login(private.users["officer"])
    url = reverse("members:add", args=[private.network.slug])
    response = client.post(url, _form(email=private.member.email, by_sms=""))
    assert response.status_code == 200
    assert "already has this email" in str(response.context["form"].errors)


def test_import_preview_and_result_do_not_tell_which_rows_are_members(client, private):
    known = MemberFactory(network=private.network, status=Member.Status.ACTIVE)
    content = "\n".join(
        [
            HEADER,
            f"Greet,Known,Kerkstraat,16,9340,{known.email},,,,",
            f"Hans,Phone,Kerkstraat,17,9340,,{known.mobile_phone!s},,,",
            "Ilse,New,Kerkstraat,18,9340,ilse@example.org,,,,",
        ]
    )
    client.force_login(private.users["coordinator"])
    response = client.post(_upload_url(private), {"file": _upload("list.csv", content)})
    assert response.status_code == 302
    member_import = MemberImport.objects.get()
    assert member_import.error_count == 0 and member_import.valid_count == 3
    body = client.get(_preview_url(private, member_import)).content.decode()
    assert "already" not in body
    cache.clear()
    response = _post(
        client, _preview_url(private, member_import), {"action": "confirm", "attest": "on"}
    )
    assert response.status_code == 302
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.IMPORTED
    assert member_import.imported_count == 3
    assert Member.objects.filter(last_name="New").exists()
    assert not Member.objects.filter(last_name__in=["Known", "Phone"]).exists()
    # The member whose address was entered twice is told once.
    assert Notification.objects.filter(kind="entered_again").count() == 1


def test_import_preview_marks_members_for_the_officer(client, private):
    content = "\n".join([HEADER, f"Greet,Known,Kerkstraat,16,9340,{private.member.email},,,,"])
    client.force_login(private.users["officer"])
    client.post(_upload_url(private), {"file": _upload("list.csv", content)})
    assert MemberImport.objects.get().error_count == 1
