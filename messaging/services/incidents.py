"""Members' incident reports (meldingen): a member reports, the officer and the
coordinator triage.

A report reaches staff as a short email with a link to the triage page; the
description, the photo and the reporter's contact data stay on the platform.
Feedback goes back to the reporter through ``member_message_send``: their
contact data is used for sending only.
"""

from __future__ import annotations

import logging
import warnings
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from accounts.models import User
from bin_platform.uploads import upload_name_clean
from members.models import Member
from members.services.core import member_message_send
from messaging.models import IncidentReport
from messaging.signals import incident_report_created
from networks.models import SCREENED_ROLES, Network, Role, RoleAssignment
from networks.selectors import street_names
from outbox.services.notifications import notification_queue

logger = logging.getLogger(__name__)

# Lets Pillow open HEIC/HEIF (iPhone photos), to strip their metadata too.
register_heif_opener()

INCIDENT_MAX_AGE = timedelta(days=30)
INCIDENT_PHOTO_MAX_BYTES = 8 * 1024 * 1024
# Against a member (or whoever holds their link) flooding staff with email.
INCIDENTS_PER_DAY = 10
# A clock a few minutes ahead, or "now" typed in a minute that is not over yet,
# is not a report from the future.
_CLOCK_SKEW = timedelta(minutes=5)

_S = IncidentReport.Status
# Forward only; a closed report stays closed.
INCIDENT_STATUS_NEXT: dict[str, frozenset[str]] = {
    _S.NEW: frozenset({_S.ACKNOWLEDGED}),
    _S.ACKNOWLEDGED: frozenset({_S.FORWARDED, _S.CLOSED}),
    _S.FORWARDED: frozenset({_S.CLOSED}),
    _S.CLOSED: frozenset(),
}

# Extension → the photo type it claims; the stored file gets the extension of
# the type its content shows, so the served Content-Type never trusts the name.
_PHOTO_EXTENSIONS = {
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
    ".heic": "heic",
    ".heif": "heic",
    ".webp": "webp",
}
PHOTO_CONTENT_TYPES = {
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
    # Photos sent before HEIC was re-encoded (stored as sent) are still served.
    "heic": ("image/heic", ".heic"),
    "webp": ("image/webp", ".webp"),
}
# Canonical extension of the content → the Pillow format it is re-encoded in,
# and the type it is stored as (HEIC becomes JPEG).
_PHOTO_FORMATS = {".jpg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".heic": "JPEG"}
_PHOTO_STORED_AS = {".jpg": "jpeg", ".png": "png", ".webp": "webp", ".heic": "jpeg"}
# Phones take 12-50 megapixel photos (some 108 Mpx sensors save 12 Mpx by
# default). More is refused before decoding: a 13000 x 13000 PNG of 0.5 MB
# would take over a gigabyte of memory to decode.
INCIDENT_PHOTO_MAX_PIXELS = 50_000_000
_REFUSALS_KEY = "incidents:refused-photos:{pk}"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

_TEXT_LIMITS = {"description": 5000, "person_description": 2000}
FEEDBACK_MAX_LENGTH = 1000


def incident_photo_type(head: bytes) -> str | None:
    """The photo type the first bytes of a file show ("jpeg", "png", "heic",
    "webp"), or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def _photo_check(photo) -> tuple[str | None, str]:
    """(error, canonical extension) for an uploaded photo."""
    wrong_type = _("Send a photo in JPEG, PNG, HEIC or WebP format.")
    if Path(photo.name or "").suffix.lower() not in _PHOTO_EXTENSIONS:
        return wrong_type, ""
    if photo.size is not None and photo.size > INCIDENT_PHOTO_MAX_BYTES:
        return _("The photo is too large: at most 8 MB."), ""
    photo.seek(0)
    head = photo.read(16)
    photo.seek(0)
    kind = incident_photo_type(head)
    if kind is None:
        return wrong_type, ""
    return None, PHOTO_CONTENT_TYPES[kind][1]


def _photo_without_metadata(photo, extension: str) -> tuple[ContentFile | None, str]:
    """(A copy of the photo re-encoded without its metadata, canonical
    extension), or (None, why it is refused).

    A member's phone often writes their home's coordinates into the photo
    (EXIF GPS position, camera serial, time); the police need the picture,
    not that. The orientation is applied to the pixels. HEIC (iPhones) is
    decoded with pillow-heif and stored as JPEG, which every browser shows.

    Only the header is read before the size is checked: a photo over
    INCIDENT_PHOTO_MAX_PIXELS, or one Pillow warns about as a possible
    decompression bomb, is refused without being decoded.
    """
    unreadable = _("This file is not a readable photo.")
    try:
        photo.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(photo) as image:
                if image.width * image.height > INCIDENT_PHOTO_MAX_PIXELS:
                    return None, _photo_too_many_pixels()
                image = ImageOps.exif_transpose(image)
                target = _PHOTO_FORMATS[extension]
                if target == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                out = BytesIO()
                # No exif/icc/pnginfo arguments: Pillow writes none of them then.
                image.save(out, format=target, quality=90)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return None, _photo_too_many_pixels()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None, unreadable
    stored = PHOTO_CONTENT_TYPES[_PHOTO_STORED_AS[extension]][1]
    return ContentFile(out.getvalue(), name=f"photo{stored}"), stored


def _photo_too_many_pixels() -> str:
    return _("The photo has too many pixels: at most %(mpx)s megapixels.") % {
        "mpx": INCIDENT_PHOTO_MAX_PIXELS // 1_000_000
    }


def _photo_refusal_count(member: Member) -> None:
    """A refused photo counts towards the daily limit like a report: decoding
    costs the server, so one link cannot send bomb after bomb."""
    key = _REFUSALS_KEY.format(pk=member.pk)
    cache.add(key, 0, timeout=int(timedelta(days=1).total_seconds()))
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(timedelta(days=1).total_seconds()))


def _reports_today(member: Member) -> int:
    since = timezone.now() - timedelta(days=1)
    reports = IncidentReport.objects.filter(member=member, created_at__gte=since).count()
    return reports + (cache.get(_REFUSALS_KEY.format(pk=member.pk)) or 0)


def _street_canonical(network: Network, street: str) -> tuple[str, str | None]:
    street = " ".join((street or "").split())
    if not street:
        return "", _("Choose the street where it happened.")
    names = street_names(network=network)
    if not names:
        # A network without a street list yet: take what the member typed.
        return street[:120], None
    for name in names:
        if name.casefold() == street.casefold():
            return name, None
    return "", _("Choose a street of %(network)s.") % {"network": network.name}


def _check(
    *, member: Member, category: str, happened_at, street: str, texts: dict, photo
) -> tuple[dict, str, str]:
    errors: dict[str, str] = {}
    if category not in IncidentReport.Category.values:
        errors["category"] = _("Choose what you want to report.")
    now = timezone.now()
    if not isinstance(happened_at, datetime):
        errors["happened_at"] = _("Enter the date and time it happened.")
    else:
        if timezone.is_naive(happened_at):
            happened_at = timezone.make_aware(happened_at)
        if happened_at > now + _CLOCK_SKEW:
            errors["happened_at"] = _("This moment lies in the future.")
        elif happened_at < now - INCIDENT_MAX_AGE:
            errors["happened_at"] = _(
                "Reports are for the last 30 days. For older facts, contact the police directly."
            )
    street, street_error = _street_canonical(member.network, street)
    if street_error:
        errors["street"] = street_error
    if not texts["description"]:
        errors["description"] = _("Describe what happened.")
    for field, limit in (
        *_TEXT_LIMITS.items(),
        ("vehicle_description", IncidentReport._meta.get_field("vehicle_description").max_length),
        ("plate", IncidentReport._meta.get_field("plate").max_length),
    ):
        if len(texts[field]) > limit:
            errors[field] = _("At most %(n)s characters.") % {"n": limit}
    extension = ""
    if photo:
        # The name is not kept (upload_to makes a random one); cleaned anyway
        # so an invisible character cannot hide the extension checked here.
        photo.name = upload_name_clean(photo.name)
        photo_error, extension = _photo_check(photo)
        if photo_error:
            errors["photo"] = photo_error
    return errors, street, extension


def incident_staff(*, network: Network):
    """The staff a new report of this network goes to: the mandated officers
    of its zone (reports go to the police first; coordinators see a report in
    full once an officer shares it, ``incident_share``)."""
    holders = RoleAssignment.objects.effective().filter(
        role=Role.OFFICER, police_zone_id=network.police_zone_id
    )
    return _staff_users(holders)


def incident_coordinators(*, network: Network):
    """The network's effective coordinators and co-coordinators."""
    holders = RoleAssignment.objects.effective().filter(role__in=SCREENED_ROLES, network=network)
    return _staff_users(holders)


def _staff_users(holders):
    return (
        User.objects.filter(is_active=True, pk__in=holders.values("user_id"))
        .exclude(email="")
        .order_by("pk")
    )


def _report_link_email(
    report: IncidentReport, users, *, kind: str, text: str = "incident_shared"
) -> int:
    """Email each of ``users``, in their language, the report's category,
    time and street and the link to it (``messaging/texts/<text>.txt``; never
    its description or the reporter: those stay on the platform). Returns how
    many were queued."""
    url = settings.PUBLIC_BASE_URL + reverse("messaging:incident", args=[report.pk])
    count = 0
    for user in users:
        with translation.override(user.preferred_language):
            context = {"report": report, "network": report.network, "url": url}
            subject = render_to_string(f"messaging/texts/{text}_subject.txt", context)
            body = render_to_string(f"messaging/texts/{text}.txt", context)
        notification_queue(
            kind=kind, channel="email", to=user.email, subject=" ".join(subject.split()), body=body
        )
        count += 1
    return count


def _staff_notify(report: IncidentReport) -> int:
    return _report_link_email(
        report,
        incident_staff(network=report.network),
        kind="member_report_new",
        text="incident_new",
    )


def incident_create(
    *,
    member: Member,
    category: str,
    happened_at: datetime,
    street: str,
    description: str,
    person_description: str = "",
    vehicle_description: str = "",
    plate: str = "",
    police_called: bool = False,
    photo=None,
) -> IncidentReport:
    """Store a member's report and tell the coordinators and officers of its network.

    Raises ValidationError keyed by field for bad input; nothing is stored then.
    The photo (JPEG, PNG, HEIC or WebP, by extension and by content, at most
    8 MB and 50 megapixels) is stored under a random name without its
    metadata (EXIF location), HEIC as JPEG, and shown to the police only. A
    refused photo counts towards the daily limit of reports.
    """
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("Only active members can send reports."))
    texts = {
        "description": (description or "").strip(),
        "person_description": (person_description or "").strip(),
        "vehicle_description": (vehicle_description or "").strip(),
        "plate": " ".join((plate or "").upper().split()),
    }
    errors, street, extension = _check(
        member=member,
        category=category,
        happened_at=happened_at,
        street=street,
        texts=texts,
        photo=photo,
    )
    if errors:
        if "photo" in errors:
            _photo_refusal_count(member)
        raise ValidationError(errors)
    if timezone.is_naive(happened_at):
        happened_at = timezone.make_aware(happened_at)
    if _reports_today(member) >= INCIDENTS_PER_DAY:
        raise ValidationError(
            _("You have sent many reports today. Try again tomorrow, or call the police.")
        )
    if photo:
        # The member's file name may carry personal data; upload_to makes a
        # random one, and the extension follows the content.
        photo, refusal = _photo_without_metadata(photo, extension)
        if photo is None:
            _photo_refusal_count(member)
            raise ValidationError({"photo": refusal})
    report = None
    try:
        with transaction.atomic():
            report = IncidentReport.objects.create(
                network=member.network,
                member=member,
                category=category,
                happened_at=happened_at,
                street=street,
                police_called=bool(police_called),
                photo=photo or "",
                **texts,
            )
            _staff_notify(report)
            incident_report_created.send(sender=IncidentReport, report=report)
    except Exception:
        if report is not None and report.photo:
            report.photo.delete(save=False)
        raise
    logger.info("member report %s created in network %s", report.pk, report.network_id)
    return report


def incident_next_statuses(*, report: IncidentReport) -> list[str]:
    """The statuses a report may move to now, in their order."""
    allowed = INCIDENT_STATUS_NEXT[report.status]
    return [value for value in IncidentReport.Status.values if value in allowed]


@transaction.atomic
def incident_triage(
    *, report: IncidentReport, handled_by, status: str, feedback: str = ""
) -> IncidentReport:
    """Move a report forward (new → acknowledged → forwarded → closed; an
    acknowledged report may be closed at once) and/or send feedback to the
    reporter. Keeping the status is allowed only to send feedback.

    Raises PermissionDenied unless ``handled_by`` may triage the report, and
    ValidationError keyed by field for a status or feedback that is refused.
    """
    if not handled_by.has_perm("messaging.triage_incident", report):
        raise PermissionDenied
    report = (
        IncidentReport.objects.select_for_update(of=("self",))
        .select_related("network", "member", "member__network")
        .get(pk=report.pk)
    )
    feedback = (feedback or "").strip()
    errors: dict[str, str] = {}
    if report.status == _S.CLOSED:
        raise ValidationError(_("This report is closed."))
    if status not in IncidentReport.Status.values:
        errors["status"] = _("Choose a status.")
    elif status != report.status and status not in INCIDENT_STATUS_NEXT[report.status]:
        errors["status"] = _("A report cannot go from %(old)s to %(new)s.") % {
            "old": report.get_status_display(),
            "new": IncidentReport.Status(status).label,
        }
    elif status == report.status and not feedback:
        errors["status"] = _("Choose a new status, or write feedback to the reporter.")
    reporter = report.member
    if feedback:
        if len(feedback) > FEEDBACK_MAX_LENGTH:
            errors["feedback"] = _("At most %(n)s characters.") % {"n": FEEDBACK_MAX_LENGTH}
        elif (
            reporter is None
            or reporter.status == Member.Status.LEFT
            or not (reporter.email or reporter.mobile_phone)
        ):
            errors["feedback"] = _(
                "The reporter has left the network or cannot be reached: feedback cannot be sent."
            )
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    fields = ["handled_by", "updated_at"]
    report.handled_by = handled_by
    if status != report.status:
        report.status = status
        fields.append("status")
    if report.triaged_at is None:
        report.triaged_at = now
        fields.append("triaged_at")
    if feedback:
        stamp = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
        report.feedback = f"{report.feedback}\n\n[{stamp}] {feedback}".strip()
        fields.append("feedback")
    report.save(update_fields=fields)
    if feedback:
        member_message_send(
            member=reporter,
            kind="report_feedback",
            template="messaging/texts/incident_feedback",
            context={"report": report, "feedback": feedback},
        )
    return report


@transaction.atomic
def incident_share(*, report: IncidentReport, shared_by) -> IncidentReport:
    """Share a report in full with the network's coordinators: an officer's
    decision (the report went to the police first). The coordinators get an
    email with the link; sharing again changes nothing.

    Raises PermissionDenied unless ``shared_by`` may share the report.
    """
    if not shared_by.has_perm("messaging.share_incident", report):
        raise PermissionDenied
    report = IncidentReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if report.shared_with_coordinators_at is not None:
        return report
    report.shared_with_coordinators_at = timezone.now()
    report.shared_by = shared_by
    report.save(update_fields=["shared_with_coordinators_at", "shared_by", "updated_at"])
    _report_link_email(
        report, incident_coordinators(network=report.network), kind="member_report_shared"
    )
    logger.info("report %s shared with the coordinators by user %s", report.pk, shared_by.pk)
    return report


def incident_municipal_staff(*, network: Network):
    """The staff of the network's municipality."""
    holders = RoleAssignment.objects.effective().filter(
        role=Role.MUNICIPAL_STAFF, municipality_id=network.municipality_id
    )
    return _staff_users(holders)


@transaction.atomic
def incident_share_with_municipality(*, report: IncidentReport, shared_by) -> IncidentReport:
    """Share a nuisance report (dumping, vandalism and graffiti, environment,
    noise) with the staff of the network's municipality: "politie en gemeente"
    handle nuisance together (seeds 003 and 004). They see that report only
    and get an email with its link; sharing again changes nothing.

    Raises PermissionDenied unless ``shared_by`` may share it (the zone's
    officers and admins, nuisance categories only).
    """
    if not shared_by.has_perm("messaging.share_incident_with_municipality", report):
        raise PermissionDenied
    report = IncidentReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if report.shared_with_municipality_at is not None:
        return report
    report.shared_with_municipality_at = timezone.now()
    report.save(update_fields=["shared_with_municipality_at", "updated_at"])
    _report_link_email(
        report, incident_municipal_staff(network=report.network), kind="member_report_shared"
    )
    logger.info("report %s shared with the municipality by user %s", report.pk, shared_by.pk)
    return report
