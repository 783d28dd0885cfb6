"""The message template library: officers keep their zone's templates in the
app (a zone's version of a standard template replaces it for the zone)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from messaging.models import Message, MessageTemplate
from messaging.selectors.templates import TEXT_PARTS, template_texts_errors
from networks.models import LANGUAGE_CODES, PoliceZone

logger = logging.getLogger(__name__)


def _clean_texts(texts: dict) -> dict:
    """Languages with any text, each with its three parts stripped."""
    cleaned = {}
    for code in LANGUAGE_CODES:
        parts = {p: str((texts.get(code) or {}).get(p, "")).strip() for p in TEXT_PARTS}
        if any(parts.values()):
            cleaned[code] = parts
    return cleaned


@transaction.atomic
def message_template_save(
    *,
    saved_by,
    police_zone: PoliceZone | None,
    kind: str,
    title: str,
    texts: dict,
    template: MessageTemplate | None = None,
    overrides: MessageTemplate | None = None,
) -> MessageTemplate:
    """Create or change a template of ``police_zone`` (None: the standard
    set, admins only).

    ``texts`` is ``{language: {"sms", "subject", "body"}}``; only the
    placeholders of ``messaging.selectors.templates.PLACEHOLDERS`` are
    allowed. ``overrides`` makes it the zone's version of a standard
    template, one per zone. Raises ValidationError with the fields at fault
    (``sms_nl``, ``title``, ...) and PermissionDenied when ``saved_by`` does
    not manage the zone's templates.
    """
    target = template.police_zone if template is not None else police_zone
    if template is not None and not saved_by.has_perm("messaging.change_template", template):
        raise PermissionDenied
    if template is None and not saved_by.has_perm("messaging.manage_templates", target):
        raise PermissionDenied
    texts = _clean_texts(texts)
    errors = template_texts_errors(texts=texts)
    if not texts:
        errors.setdefault("sms_nl", []).append(_("Write the template in at least one language."))
    if kind not in Message.Kind.values:
        errors["kind"] = [_("Choose a kind.")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the template a title.")]
    if overrides is not None:
        if overrides.police_zone_id is not None or target is None:
            errors["overrides"] = [_("Only a zone's template replaces a standard one.")]
        else:
            taken = MessageTemplate.objects.filter(police_zone=target, overrides=overrides)
            if template is not None:
                taken = taken.exclude(pk=template.pk)
            if taken.exists():
                errors["overrides"] = [_("The zone already has its version of this template.")]
    if errors:
        raise ValidationError(errors)
    if template is None:
        template = MessageTemplate(police_zone=target)
    template.kind = kind
    template.title = title[:120]
    template.texts = texts
    template.overrides = overrides
    template.save()
    logger.info("message template %s saved by user %s", template.pk, saved_by.pk)
    return template


@transaction.atomic
def message_template_delete(*, template: MessageTemplate, deleted_by) -> None:
    """Delete a zone's template (its standard one, if it replaced one, is
    offered again). Messages written from it keep their texts."""
    if not deleted_by.has_perm("messaging.change_template", template):
        raise PermissionDenied
    logger.info("message template %s deleted by user %s", template.pk, deleted_by.pk)
    template.delete()
