"""The preferences form on a member's personal page. The rules live in
``members.services.personal.member_preferences_update``; this form only reads input."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Language, Member
from messaging.selectors.reach import member_reachable_channels, reach_of_channels


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of your messages and of this page"), choices=Language.choices
    )
    by_sms = forms.BooleanField(label=_("By SMS"), required=False)
    by_email = forms.BooleanField(label=_("By email"), required=False)
    by_voice = forms.BooleanField(label=_("By voice call"), required=False)
    deaf = forms.BooleanField(
        label=_("I am deaf or hard of hearing"),
        required=False,
        help_text=_(
            "We never call you then, and our texts tell you how to reach the emergency "
            "services without phoning."
        ),
    )
    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("May run past midnight, for example from 22:00 until 07:00."),
    )
    paused_until = forms.DateField(
        label=_("Pause non-urgent messages until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For a holiday, at most one year ahead. Leave empty for no pause."),
    )

    def __init__(self, *args, member: Member, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                name: getattr(member, name)
                for name in (
                    "language",
                    "by_sms",
                    "by_email",
                    "by_voice",
                    "deaf",
                    "quiet_hours_start",
                    "quiet_hours_end",
                    "paused_until",
                )
            },
        )
        super().__init__(*args, **kwargs)
        # Say where each channel would reach the member, so a refusal is no surprise.
        nothing = _("We have no number or address for this; add one under your contact details.")
        mobile = member.mobile_phone.as_international if member.mobile_phone else ""
        voice = member.landline.as_international if member.landline else mobile
        # And what each channel carries under the network's communication plan.
        self.reach = reach_of_channels(
            network=member.network, chosen=member_reachable_channels(member)
        )
        carries = {row.channel: row.kind_labels for row in self.reach.channels}
        for field, address in (("by_sms", mobile), ("by_email", member.email), ("by_voice", voice)):
            kinds = ", ".join(carries[field[3:]]) or _("nothing under this plan")
            self.fields[field].help_text = (
                _("To %(address)s. Carries: %(kinds)s.") % {"address": address, "kinds": kinds}
                if address
                else nothing
            )

        if member.deaf:
            self.fields["by_voice"].help_text = _(
                "We do not call you: you told us you are deaf or hard of hearing."
            )

        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            "language",
            Fieldset(_("How you receive messages"), "by_sms", "by_email", "by_voice", "deaf"),
            Fieldset(
                _("Quiet hours and pause (non-urgent messages only)"),
                Div(
                    Div("quiet_hours_start", css_class="col-sm-6"),
                    Div("quiet_hours_end", css_class="col-sm-6"),
                    css_class="row",
                ),
                "paused_until",
            ),
            Submit("save", _("Save my preferences")),
        )
