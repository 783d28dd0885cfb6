"""Forms of the coordinator's member management."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import (
    DEAF_VOICE_ERROR,
    Channel,
    ConsentRecord,
    Language,
    Member,
    Rejection,
    Relation,
)
from members.phones import mobile_example, mobile_normalise, voice_normalise
from networks.models import Network
from networks.selectors import street_names


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search name, street, phone or email"), required=False, max_length=100
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    street = forms.ChoiceField(label=_("Street"), required=False)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All")), *Language.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("street", _("Street")),
            ("status", _("Status")),
            ("-joined", _("Newest first")),
            ("joined", _("Oldest first")),
        ],
    )

    def __init__(self, *args, network: Network, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [(v, label) for v, label in Member.Status.choices if v != Member.Status.LEFT]
        self.fields["status"].choices = [("", _("All (except left)")), *statuses]
        self.fields["street"].choices = [
            ("", _("All streets")),
            *((name, name) for name in street_names(network=network)),
        ]

    def clean_q(self) -> str:
        # PostgreSQL refuses NUL in text; nobody types one on purpose.
        return self.cleaned_data["q"].replace("\x00", "")


class MemberForm(forms.Form):
    """Add or edit a member by hand. The service checks the address and phones."""

    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    street = forms.ChoiceField(label=_("Street"))
    house_number = forms.CharField(label=_("House number"), max_length=12)
    postcode = forms.CharField(label=_("Postcode"), max_length=10)
    email = forms.EmailField(label=_("Email address"), required=False)
    mobile_phone = forms.CharField(
        label=_("Mobile phone"), required=False, max_length=30,
    )  # fmt: skip
    landline = forms.CharField(
        label=_("Landline"),
        required=False,
        max_length=30,
        help_text=_("Optional, for voice messages."),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    by_sms = forms.BooleanField(label=_("By SMS"), required=False)
    by_email = forms.BooleanField(label=_("By email"), required=False)
    by_voice = forms.BooleanField(label=_("By voice call"), required=False)
    deaf = forms.BooleanField(
        label=_("Deaf or hard of hearing"),
        required=False,
        help_text=_("Never called; texts name the text routes to the emergency services."),
    )
    relation = forms.ChoiceField(label=_("Relation to the area"), choices=Relation.choices)
    business_name = forms.CharField(label=_("Business name"), required=False, max_length=120)
    company_number = forms.CharField(label=_("Company number"), required=False, max_length=20)

    def __init__(
        self, *args, network: Network, adding: bool, existing: Member | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.network = network
        self.existing = existing
        self.fields["mobile_phone"].help_text = _("As people write it, e.g. %(example)s.") % {
            "example": mobile_example(country=network.country)
        }
        self.fields["street"].choices = [
            ("", "---------"),
            *((name, name) for name in street_names(network=network)),
        ]
        self.fields["language"].initial = network.default_language
        if network.kind != Network.Kind.BINZ:
            del self.fields["business_name"]
            del self.fields["company_number"]
        if adding:
            self.fields["consent_method"] = forms.ChoiceField(
                label=_("How did the member accept the house rules and privacy notice?"),
                choices=[
                    (ConsentRecord.Method.PAPER, ConsentRecord.Method.PAPER.label),
                    (ConsentRecord.Method.INFO_EVENING, ConsentRecord.Method.INFO_EVENING.label),
                ],
            )
            self.fields["consent_confirmed"] = forms.BooleanField(
                label=_(
                    "The member is 18 or older, lives or works in the area, and accepted the "
                    "current house rules and the privacy notice."
                )
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add member") if adding else _("Save")))

    def hide_contact(self) -> None:
        """Privacy mode: the coordinator neither sees nor changes contact data."""
        for name in ("email", "mobile_phone", "landline"):
            self.fields.pop(name, None)

    def _phone(self, name: str, normalise) -> str:
        raw = self.cleaned_data.get(name, "")
        if not raw:
            return ""
        try:
            return normalise(raw=raw, country=self.network.country)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean_mobile_phone(self) -> str:
        return self._phone("mobile_phone", mobile_normalise)

    def clean_landline(self) -> str:
        return self._phone("landline", voice_normalise)

    def clean(self):
        data = super().clean()
        contact = {name: data.get(name, "") for name in ("email", "mobile_phone", "landline")}
        hidden = "email" not in self.fields
        if hidden and self.existing is not None:
            # Contact fields are hidden (privacy mode): check against what is stored.
            contact = {
                "email": self.existing.email,
                "mobile_phone": str(self.existing.mobile_phone or ""),
                "landline": str(self.existing.landline or ""),
            }

        def error(field: str, message) -> None:
            # A problem with a hidden contact field shows on the channel choice.
            self.add_error("by_sms" if hidden and field in contact else field, message)

        if not any(contact.values()):
            error("email", _("Give at least an email address or a phone number."))
        if not (data.get("by_sms") or data.get("by_email") or data.get("by_voice")):
            error("by_sms", _("Choose at least one channel."))
        if data.get("by_sms") and not contact["mobile_phone"]:
            error("mobile_phone", _("SMS needs a mobile phone number."))
        if data.get("by_email") and not contact["email"]:
            error("email", _("Email messages need an email address."))
        if data.get("by_voice") and not (contact["landline"] or contact["mobile_phone"]):
            error("landline", _("Voice calls need a phone number."))
        if data.get("by_voice") and data.get("deaf"):
            error("by_voice", DEAF_VOICE_ERROR)
        # A BIN-Z member is a business or a resident of the area (seed 002):
        # a company number belongs to a named business.
        if data.get("company_number") and not data.get("business_name"):
            error("business_name", _("Give the name of the business with this company number."))
        return data


class RejectForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Why"),
        choices=[("", "---------"), *Rejection.Category.choices],
        help_text=_(
            "Kept with the reason for the police's oversight; the applicant's data is not."
        ),
    )
    reason = forms.CharField(
        label=_("Reason, sent to the applicant"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("approve", _("Approve")),
        ("suspend", _("Suspend")),
        ("reactivate", _("Reactivate")),
        ("remove", _("Remove and erase data")),
    ]
    action = forms.ChoiceField(label=_("With the selected members"), choices=ACTIONS)
    members = forms.ModelMultipleChoiceField(queryset=Member.objects.none())

    def __init__(self, *args, network: Network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Member.objects.filter(network=network).exclude(
            status=Member.Status.LEFT
        )
        self.fields["members"].error_messages["required"] = _("Select at least one member.")
