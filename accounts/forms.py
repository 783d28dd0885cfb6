from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from networks.models import Municipality, Network, PoliceZone, Role
from networks.selectors import user_roles


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Create my account")))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class InvitationForm(forms.Form):
    """Invite someone to a role. Choices are limited to what the inviter may grant;
    the service decides in the end."""

    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"))
    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Network.objects.none(),
        required=False,
        help_text=_("For coordinators, co-coordinators and steering-committee members."),
    )
    police_zone = forms.ModelChoiceField(
        label=_("Police zone"),
        queryset=PoliceZone.objects.none(),
        required=False,
        help_text=_("For mandated police officers."),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        help_text=_("For municipal staff."),
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=settings.LANGUAGES, initial="nl"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        roles = user_roles(user=user)
        if roles.is_admin:
            role_choices = list(Role.choices)
            self.fields["network"].queryset = Network.objects.all()
            self.fields["police_zone"].queryset = PoliceZone.objects.all()
            self.fields["municipality"].queryset = Municipality.objects.all()
        else:
            role_choices = []
            networks = Network.objects.filter(police_zone_id__in=roles.officer_of_zones)
            if roles.officer_of_zones:
                role_choices += [
                    (r.value, r.label)
                    for r in (Role.COORDINATOR, Role.CO_COORDINATOR, Role.STEERING)
                ]
            if roles.coordinator_of:
                networks = networks | Network.objects.filter(id__in=roles.coordinator_of)
                for r in (Role.CO_COORDINATOR, Role.STEERING):
                    if r.value not in dict(role_choices):
                        role_choices.append((r.value, r.label))
            self.fields["network"].queryset = networks.distinct().order_by("name")
            for name in ("police_zone", "municipality"):
                del self.fields[name]
        self.fields["role"].choices = [("", "---------"), *role_choices]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send invitation")))


class NotificationSettingsForm(forms.Form):
    """How a staff member hears of urgent replies of members."""

    mobile_phone = PhoneNumberField(
        label=_("Mobile phone"),
        required=False,
        help_text=_("In international form, e.g. +32 470 12 34 56."),
    )
    urgent_replies_by_sms = forms.BooleanField(
        label=_("Also send me urgent replies of members by SMS"),
        required=False,
        help_text=_(
            "Urgent replies always come by email. The SMS holds no personal data, only a link."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))
