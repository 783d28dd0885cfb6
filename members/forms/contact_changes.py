"""The coordinator's decision on a member's new address outside the area."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ContactDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("refuse", _("Refuse"))],
        error_messages={"required": _("Choose to accept or refuse the new address.")},
    )
    reason = forms.CharField(
        label=_("Message to the member (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
