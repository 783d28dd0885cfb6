"""The founding checklist of a network and the status that follows it.

Each network has one row per fixed step (circular of 28 February 2019),
created on demand. The network's status follows the steps forward only:
proposed → preparing once any step is done, and active only once a charter
version is signed by all three parties (``network_status_follow``); every
change is written to the governance log.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bin_platform.archives import ArchiveRefused, archive_open, archive_read
from bin_platform.uploads import upload_name_clean
from charters.models import FoundingAttachment, FoundingStep, GovernanceEvent
from charters.selectors.charter import charter_in_force
from charters.services.interest import interest_hand_over
from networks.models import Network

__all__ = [
    "ATTACHMENT_TYPES",
    "founding_attachment_add",
    "founding_attachment_delete",
    "founding_attachment_type",
    "founding_step_update",
    "founding_steps_ensure",
    "network_status_follow",
]

logger = logging.getLogger(__name__)

# Extension → content type served back. The content must match the extension
# (``founding_attachment_type``): a renamed executable is refused.
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
_OOXML = {".docx", ".xlsx"}
_ODF = {".odt", ".ods"}


def _max_bytes() -> int:
    return settings.FOUNDING_ATTACHMENT_MAX_BYTES


@transaction.atomic
def founding_steps_ensure(*, network: Network) -> list[FoundingStep]:
    """The network's founding steps in order, creating the missing rows."""
    existing = set(FoundingStep.objects.filter(network=network).values_list("step", flat=True))
    missing = [
        FoundingStep(network=network, step=code, position=position)
        for position, (code, _label) in enumerate(FoundingStep.Step.choices, start=1)
        if code not in existing
    ]
    if missing:
        FoundingStep.objects.bulk_create(missing, ignore_conflicts=True)
    return list(FoundingStep.objects.filter(network=network).order_by("position"))


def _log_status(network: Network, old: str, new: str, actor) -> None:
    GovernanceEvent.objects.create(
        network=network,
        action=GovernanceEvent.Action.STATUS,
        actor=actor,
        detail=f"{Network.Status(old).label} → {Network.Status(new).label}",
    )
    logger.info("network %s status %s -> %s", network.pk, old, new)


@transaction.atomic
def network_status_follow(*, network: Network, actor=None) -> Network:
    """Move the network's status forward as its founding steps say.

    Proposed becomes preparing once any step is done; proposed or preparing
    becomes active only when a charter version is in force (all three
    signatures). Never moves a network back, and leaves suspended or
    dissolved networks alone: those are the officer's decisions.
    """
    network = Network.objects.select_for_update().get(pk=network.pk)
    old = network.status
    if old not in (Network.Status.PROPOSED, Network.Status.PREPARING):
        return network
    new = old
    if charter_in_force(network=network) is not None:
        new = Network.Status.ACTIVE
    elif FoundingStep.objects.filter(network=network, done_on__isnull=False).exists():
        new = Network.Status.PREPARING
    if new != old:
        network.status = new
        fields = ["status"]
        if new == Network.Status.ACTIVE and network.founded_on is None:
            network.founded_on = timezone.localdate()
            fields.append("founded_on")
        network.save(update_fields=fields)
        _log_status(network, old, new, actor)
        if new == Network.Status.ACTIVE:
            # Founded: the interest list is invited to join and then erased.
            interest_hand_over(network=network)
    return network


@transaction.atomic
def founding_step_update(
    *, step: FoundingStep, updated_by, done_on=None, responsible: str = "", notes: str = ""
) -> FoundingStep:
    """Record a step's date, who is responsible and notes; the status follows.

    The "charter signed" step is completed by the signatures in the app
    (``charter_sign``), never by hand: its date cannot be set here.
    """
    step = FoundingStep.objects.select_for_update().get(pk=step.pk)
    if step.step == FoundingStep.Step.SIGNED and done_on != step.done_on:
        raise ValidationError(
            {"done_on": _("This step is completed when all three parties sign the charter.")}
        )
    if done_on is not None and done_on > timezone.localdate():
        raise ValidationError({"done_on": _("This date lies in the future.")})
    step.done_on = done_on
    step.responsible = responsible.strip()
    step.notes = notes.strip()
    step.updated_by = updated_by
    step.save()
    network_status_follow(network=step.network, actor=updated_by)
    return step


def founding_attachment_type(*, head: bytes, extension: str) -> str | None:
    """The content type of a file whose first bytes match its extension, else None."""
    extension = extension.lower()
    if extension not in ATTACHMENT_TYPES:
        return None
    if extension == ".pdf" and head.startswith(b"%PDF-"):
        return ATTACHMENT_TYPES[extension]
    if extension == ".png" and head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ATTACHMENT_TYPES[extension]
    if extension in (".jpg", ".jpeg") and head.startswith(b"\xff\xd8\xff"):
        return ATTACHMENT_TYPES[extension]
    if extension in _OOXML | _ODF and head.startswith(b"PK\x03\x04"):
        return ATTACHMENT_TYPES[extension]
    return None


# An office document is a zip: a small upload can unpack to gigabytes.
OFFICE_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# "application/vnd.oasis.opendocument.presentation-template" and its kin.
_ODF_MIMETYPE_MAX_BYTES = 100


def _office_document_ok(upload, extension: str) -> bool:
    """A zip that really is an office document (not any archive renamed), and
    no bomb: its declared sizes are checked and the one entry read is bounded."""
    try:
        with archive_open(upload, max_unpacked=OFFICE_MAX_UNPACKED_BYTES) as archive:
            names = set(archive.namelist())
            if extension in _OOXML:
                return "[Content_Types].xml" in names
            return "mimetype" in names and archive_read(
                archive, "mimetype", limit=_ODF_MIMETYPE_MAX_BYTES
            ).startswith(b"application/vnd.oasis.opendocument")
    except ArchiveRefused:
        return False
    finally:
        upload.seek(0)


def founding_attachment_check(upload) -> tuple[str | None, str]:
    """(error, content type) of an uploaded file."""
    allowed = _("Attach a PDF, PNG, JPEG, Word (docx), Excel (xlsx) or OpenDocument file.")
    extension = Path(upload.name or "").suffix.lower()
    if upload.size is not None and upload.size > _max_bytes():
        return (
            _("The file is too large: at most %(mb)s MB.") % {"mb": _max_bytes() // (1024 * 1024)},
            "",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = founding_attachment_type(head=head, extension=extension)
    if content_type is None:
        return allowed, ""
    if extension in _OOXML | _ODF and not _office_document_ok(upload, extension):
        return allowed, ""
    return None, content_type


@transaction.atomic
def founding_attachment_add(*, step: FoundingStep, upload, uploaded_by) -> FoundingAttachment:
    """Keep a file with a step, under a random name in private storage.

    Checked by size and by content (magic bytes), not by the name the browser
    sends; served only through the permission-checked download view.
    """
    # The name is shown again to staff: no control or direction-changing
    # characters (bin_platform.uploads), and the checks read the same name.
    upload.name = original = upload_name_clean(upload.name)
    error, content_type = founding_attachment_check(upload)
    if error:
        raise ValidationError({"file": error})
    attachment = FoundingAttachment(
        step=step,
        original_name=original,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=uploaded_by,
    )
    attachment.file.save(original, upload, save=False)
    attachment.save()
    FoundingStep.objects.filter(pk=step.pk).update(
        updated_by=uploaded_by, updated_at=timezone.now()
    )
    return attachment


@transaction.atomic
def founding_attachment_delete(*, attachment: FoundingAttachment, deleted_by) -> None:
    """Remove an attachment and its file (after commit, so a rollback keeps it)."""
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
    logger.info("founding attachment %s deleted by %s", name, getattr(deleted_by, "pk", None))
