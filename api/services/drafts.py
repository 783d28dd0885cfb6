"""Drafts written through the API go through the compose page's form and
``messaging.services.drafts``: the same checks, the same writes."""

from __future__ import annotations

from django.utils.translation import gettext as _

from api.problems import Unprocessable
from messaging.forms.messages import LANGUAGES, MessageForm
from messaging.models import Message
from messaging.services.drafts import message_draft_save
from networks.models import Network

# The compose form's per-language fields, as the API's dotted names.
_TEXT_FIELDS = {
    f"{part}_{code}": f"texts.{code}.{part}"
    for code, _name in LANGUAGES
    for part in ("sms", "subject", "body")
}


def message_as_payload(message: Message) -> dict:
    """A draft in the API's shape, the base that a PATCH changes."""
    return {
        "kind": message.kind,
        "networks": [n.slug for n in message.networks.all()],
        "streets": list(message.streets),
        "by_sms": message.by_sms,
        "by_email": message.by_email,
        "by_voice": message.by_voice,
        "texts": message.texts,
        "follows": message.follows_id,
        "expires_at": message.expires_at,
    }


def _form_data(payload: dict) -> dict:
    slugs = list(dict.fromkeys(payload["networks"]))
    found = dict(Network.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise Unprocessable(
            errors={
                "networks": [_("Unknown network(s): %(slugs)s.") % {"slugs": ", ".join(unknown)}]
            }
        )
    data = {
        "kind": payload["kind"],
        "networks": [found[s] for s in slugs],
        "streets": "\n".join(payload.get("streets") or []),
        "follows": payload.get("follows") or "",
        "expires_at": payload.get("expires_at") or "",
    }
    for channel in ("by_sms", "by_email", "by_voice"):
        if payload.get(channel):
            data[channel] = "on"
    for code, text in (payload.get("texts") or {}).items():
        for part in ("sms", "subject", "body"):
            data[f"{part}_{code}"] = text.get(part, "")
    return data


def api_message_draft_save(*, user, payload: dict, message: Message | None = None) -> Message:
    """Create (or, with ``message``, change) a draft from the API's JSON.

    The compose form checks it as on the page; its refusals come back as
    ``Unprocessable`` with the API's field names (``texts.nl.sms``)."""
    form = MessageForm(_form_data(payload), user=user)
    if not form.is_valid():
        errors: dict[str, list[str]] = {}
        for name, messages in form.errors.items():
            key = "non_field_errors" if name == "__all__" else _TEXT_FIELDS.get(name, name)
            errors.setdefault(key, []).extend(str(m) for m in messages)
        raise Unprocessable(errors=errors)
    return message_draft_save(created_by=user, message=message, **form.draft_fields())
