"""The officer's compose form."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from messaging.models import Message
from messaging.selectors.feedback import alert_label, feedback_alert_choices
from messaging.selectors.messages import message_validity_problem
from messaging.selectors.policy import (
    communication_policy,
    plan_channel_problems,
    plan_channels_by_network,
    plan_default_channels,
)
from messaging.selectors.templates import template_placeholders_left
from networks.models import Network, Street
from networks.selectors import user_roles
from outbox.sms import sms_length

# Networks whose plans the compose page hands to its script (see MessageForm).
PLAN_SCRIPT_MAX = 100

# What the municipality's staff may write (seeds 003 and 004: the local
# prevention service supplies tips; "politie en gemeente sturen relevante
# informatie"), always approved by the zone's officer before it goes out.
MUNICIPAL_KINDS = (Message.Kind.PREVENTION, Message.Kind.INFO)

LANGUAGES = (("nl", _("Dutch")), ("fr", _("French")), ("de", _("German")), ("en", _("English")))


def sendable_networks(user):
    """Networks the user publishes to directly (officer of the zone, admin)."""
    roles = user_roles(user=user)
    qs = Network.objects.filter(status=Network.Status.ACTIVE)
    if not roles.is_admin:
        qs = qs.filter(police_zone_id__in=roles.officer_of_zones)
    return qs.order_by("name")


def composable_networks(user):
    """Networks the user may write for: their zone's, the ones they
    coordinate, or (municipal staff) their municipality's."""
    roles = user_roles(user=user)
    qs = Network.objects.filter(status=Network.Status.ACTIVE)
    if not roles.is_admin:
        qs = qs.filter(
            Q(police_zone_id__in=roles.officer_of_zones)
            | Q(pk__in=roles.coordinates)
            | Q(municipality_id__in=roles.staff_of_municipalities)
        )
    return qs.order_by("name")


def user_may_compose(*, user) -> bool:
    """Whether the user writes messages at all (the compose page, the API's drafts)."""
    roles = user_roles(user=user)
    return (
        roles.is_admin
        or bool(roles.officer_of_zones)
        or bool(roles.coordinates)
        or bool(roles.staff_of_municipalities)
    )


class AlertChoiceField(forms.ModelChoiceField):
    """Urgent alerts named by date, time and first words, not "#12"."""

    def label_from_instance(self, obj: Message) -> str:
        return alert_label(message=obj)


class MessageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Message.Kind.choices)
    networks = forms.ModelMultipleChoiceField(
        label=_("Networks"), queryset=Network.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    streets = forms.CharField(
        label=_("Only these streets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One street per line. Leave empty for the whole area."),
    )
    follows = AlertChoiceField(
        label=_("Feedback on the alert"),
        queryset=Message.objects.none(),
        required=False,
        help_text=_("For feedback: the urgent alert it follows up."),
    )
    by_sms = forms.BooleanField(label=_("By SMS"), required=False, initial=True)
    by_email = forms.BooleanField(label=_("By email"), required=False, initial=True)
    by_voice = forms.BooleanField(label=_("By voice call"), required=False)
    expires_at = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "Empty: 4 hours after publishing for an urgent alert, 7 days for feedback, "
            "30 days for a prevention tip or information. What has not gone out by then "
            "is not sent any more."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        networks = composable_networks(user)
        self.fields["networks"].queryset = networks
        roles = user_roles(user=user)
        # Alerts to follow up: of the networks whose messages the user sees
        # (not the municipality's staff, who write tips and information only).
        followed = networks
        if not roles.is_admin:
            followed = networks.filter(
                Q(police_zone_id__in=roles.officer_of_zones) | Q(pk__in=roles.coordinates)
            )
        # The alert feedback was started from stays offered however old it is.
        chosen = self.data.get("follows") if self.is_bound else self.initial.get("follows")
        chosen = getattr(chosen, "pk", chosen)
        self.fields["follows"].queryset = feedback_alert_choices(
            networks=followed, include=int(chosen) if str(chosen or "").isdigit() else None
        )
        for code, name in LANGUAGES:
            self.fields[f"sms_{code}"] = forms.CharField(
                label=_("SMS and voice text (%(language)s)") % {"language": name},
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Email subject (%(language)s)") % {"language": name},
                required=False,
                max_length=150,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Email text (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_("Optional: the SMS text is used when empty."),
            )
        # Network id → kind → channels its plan allows, for the script that
        # ticks the allowed channels when the kind or the networks change (an
        # admin's hundreds of networks are left to the check on saving).
        self.plan_channels = plan_channels_by_network(networks=networks[:PLAN_SCRIPT_MAX])
        if not self.is_bound and "by_sms" not in self.initial:
            # A new message: tick the channels the plans allow for its kind
            # (of the networks chosen, else of all the user may write for),
            # rather than refusing them only once the whole text is typed.
            kind = self.initial.get("kind") or self.fields["kind"].choices[0][0]
            chosen = self.initial.get("networks") or networks[:PLAN_SCRIPT_MAX]
            allowed = plan_default_channels(networks=chosen, kind=kind)
            for channel in ("sms", "email", "voice"):
                self.initial[f"by_{channel}"] = channel in allowed
        self.helper = FormHelper()
        self.helper.form_tag = False

    @classmethod
    def initial_from(cls, message: Message) -> dict:
        initial = {
            "kind": message.kind,
            "networks": list(message.networks.all()),
            "streets": "\n".join(message.streets),
            "follows": message.follows,
            "by_sms": message.by_sms,
            "by_email": message.by_email,
            "by_voice": message.by_voice,
            "expires_at": message.expires_at,
        }
        for code, text in message.texts.items():
            initial[f"sms_{code}"] = text.get("sms", "")
            initial[f"subject_{code}"] = text.get("subject", "")
            initial[f"body_{code}"] = text.get("body", "")
        return initial

    def clean(self):
        data = super().clean()
        texts = {}
        for code, _name in LANGUAGES:
            sms = data.get(f"sms_{code}", "").strip()
            subject = data.get(f"subject_{code}", "").strip()
            body = data.get(f"body_{code}", "").strip()
            if sms or subject or body:
                if not sms:
                    self.add_error(f"sms_{code}", _("Write the short text for this language."))
                texts[code] = {"sms": sms, "subject": subject, "body": body}
        networks = data.get("networks") or []
        for network in networks:
            if network.default_language not in texts:
                self.add_error(
                    f"sms_{network.default_language}",
                    _("%(network)s needs a text in its main language.") % {"network": network},
                )
        if not (data.get("by_sms") or data.get("by_email") or data.get("by_voice")):
            self.add_error("by_sms", _("Choose at least one channel."))
        streets = [line.strip() for line in data.get("streets", "").splitlines() if line.strip()]
        if streets and networks:
            known = set(Street.objects.filter(network__in=networks).values_list("name", flat=True))
            unknown = [s for s in streets if s not in known]
            if unknown:
                self.add_error(
                    "streets",
                    _("Not in the chosen networks: %(streets)s.") % {"streets": ", ".join(unknown)},
                )
        self._check_kind(data, networks)
        self._check_placeholders()
        self._check_plan(data, networks)
        if data.get("expires_at"):
            problem = message_validity_problem(expires_at=data["expires_at"])
            if problem:
                self.add_error("expires_at", problem)
        if data.get("kind") != Message.Kind.FEEDBACK and data.get("follows"):
            self.add_error("follows", _("Only feedback follows an alert."))
        data["texts"] = texts
        data["street_list"] = streets
        return data

    def draft_fields(self) -> dict:
        """The cleaned form as the arguments of ``message_draft_save`` (the
        compose page and the REST API save drafts the same way)."""
        data = self.cleaned_data
        return {
            "networks": data["networks"],
            "kind": data["kind"],
            "streets": data["street_list"],
            "by_sms": data["by_sms"],
            "by_email": data["by_email"],
            "by_voice": data["by_voice"],
            "texts": data["texts"],
            "follows": data.get("follows"),
            "expires_at": data.get("expires_at"),
        }

    def _check_kind(self, data: dict, networks) -> None:
        """The kinds a coordinator (per the network's plan) or the
        municipality's staff (prevention tips and information) may write."""
        direct = set(sendable_networks(self.user).values_list("pk", flat=True))
        roles = user_roles(user=self.user)
        kind = data.get("kind")
        for network in networks:
            if network.pk in direct or not kind:
                continue
            allowed = set()
            if network.pk in roles.coordinates:
                allowed |= set(communication_policy(network=network).coordinator_kinds)
            if network.municipality_id in roles.staff_of_municipalities:
                allowed |= set(MUNICIPAL_KINDS)
            if kind in allowed:
                continue
            labels = ", ".join(str(Message.Kind(k).label) for k in Message.Kind if k in allowed)
            if network.pk in roles.coordinates:
                error = _("As coordinator of %(network)s you can send: %(kinds)s.")
            else:
                error = _("As municipal staff you can write for %(network)s: %(kinds)s.")
            self.add_error("kind", error % {"network": network, "kinds": labels})

    def _check_placeholders(self) -> None:
        """A text started from a template is sent only once its placeholders
        ({street}, {time}, ...) are filled in."""
        for code, _name in LANGUAGES:
            for part in ("sms", "subject", "body"):
                left = template_placeholders_left(text=self.cleaned_data.get(f"{part}_{code}", ""))
                if left:
                    self.add_error(
                        f"{part}_{code}",
                        _("Fill in %(placeholders)s before saving.")
                        % {"placeholders": ", ".join(left)},
                    )

    def _check_plan(self, data: dict, networks) -> None:
        """Channels the networks' signed communication plans allow for the kind
        (for everyone, the police too), each refusal next to its checkbox."""
        kind = data.get("kind")
        if not kind:
            return
        problems = plan_channel_problems(
            networks=networks,
            kind=kind,
            by_sms=bool(data.get("by_sms")),
            by_email=bool(data.get("by_email")),
            by_voice=bool(data.get("by_voice")),
        )
        for name, errors in problems.items():
            for error in errors:
                self.add_error(name, error)

    def sms_lengths(self) -> dict:
        return {code: sms_length(self.data.get(f"sms_{code}", "")) for code, _ in LANGUAGES}
