"""The member's answer to a message they received, on their personal page.
The rules live in ``messaging.services.conversations.member_web_reply``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.services.conversations import WEB_REPLY_MAX_LENGTH


class MessageReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        max_length=WEB_REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Read by the coordinator and the police, not around the clock. "
            "In an emergency, call the numbers above."
        ),
    )
