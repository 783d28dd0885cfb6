import pytest
from django.core.exceptions import ValidationError

from members.phones import mobile_normalise, voice_normalise


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("0470 12 34 56", "BE", "+32470123456"),
        ("0470/12.34.56", "BE", "+32470123456"),
        ("+32 470 12 34 56", "BE", "+32470123456"),
        ("0032470123456", "BE", "+32470123456"),
        ("06-12345678", "NL", "+31612345678"),
        ("+31 6 12345678", "NL", "+31612345678"),
        ("+31 6 12345678", "BE", "+31612345678"),  # a Dutch mobile in a Belgian network
    ],
)
def test_mobile_numbers_as_people_type_them(raw, country, expected):
    assert mobile_normalise(raw=raw, country=country) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [("053 60 64 64", "not_mobile"), ("12345", "invalid"), ("hello", "invalid"), ("", "required")],
)
def test_refused_for_sms(raw, code):
    with pytest.raises(ValidationError) as exc:
        mobile_normalise(raw=raw, country="BE")
    assert exc.value.code == code


def test_landline_is_fine_for_voice():
    assert voice_normalise(raw="053 60 64 64", country="BE") == "+3253606464"
