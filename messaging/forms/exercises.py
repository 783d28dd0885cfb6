"""The form that sends a draft as an exercise to chosen members."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member
from messaging.services.exercises import EXERCISE_MAX_MEMBERS


class ExerciseForm(forms.Form):
    """Members to rehearse a draft with; ``choices`` are the members the user
    may choose (``messaging.selectors.exercises.exercise_member_choices``)."""

    members = forms.ModelMultipleChoiceField(
        label=_("Members who receive the exercise"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one member."),
            "invalid_choice": _("Choose members from the list."),
            "invalid_pk_value": _("Choose members from the list."),
        },
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = choices

    def clean_members(self):
        members = self.cleaned_data["members"]
        if len(members) > EXERCISE_MAX_MEMBERS:
            raise forms.ValidationError(
                _("An exercise goes to at most %(max)s members."),
                params={"max": EXERCISE_MAX_MEMBERS},
            )
        return members
