"""Idempotent writes: ``Idempotency-Key`` on POST and PATCH.

The first request with a key runs and its answer is stored in the same
transaction as its writes; a repeat with the same key and body gets that
answer again (``Idempotent-Replayed: true``) without doing anything; the
same key with another body is refused with 422. Two requests with the same
key at the same moment: one wins, the other gets 409 and may retry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import ApiToken, IdempotencyRecord
from api.problems import Conflict, Unprocessable

MAX_KEY_LENGTH = 255


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.body, status=record.status_code)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def idempotency_run(*, request, token: ApiToken, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (token, Idempotency-Key); without a key, just run it."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return handler()
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("Give a key of 1 to 255 characters.")]}
        )
    digest = _request_hash(request)
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    IdempotencyRecord.objects.filter(token=token, key=key, created_at__lt=cutoff).delete()
    record = IdempotencyRecord.objects.filter(token=token, key=key).first()
    if record is not None:
        if record.request_hash != digest:
            raise Unprocessable(
                _("This Idempotency-Key was used for another request."),
                errors={"Idempotency-Key": [_("Use a new key for a different request.")]},
            )
        return _replay(record)
    try:
        with transaction.atomic():
            response = handler()
            IdempotencyRecord.objects.create(
                token=token,
                key=key,
                request_hash=digest,
                status_code=response.status_code,
                body=json.loads(JSONRenderer().render(response.data) or b"null"),
                location=response.get("Location", ""),
            )
    except IntegrityError:
        raise Conflict(
            _("A request with this Idempotency-Key is being handled; retry in a moment.")
        ) from None
    return response


def idempotency_purge() -> int:
    """Forget stored answers older than ``API_IDEMPOTENCY_HOURS``."""
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
