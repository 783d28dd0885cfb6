"""Forms of the conversations inbox (answer, forward, assign) and of a
zone's watch words. The rules live in ``messaging.services.conversations``."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Language
from messaging.models import Conversation
from messaging.services.conversations import ANSWER_MAX_LENGTH


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *Conversation.Status.choices]


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent on the channel of the member's last message; kept on the thread."),
    )
    close = forms.BooleanField(label=_("Close the conversation after answering"), required=False)


class ForwardForm(forms.Form):
    to_email = forms.ChoiceField(label=_("Officer"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, officer_emails: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_email"].choices = [(e, e) for e in officer_emails]


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody")), *(
            (str(u.pk), u.get_full_name() or u.email) for u in staff
        )]  # fmt: skip


class WatchWordsForm(forms.Form):
    """One textarea per language, one word or phrase per line."""

    def __init__(self, *args, words: dict[str, list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in Language.choices:
            self.fields[code] = forms.CharField(
                label=label,
                required=False,
                max_length=5000,
                initial="\n".join(words.get(code, [])),
                widget=forms.Textarea(attrs={"rows": 8}),
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save the watch words")))
