"""Forms of the founding checklist: a step's date and notes, its attachments.
They only read and check input; the services decide."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from charters.models import FoundingStep


class FoundingStepForm(forms.ModelForm):
    class Meta:
        model = FoundingStep
        fields = ["done_on", "responsible", "notes"]
        widgets = {
            "done_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.step == FoundingStep.Step.SIGNED:
            self.fields["done_on"].disabled = True
            self.fields["done_on"].help_text = _(
                "Filled in when all three parties have signed the charter in the app."
            )
        self.helper = FormHelper()
        self.helper.form_tag = False


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attach a file"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, PNG, JPEG, Word, Excel or OpenDocument; at most %(mb)s MB."
        ) % {"mb": settings.FOUNDING_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        self.helper = FormHelper()
        self.helper.form_tag = False
