"""Reads of starting a BIN: the requests an officer sees, the interest list's
figures, the join link and its QR code for the flyer."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.constants
from django.conf import settings
from django.db.models import Case, QuerySet, When
from django.urls import reverse

from charters.models import InterestEntry, InterestInvitation, Meeting, StartRequest
from networks.models import Municipality, Network
from networks.selectors import user_roles

__all__ = [
    "interest_confirmed_count",
    "meeting_interest_status",
    "municipalities_for_requests",
    "network_join_url",
    "qr_code_data_uri",
    "qr_code_png",
    "start_requests_for_user",
]


def start_requests_for_user(*, user) -> QuerySet[StartRequest]:
    """Confirmed requests of the zones the user is a mandated officer of
    (all for admins), new ones first. Unconfirmed ones are nobody's business."""
    roles = user_roles(user=user)
    requests = StartRequest.objects.exclude(status=StartRequest.Status.UNVERIFIED).select_related(
        "municipality__police_zone", "network", "decided_by"
    )
    if not roles.is_admin:
        requests = requests.filter(municipality__police_zone__in=roles.officer_of_zones)
    new_first = Case(When(status=StartRequest.Status.NEW, then=0), default=1)
    return requests.order_by(new_first, "-created_at")


def municipalities_for_requests() -> QuerySet[Municipality]:
    """The municipalities a resident can choose, with their zone, by name."""
    return Municipality.objects.select_related("police_zone").order_by("name")


def interest_confirmed_count(*, network: Network) -> int:
    return InterestEntry.objects.filter(network=network, email_verified_at__isnull=False).count()


def meeting_interest_status(*, meeting: Meeting) -> dict:
    """For the meeting's page: the last sending to the interest list and how
    many confirmed people it has not reached yet."""
    last: InterestInvitation | None = meeting.interest_invitations.first()
    entries = InterestEntry.objects.filter(
        network=meeting.network_id, email_verified_at__isnull=False
    )
    if last is not None:
        entries = entries.filter(email_verified_at__gt=last.sent_at)
    return {"last": last, "waiting": entries.count()}


def network_join_url(*, network: Network) -> str:
    """Where the flyer's QR code leads: the sign-up of a network that takes
    sign-ups (preparing or active), else its interest list."""
    if network.status in (Network.Status.PREPARING, Network.Status.ACTIVE):
        path = reverse("members:signup:join", kwargs={"slug": network.slug})
    else:
        path = reverse("starting:interest", kwargs={"slug": network.slug})
    return settings.PUBLIC_BASE_URL + path


def qr_code_png(*, url: str) -> bytes:
    """The QR code of ``url`` as a PNG: 10 pixels per module, a quiet zone of
    4 modules (the standard's), error correction M (survives a worn sign)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def qr_code_data_uri(*, url: str) -> str:
    """The QR code as a ``data:`` URI, inlined in the PDF's HTML (nothing fetched)."""
    return "data:image/png;base64," + base64.b64encode(qr_code_png(url=url)).decode()
