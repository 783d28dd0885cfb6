"""Forms of the charter: its text and plan, and signing it. They only read and
check input; the services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from charters.models import CharterSignature, CharterVersion
from charters.plan import (
    CHANNEL_LABELS,
    CHANNELS,
    KINDS,
    REPORTS_KEY,
    plan_errors,
    plan_member_reports,
)
from messaging.models import Message
from messaging.selectors.policy import CoordinatorReports


class CharterForm(forms.ModelForm):
    """The charter's text fields plus one row per message kind of the
    communication plan (channels, who sends, approval, response time), and
    what coordinators see of members' reports."""

    class Meta:
        model = CharterVersion
        fields = [
            "coordinator_contact",
            "police_contact",
            "municipality_contact",
            "other_partners",
            "sms_budget",
            "signs_cost",
            "other_costs",
            "paid_by",
            "member_fee",
            "communication_notes",
            "house_rules",
        ]
        widgets = {
            "coordinator_contact": forms.Textarea(attrs={"rows": 3}),
            "police_contact": forms.Textarea(attrs={"rows": 3}),
            "municipality_contact": forms.Textarea(attrs={"rows": 3}),
            "other_partners": forms.Textarea(attrs={"rows": 2}),
            "other_costs": forms.Textarea(attrs={"rows": 2}),
            "paid_by": forms.Textarea(attrs={"rows": 2}),
            "communication_notes": forms.Textarea(attrs={"rows": 3}),
            "house_rules": forms.Textarea(attrs={"rows": 12}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = (self.instance.communication_plan or {}) if self.instance else {}
        channel_choices = [(c, CHANNEL_LABELS[c]) for c in CHANNELS]
        for kind in KINDS:
            entry = plan.get(kind) or {}
            self.fields[f"{kind}_channels"] = forms.MultipleChoiceField(
                label=_("Channels"),
                choices=channel_choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=entry.get("channels", []),
            )
            self.fields[f"{kind}_coordinator"] = forms.BooleanField(
                label=_("Coordinators may send"),
                required=False,
                initial=entry.get("coordinator_may_send", False),
            )
            self.fields[f"{kind}_approves"] = forms.BooleanField(
                label=_("The officer approves coordinators' messages"),
                required=False,
                initial=entry.get("officer_approves", True),
            )
            self.fields[f"{kind}_response"] = forms.CharField(
                label=_("Expected response time"),
                required=False,
                max_length=200,
                initial=entry.get("response_time", ""),
            )
        self.fields["member_reports"] = forms.ChoiceField(
            label=_("What coordinators see of members' reports"),
            choices=CoordinatorReports.choices,
            widget=forms.RadioSelect,
            initial=plan_member_reports(plan),
            help_text=_(
                "Members report to the police first. Whatever you choose, the description, "
                "the persons, vehicles and plate described and the reporter reach the "
                "coordinators only in a report the mandated officer shares with them, and "
                "photos stay with the police."
            ),
            error_messages={
                "required": _("Choose what coordinators see of members' reports."),
                "invalid_choice": _("Choose what coordinators see of members' reports."),
            },
        )
        self.fields["house_rules"].required = True
        self.helper = FormHelper()
        self.helper.form_tag = False

    def plan_rows(self) -> list[dict]:
        """The plan's fields grouped per kind, for the table in the template."""
        return [
            {
                "kind": kind,
                "label": Message.Kind(kind).label,
                "channels": self[f"{kind}_channels"],
                "coordinator": self[f"{kind}_coordinator"],
                "approves": self[f"{kind}_approves"],
                "response": self[f"{kind}_response"],
            }
            for kind in KINDS
        ]

    def clean(self):
        data = super().clean()
        plan = {
            kind: {
                "channels": data.get(f"{kind}_channels") or [],
                "coordinator_may_send": bool(data.get(f"{kind}_coordinator")),
                "officer_approves": bool(data.get(f"{kind}_approves")),
                "response_time": (data.get(f"{kind}_response") or "").strip(),
            }
            for kind in KINDS
        }
        plan[REPORTS_KEY] = data.get("member_reports") or ""
        for kind, message in plan_errors(plan).items():
            if kind == REPORTS_KEY:
                # The choice field said so already when the value was refused.
                if "member_reports" not in self.errors:
                    self.add_error("member_reports", message)
                continue
            field = f"{kind}_channels" if not plan[kind]["channels"] else f"{kind}_approves"
            self.add_error(field, message)
        data["communication_plan"] = plan
        return data

    def charter_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields}
        fields["communication_plan"] = data["communication_plan"]
        return fields


class CharterSignForm(forms.Form):
    """Signing a version of the charter for one of the three parties."""

    party = forms.ChoiceField(label=_("I sign as"))
    name = forms.CharField(label=_("Your name"), max_length=200)
    role_title = forms.CharField(
        label=_("Your role"),
        max_length=200,
        help_text=_("E.g. coordinator, inspector, mayor, alderman for safety."),
    )
    confirm = forms.BooleanField(
        label=_("I have read this version of the charter and sign it on behalf of my party."),
    )
    # The version's last change as shown: the service refuses a signature on
    # text changed since (see charters.services.charter.charter_version_stamp).
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, parties: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(p, CharterSignature.Party(p).label) for p in parties]
        if len(parties) == 1:
            self.fields["party"].initial = parties[0]
        self.helper = FormHelper()
        self.helper.form_tag = False
