"""Junk in every field of the public sign-up never gives a 500 and stores nothing."""

from __future__ import annotations

from urllib.parse import quote

from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from members.models import Member
from outbox.models import Notification

FIELDS = (
    "first_name", "last_name", "street", "house_number", "postcode", "email", "mobile_phone",
    "landline", "language", "by_sms", "by_email", "by_voice", "adult", "date_of_birth",
    "relation", "business_name", "company_number", "accept_house_rules", "accept_privacy",
    "website",
)  # fmt: skip

NONE_ISH = st.sampled_from(
    ["", " ", "None", "null", "undefined", "0", "-1", "NaN", "\x00", "on", "true", "[]", "{}",
     "9" * 40, "<script>alert(1)</script>", "'; DROP TABLE members_member; --", "%00",
     "２０２０-０１-０１", "٠٤٧٠١٢٣٤٥٦", "+", "+32", "0000-00-00", "31/02/2000", "\u202e"]
)  # fmt: skip
JUNK = st.one_of(st.none(), NONE_ISH, st.text(max_size=60), st.text(min_size=200, max_size=400))
VALID = {
    "first_name": "An", "last_name": "Claes", "street": "Kerkstraat", "house_number": "12",
    "postcode": "9340", "email": "fuzz@example.org", "mobile_phone": "0470 12 34 56",
    "language": "nl", "by_sms": "on", "by_email": "on", "adult": "on", "relation": "lives",
    "accept_house_rules": "on", "accept_privacy": "on",
}  # fmt: skip
# Fields that, when junk, surely make the sign-up invalid.
BREAKABLE = ("street", "postcode", "email", "accept_privacy", "accept_house_rules", "language")
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _post(client: Client, url: str, data: dict):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def _counts() -> tuple[int, int]:
    return Member.objects.count(), Notification.objects.count()


@FUZZ
@given(values=st.fixed_dictionaries(dict.fromkeys(FIELDS, JUNK)))
def test_junk_everywhere(world, values):
    cache.clear()
    before = _counts()
    data = {name: value for name, value in values.items() if value is not None}
    response = _post(Client(), reverse("members:signup:join", kwargs={"slug": "oordegem"}), data)
    assert response.status_code in (200, 302, 429)
    assert _counts() == before


@FUZZ
@given(
    broken=st.sampled_from(BREAKABLE),
    junk=st.one_of(NONE_ISH, st.text(max_size=60)),
    extra=st.dictionaries(st.sampled_from(FIELDS), st.one_of(NONE_ISH, st.text(max_size=40))),
)
def test_one_bad_field_in_a_good_sign_up(world, broken, junk, extra):
    cache.clear()
    before = _counts()
    data = {**VALID, **extra}
    data.pop("website", None)
    valid_values = {"street": "Kerkstraat", "postcode": "9340", "language": "nl"}
    if junk.strip().upper() == valid_values.get(broken, "\0").upper() or (
        broken.startswith("accept_") and junk
    ):
        junk = ""
    data[broken] = junk
    response = _post(Client(), reverse("members:signup:join", kwargs={"slug": "oordegem"}), data)
    if broken == "email" and response.status_code == 302:
        # Junk that happens to be a valid address is a valid sign-up.
        return
    assert response.status_code in (200, 429), (broken, junk)
    assert _counts() == before


@FUZZ
@given(token=st.text(min_size=1, max_size=120), code=JUNK, action=JUNK)
def test_junk_tokens_and_codes(world, token, code, action):
    cache.clear()
    before = _counts()
    client = Client()
    url = f"/networks/oordegem/join/confirm/{quote(token, safe='')}/"
    assert client.get(url).status_code in (400, 404)
    assert _post(client, url, {}).status_code in (400, 404)
    verify = reverse("members:signup:verify", kwargs={"slug": "oordegem"})
    data = {key: value for key, value in (("code", code), ("action", action)) if value is not None}
    assert _post(client, verify, data).status_code == 302  # no sign-up in this session
    # A bot's decoy sign-up: its code page takes junk as calmly.
    join = _post(
        client,
        reverse("members:signup:join", kwargs={"slug": "oordegem"}),
        {**VALID, "website": "x"},
    )
    assert join.status_code == 302
    assert _post(client, verify, data).status_code in (200, 302, 429)
    assert _counts() == before
