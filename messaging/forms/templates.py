"""The form of a message template in the library (its rules live in
``messaging.services.templates``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms.messages import LANGUAGES
from messaging.models import Message, MessageTemplate
from messaging.selectors.templates import (
    PLACEHOLDERS,
    TEXT_PARTS,
    template_standard_set,
    template_texts_errors,
)

PLACEHOLDER_HELP = _("Placeholders: %(placeholders)s.")


class TemplateForm(forms.Form):
    police_zone = forms.ModelChoiceField(label=_("Police zone"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=Message.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    overrides = forms.ModelChoiceField(
        label=_("Replaces the standard template"),
        queryset=MessageTemplate.objects.none(),
        required=False,
        help_text=_("Your zone then sees this version in its place."),
    )
    # Sample values the preview fills in (not stored).
    preview_street = forms.CharField(
        label=_("Street (preview)"), required=False, max_length=100, initial="Kerkstraat"
    )
    preview_time = forms.CharField(
        label=_("Time (preview)"), required=False, max_length=40, initial="21:30"
    )
    preview_vehicle = forms.CharField(
        label=_("Vehicle (preview)"), required=False, max_length=100, initial="VW Polo, geel"
    )
    preview_network = forms.CharField(
        label=_("Network (preview)"), required=False, max_length=100, initial="Oordegem"
    )

    def __init__(self, *args, zones, template: MessageTemplate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["police_zone"].queryset = zones
        if template is not None:
            # A template stays in its zone (or in the standard set).
            del self.fields["police_zone"]
        self.fields["overrides"].queryset = template_standard_set()
        if template is not None and template.police_zone_id is None:
            del self.fields["overrides"]
        placeholders = ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)
        for code, name in LANGUAGES:
            self.fields[f"sms_{code}"] = forms.CharField(
                label=_("SMS and voice text (%(language)s)") % {"language": name},
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=PLACEHOLDER_HELP % {"placeholders": placeholders},
            )
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Email subject (%(language)s)") % {"language": name},
                required=False,
                max_length=150,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Email text (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    @staticmethod
    def initial_from(template: MessageTemplate) -> dict:
        initial = {"kind": template.kind, "title": template.title, "overrides": template.overrides}
        for code, parts in template.texts.items():
            for part in TEXT_PARTS:
                initial[f"{part}_{code}"] = parts.get(part, "")
        return initial

    def clean(self):
        data = super().clean()
        texts = {}
        for code, _name in LANGUAGES:
            parts = {p: (data.get(f"{p}_{code}") or "").strip() for p in TEXT_PARTS}
            if any(parts.values()):
                texts[code] = parts
        for name, errors in template_texts_errors(texts=texts).items():
            for error in errors:
                self.add_error(name, error)
        if not texts:
            self.add_error("sms_nl", _("Write the template in at least one language."))
        data["texts"] = texts
        return data

    def preview_values(self) -> dict[str, str]:
        data = self.cleaned_data
        names = ("street", "time", "vehicle", "network")
        # A sample left empty takes its default, so the preview shows a text.
        return {
            name: data.get(f"preview_{name}") or self.fields[f"preview_{name}"].initial
            for name in names
        }
