"""The upload form of the member import; the file itself is checked by the service."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from members.services.import_files import MAX_IMPORT_ROWS

ACCEPTED_TYPES = ",".join(
    (
        ".csv",
        ".xlsx",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
)


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("Member list"),
        help_text=format_lazy(
            _(
                "A CSV file (separated by commas or semicolons) or an Excel workbook (.xlsx), "
                "at most 5 MB and {rows} rows. The first row names the columns."
            ),
            rows=f"{MAX_IMPORT_ROWS:,}",
        ),
        widget=forms.FileInput(attrs={"accept": ACCEPTED_TYPES}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Check the file")))
