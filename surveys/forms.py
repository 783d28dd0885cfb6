"""Forms of surveys: the staff's survey and question editors, the member's answer form."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Language
from surveys.models import SCALE_VALUES, Question, Survey
from surveys.services import MAX_TEXT_ANSWER, free_text_clean
from surveys.standard import template_choices


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class SurveyCreateForm(forms.Form):
    template_key = forms.ChoiceField(
        label=_("Start from"),
        choices=(),
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "The standard evaluation asks the same questions in every network, in Dutch, "
            "French and English, so results can be compared with other networks."
        ),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the standard evaluation's title."),
    )
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_key"].choices = template_choices()
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if not data.get("template_key") and not (data.get("title") or "").strip():
            self.add_error("title", _("Give the survey a title."))
        return data


class SurveyEditForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "intro", "closes_on"]
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 3}),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {"closes_on": _("Optional: the survey closes by itself after this day.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True
        self.helper = _helper()


class SurveyOpenForm(forms.Form):
    by_email = forms.BooleanField(label=_("By email"), required=False, initial=True)
    by_sms = forms.BooleanField(
        label=_("By SMS"),
        required=False,
        help_text=_("An SMS costs money per message; email reaches most members."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if not (data.get("by_email") or data.get("by_sms")):
            self.add_error("by_email", _("Choose at least one channel."))
        return data


LANGUAGE_NAMES = dict(Language.choices)


class QuestionForm(forms.Form):
    """A question with its text (and options) in each of the network's languages.

    Options are one per line; line N is the same option in every language.
    """

    kind = forms.ChoiceField(label=_("Kind of question"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=_("Answer required"), required=False)

    def __init__(self, *args, languages: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages or ["nl"]
        for index, code in enumerate(self.languages):
            name = LANGUAGE_NAMES.get(code, code)
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Question (%(language)s)") % {"language": name},
                max_length=500,
                required=index == 0,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"choices_{code}"] = forms.CharField(
                label=_("Options (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("For choice questions: one option per line, in the same order in "
                            "every language."),
            )  # fmt: skip
        self.helper = _helper()

    @classmethod
    def initial_from(cls, question: Question) -> dict:
        initial = {"kind": question.kind, "required": question.required}
        for code, value in question.text.items():
            initial[f"text_{code}"] = value
        codes = {code for c in question.choices for code in c["label"]}
        for code in codes:
            initial[f"choices_{code}"] = "\n".join(
                c["label"].get(code, "") for c in question.choices
            )
        return initial

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        main = self.languages[0]
        text = {code: (data.get(f"text_{code}") or "").strip() for code in self.languages}
        lines = {
            code: [line.strip() for line in (data.get(f"choices_{code}") or "").splitlines()]
            for code in self.languages
        }
        lines = {code: [line for line in values if line] for code, values in lines.items()}
        choices = []
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            count = len(lines[main])
            if count < 2:
                self.add_error(f"choices_{main}", _("Give at least two options, one per line."))
            elif len(set(lines[main])) != count:
                self.add_error(f"choices_{main}", _("Every option must be different."))
            for code in self.languages[1:]:
                if lines[code] and len(lines[code]) != count:
                    self.add_error(
                        f"choices_{code}",
                        _("Give as many options as in the first language (%(n)s), in the "
                          "same order.") % {"n": count},
                    )  # fmt: skip
                if text[code] and not lines[code] and count:
                    self.add_error(f"choices_{code}", _("Translate the options too."))
            choices = [
                {
                    "key": str(i + 1),
                    "label": {
                        code: lines[code][i] for code in self.languages if len(lines[code]) == count
                    },
                }
                for i in range(count)
            ]
        else:
            for code in self.languages:
                if lines[code]:
                    self.add_error(f"choices_{code}", _("Only choice questions have options."))
        data["text_dict"] = {code: value for code, value in text.items() if value}
        data["choice_list"] = choices
        return data


class SurveyAnswerForm(forms.Form):
    """The member's form: one field per question, in the member's language."""

    def __init__(self, *args, survey: Survey, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(survey.questions.select_related("survey__network"))
        for number, question in enumerate(self.questions, start=1):
            label = f"{number}. {question.text_in(language)}"
            name = f"q{question.pk}"
            if question.kind == Question.Kind.TEXT:
                field = forms.CharField(
                    max_length=MAX_TEXT_ANSWER, widget=forms.Textarea(attrs={"rows": 3})
                )
            elif question.kind == Question.Kind.SCALE:
                field = forms.TypedChoiceField(
                    choices=[(v, str(v)) for v in SCALE_VALUES],
                    coerce=int,
                    empty_value=None,
                    widget=forms.RadioSelect(attrs={"class": "survey-scale"}),
                    help_text=_("1 = not at all, very poor · 5 = completely, very good"),
                )
            elif question.kind == Question.Kind.MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=question.choice_labels(language),
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("Choose all that apply."),
                )
            else:
                field = forms.ChoiceField(
                    choices=question.choice_labels(language), widget=forms.RadioSelect
                )
            field.label = label
            field.required = question.required
            if question.required:
                field.error_messages["required"] = _("Please answer this question.")
            self.fields[name] = field
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == Question.Kind.TEXT and data.get(name):
                data[name] = free_text_clean(data[name])
        if not self.errors and not any(
            data.get(f"q{q.pk}") not in (None, "", [], ()) for q in self.questions
        ):
            # An empty response would count towards the minimum of answers
            # and so unlock the results of the few who did answer.
            raise forms.ValidationError(
                _("Answer at least one question before sending."), code="empty"
            )
        return data

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}
