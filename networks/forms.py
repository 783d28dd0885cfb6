from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from networks.models import LANGUAGE_CODES, Network, Street

LANGUAGE_LABELS = {"nl": _("Dutch"), "fr": _("French"), "de": _("German"), "en": _("English")}


class NetworkForm(forms.ModelForm):
    default_language = forms.ChoiceField(
        label=_("Main language"),
        choices=[(c, LANGUAGE_LABELS[c]) for c in LANGUAGE_CODES],
        help_text=_("Members get messages in their own language, else in this one."),
    )
    other_languages = forms.MultipleChoiceField(
        label=_("Other languages"),
        choices=[(c, LANGUAGE_LABELS[c]) for c in LANGUAGE_CODES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    area_geojson = forms.JSONField(
        label=_("Area polygon (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("Optional. Paste a GeoJSON Polygon or MultiPolygon."),
    )

    class Meta:
        model = Network
        fields = [
            "name",
            "public_description",
            "founded_on",
            "status",
            "auto_approve",
            "privacy_mode",
            "area_geojson",
        ]
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "public_description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, can_change_status: bool, **kwargs):
        super().__init__(*args, **kwargs)
        languages = list(self.instance.languages or [])
        if languages:
            self.fields["default_language"].initial = languages[0]
            self.fields["other_languages"].initial = languages[1:]
        # The description once more in each other language of the network (and
        # in any language it was written in before).
        texts = self.instance.public_descriptions or {}
        self.description_languages = [
            code for code in LANGUAGE_CODES if code in languages[1:] or texts.get(code)
        ]
        for code in self.description_languages:
            self.fields[f"public_description_{code}"] = forms.CharField(
                label=_("Public description in %(language)s") % {"language": LANGUAGE_LABELS[code]},
                required=False,
                initial=texts.get(code, ""),
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("Shown to visitors who read this language. Empty: the main text."),
            )
        self.fields["public_description"].label = _("Public description (main language)")
        # Each translation right below the main text.
        order = list(self.fields)
        extra = [f"public_description_{code}" for code in self.description_languages]
        order = [name for name in order if name not in extra]
        at = order.index("public_description") + 1
        self.order_fields(order[:at] + extra + order[at:])
        if not can_change_status:
            # Name, lifecycle and privacy mode belong to the officer and the admin:
            # privacy mode restricts what coordinators see.
            del self.fields["name"]
            del self.fields["status"]
            del self.fields["founded_on"]
            del self.fields["privacy_mode"]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        main = data.get("default_language")
        if main:
            data["languages"] = [main] + [c for c in data.get("other_languages", []) if c != main]
        data["public_descriptions"] = {
            code: text.strip()
            for code in self.description_languages
            if (text := data.get(f"public_description_{code}") or "").strip()
        }
        return data

    def clean_area_geojson(self):
        value = self.cleaned_data.get("area_geojson")
        if value in (None, "", {}):
            return None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Give a GeoJSON object of type Polygon or MultiPolygon."))
        return value


class StreetForm(forms.ModelForm):
    class Meta:
        model = Street
        fields = ["name", "postcode", "number_from", "number_to", "parity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The formset is drawn as a table, not through crispy: style widgets here.
        for field in self.fields.values():
            widget = field.widget
            css = (
                "form-select form-select-sm"
                if isinstance(widget, forms.Select)
                else "form-control form-control-sm"
            )
            widget.attrs["class"] = css


StreetFormSet = inlineformset_factory(Network, Street, form=StreetForm, extra=3, can_delete=True)
