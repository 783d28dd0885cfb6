"""Messages, their delivery figures and drafts written through the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from messaging.forms.messages import LANGUAGES
from messaging.models import Delivery, Message

LANGUAGE_CODES = [code for code, _name in LANGUAGES]


class MessageTextSerializer(serializers.Serializer):
    sms = serializers.CharField(
        max_length=1000, allow_blank=True, help_text="SMS and voice text (required per language)."
    )
    subject = serializers.CharField(max_length=150, allow_blank=True, required=False, default="")
    body = serializers.CharField(
        allow_blank=True, required=False, default="", help_text="Email text; the SMS text if empty."
    )


class MessageSerializer(serializers.ModelSerializer):
    networks = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    streets = serializers.ListField(child=serializers.CharField(), read_only=True)
    texts = serializers.DictField(child=MessageTextSerializer(), read_only=True)
    follows = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    update_of = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "kind",
            "status",
            "networks",
            "streets",
            "by_sms",
            "by_email",
            "by_voice",
            "texts",
            "follows",
            "update_of",
            "is_exercise",
            "created_at",
            "published_at",
            "cancelled_at",
            "expires_at",
        ]
        read_only_fields = fields


class MessageWriteSerializer(serializers.Serializer):
    """A draft. The same form as the compose page checks it
    (``messaging.forms.messages.MessageForm``): networks you may write for,
    a text in each network's main language, channels the plan allows."""

    kind = serializers.ChoiceField(choices=Message.Kind.choices)
    networks = serializers.ListField(
        child=serializers.SlugField(max_length=80),
        min_length=1,
        max_length=200,
        help_text="Network slugs.",
    )
    streets = serializers.ListField(
        child=serializers.CharField(max_length=120),
        required=False,
        default=list,
        max_length=500,
        help_text="Only these streets; empty for the whole area.",
    )
    by_sms = serializers.BooleanField(required=False, default=True)
    by_email = serializers.BooleanField(required=False, default=True)
    by_voice = serializers.BooleanField(required=False, default=False)
    texts = serializers.DictField(
        child=MessageTextSerializer(), help_text="Per language code: nl, fr, de, en."
    )
    follows = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="For feedback: the id of the urgent alert it follows up.",
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Valid until (CAP expires): in the future, at most 90 days ahead. Empty: "
        "4 hours after publishing for an urgent alert, 7 days for feedback, 30 days for "
        "prevention tips and information. Deliveries not sent by then are marked expired.",
    )

    def validate_texts(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(LANGUAGE_CODES))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown language code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return value


class MessagePatchSerializer(MessageWriteSerializer):
    """The same fields, each optional: what is left out stays as it is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class MessageFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Message.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Message.Kind.choices, required=False)
    network = serializers.SlugField(required=False, max_length=80, help_text="Network slug.")
    published_after = serializers.DateTimeField(required=False)
    published_before = serializers.DateTimeField(required=False)


class ChannelFiguresSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Delivery.Channel.choices)
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Deliveries per status."
    )


class DeliveryFiguresSerializer(serializers.Serializer):
    message = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    total = serializers.IntegerField(help_text="Deliveries created so far.")
    done = serializers.IntegerField(help_text="Sent, delivered, failed or cancelled.")
    percent = serializers.IntegerField()
    finished = serializers.BooleanField(help_text="The fan-out ended and every delivery is done.")
    channels = ChannelFiguresSerializer(many=True)
