import pytest

from outbox.sms import sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters count twice
        ("€" * 81, "GSM-7", 2),
        ("Inbraak in de Kerkstraat: licht aan!", "GSM-7", 1),
        ("Cambriolage à Lede, fermez portes et fenêtres", "UCS-2", 1),  # ê is not GSM-7
        ("ê" * 70, "UCS-2", 1),
        ("ê" * 71, "UCS-2", 2),
        ("🚨" * 35, "UCS-2", 1),  # surrogate pairs take two units
        ("🚨" * 36, "UCS-2", 2),
    ],
)
def test_segments(text, encoding, segments):
    length = sms_length(text)
    assert (length.encoding, length.segments) == (encoding, segments)
