"""Form helpers shared by every app's views."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def errors_to_form(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: each message next to the
    field it names, and anything else (or a field the form lacks) above it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
