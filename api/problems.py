"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API answers has ``type``, ``title``, ``status`` and
``detail``; invalid input adds ``errors`` (field name → messages), so a
client can show each message next to its field.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    """A well-formed request the platform's rules refuse (e.g. the
    communication plan forbids a channel); ``errors`` per field."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("The request breaks a rule of the platform.")
    default_code = "unprocessable"

    def __init__(self, detail=None, errors: dict | None = None):
        super().__init__(detail)
        self.errors = errors or {}


def _django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
            for name, messages in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as "texts.nl.sms" → messages."""
    flat: dict[str, list[str]] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                walk(inner, f"{path}.{index}" if path else str(index))
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(path or "non_field_errors", []).extend(str(m) for m in messages)

    walk(detail, "")
    return flat


def problem_exception_handler(exc, context):
    """DRF's handler, answering in the problem+json shape."""
    if isinstance(exc, DjangoValidationError):
        exc = Unprocessable(errors=_django_errors(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None
    problem = {
        "type": "about:blank",
        "title": str(getattr(exc, "default_detail", "") or response.status_text),
        "status": response.status_code,
        "detail": "",
    }
    if isinstance(exc, exceptions.ValidationError):
        problem["title"] = str(_("Invalid input."))
        problem["detail"] = str(_("Correct the fields listed in errors."))
        problem["errors"] = _flatten(exc.detail)
    elif isinstance(exc, Unprocessable):
        problem["detail"] = " ".join(m for ms in exc.errors.values() for m in ms) or str(exc.detail)
        problem["errors"] = exc.errors
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        problem["detail"] = str(detail)
    response.data = problem
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
