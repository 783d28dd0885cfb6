"""What the forms of governance, meetings and signs share: date widgets that
browsers render as pickers, and a helper with one submit button."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms


def submit_helper(label) -> FormHelper:
    """A crispy helper whose form ends with one submit button labelled ``label``."""
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)
