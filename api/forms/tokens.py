"""The form for a new API token."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.scopes import Scope
from api.services.tokens import api_token_scopes_for


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("Which system uses it, e.g. “Dispatch centre Aalst”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The token can never do more than your roles allow; scopes narrow it."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = set(api_token_scopes_for(user=user))
        self.fields["scopes"].choices = [(v, label) for v, label in Scope.choices if v in allowed]
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=90)
        self.fields["expires_on"].help_text = _("At most %(days)s days from today.") % {
            "days": settings.API_TOKEN_MAX_DAYS
        }
        self.helper = FormHelper()
        self.helper.add_input(Submit("create", _("Create token")))

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if value <= today:
            raise forms.ValidationError(_("Choose a date in the future."))
        if value > today + timedelta(days=settings.API_TOKEN_MAX_DAYS):
            raise forms.ValidationError(
                _("A token is valid for at most %(days)s days.")
                % {"days": settings.API_TOKEN_MAX_DAYS}
            )
        return value

    def expires_at(self) -> datetime:
        """The end of the chosen day, in the platform's time zone."""
        return timezone.make_aware(datetime.combine(self.cleaned_data["expires_on"], time.max))
