"""Messages: read them and their delivery (messages:read), write drafts and
submit them (drafts:write), publish (messages:publish). Every write goes
through the services the pages use (``messaging.services``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response

from api.problems import Conflict
from api.rules import is_officer_of_every_zone_with_api_publishing
from api.scopes import Scope
from api.selectors.resources import api_messages_for
from api.serializers.messages import (
    DeliveryFiguresSerializer,
    MessageFilterSerializer,
    MessagePatchSerializer,
    MessageSerializer,
    MessageWriteSerializer,
)
from api.services.drafts import api_message_draft_save, message_as_payload
from api.services.idempotency import idempotency_run
from api.views.base import ApiView
from messaging.forms.messages import user_may_compose
from messaging.models import Message
from messaging.selectors.messages import message_progress
from messaging.services.drafts import message_submit
from messaging.services.lifecycle import message_publish
from networks.rules import is_zone_officer


class MessageObjectMixin:
    def message(self) -> Message:
        """The message of the URL, 404 unless the owner follows it."""
        message = get_object_or_404(
            Message.objects.prefetch_related("networks"), pk=self.kwargs["pk"]
        )
        self.visible("messaging.view_message", message)
        return message

    def answer(self, message: Message, code: int = status.HTTP_200_OK) -> Response:
        message = Message.objects.prefetch_related("networks").get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=code)


class MessageListCreate(MessageObjectMixin, generics.ListAPIView, ApiView):
    """Messages to the networks the token's owner follows; new drafts."""

    scopes = {"GET": Scope.MESSAGES_READ, "POST": Scope.DRAFTS_WRITE}
    serializer_class = MessageSerializer
    filter_serializer_class = MessageFilterSerializer

    def get_queryset(self):
        return api_messages_for(user=self.request.user, filters=self.filters())

    @extend_schema(operation_id="messages_list", parameters=[MessageFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="messages_create",
        request=MessageWriteSerializer,
        responses={201: MessageSerializer},
        description="A new draft, checked like the compose page (networks you write for, "
        "a text in each network's main language, channels the plan allows).",
    )
    def post(self, request, *args, **kwargs):
        if not user_may_compose(user=request.user):
            raise exceptions.PermissionDenied(_("Your roles do not allow writing messages."))

        def create() -> Response:
            serializer = MessageWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            message = api_message_draft_save(user=request.user, payload=serializer.validated_data)
            response = self.answer(message, status.HTTP_201_CREATED)
            response["Location"] = reverse("api:v1:message", kwargs={"pk": message.pk})
            return response

        return idempotency_run(request=request, token=request.auth, handler=create)


class MessageDetail(MessageObjectMixin, ApiView):
    scopes = {"GET": Scope.MESSAGES_READ, "PATCH": Scope.DRAFTS_WRITE}
    serializer_class = MessageSerializer

    @extend_schema(operation_id="messages_retrieve", responses={200: MessageSerializer})
    def get(self, request, pk: int):
        return self.answer(self.message())

    @extend_schema(
        operation_id="messages_partial_update",
        request=MessagePatchSerializer,
        responses={200: MessageSerializer},
        description="Change a draft; fields left out stay as they are.",
    )
    def patch(self, request, pk: int):
        def change() -> Response:
            message = self.message()
            self.require("messaging.edit_message", message)
            if message.status != Message.Status.DRAFT:
                raise Conflict(_("Only a draft can be changed."))
            serializer = MessagePatchSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            payload = {**message_as_payload(message), **serializer.validated_data}
            saved = api_message_draft_save(user=request.user, payload=payload, message=message)
            return self.answer(saved)

        return idempotency_run(request=request, token=request.auth, handler=change)


class MessageDelivery(MessageObjectMixin, ApiView):
    """How far the delivery is: counts per channel and status."""

    scopes = {"GET": Scope.MESSAGES_READ}
    serializer_class = DeliveryFiguresSerializer

    @extend_schema(operation_id="messages_delivery", responses={200: DeliveryFiguresSerializer})
    def get(self, request, pk: int):
        message = self.message()
        progress = message_progress(message=message)
        figures = {
            "message": message.pk,
            "status": message.status,
            "total": progress["total"],
            "done": progress["done"],
            "percent": progress["percent"],
            "finished": progress["finished"],
            "channels": [
                {"channel": channel, "counts": counts}
                for channel, counts in sorted(progress["table"].items())
            ],
        }
        return Response(DeliveryFiguresSerializer(figures).data)


class MessageSubmit(MessageObjectMixin, ApiView):
    """A coordinator's draft goes to the zone's officers for approval."""

    scopes = {"POST": Scope.DRAFTS_WRITE}
    serializer_class = MessageSerializer

    @extend_schema(
        operation_id="messages_submit",
        request=None,
        responses={200: MessageSerializer},
    )
    def post(self, request, pk: int):
        def submit() -> Response:
            message = self.message()
            if message.status != Message.Status.DRAFT:
                raise Conflict(_("Only a draft can be submitted."))
            self.require("messaging.submit_message", message)
            return self.answer(message_submit(message=message, submitted_by=request.user))

        return idempotency_run(request=request, token=request.auth, handler=submit)


class MessagePublish(MessageObjectMixin, ApiView):
    """Publish a draft (or a message awaiting approval) at once: only a
    mandated officer's token, where an admin allowed API publishing for
    every targeted zone. The fan-out starts as from the page."""

    scopes = {"POST": Scope.MESSAGES_PUBLISH}
    serializer_class = MessageSerializer

    @extend_schema(
        operation_id="messages_publish",
        request=None,
        responses={200: MessageSerializer},
        description="422 when texts, networks, channels or the communication plan refuse it.",
    )
    def post(self, request, pk: int):
        def publish() -> Response:
            message = self.message()
            if message.status not in (Message.Status.DRAFT, Message.Status.PENDING_APPROVAL):
                raise Conflict(_("Only a draft can be published."))
            self._check_publish(message)
            return self.answer(message_publish(message=message, published_by=request.user))

        return idempotency_run(request=request, token=request.auth, handler=publish)

    def _check_publish(self, message: Message) -> None:
        user = self.request.user
        self.require("messaging.publish_message", message)
        for network in message.networks.all():
            if not is_zone_officer(user, network):
                raise exceptions.PermissionDenied(
                    _("Only a mandated officer of the zone publishes through the API.")
                )
            if not network.police_zone.api_publishing_allowed:
                raise exceptions.PermissionDenied(
                    _("An admin has not allowed API publishing for police zone %(zone)s.")
                    % {"zone": network.police_zone}
                )
        # The predicate itself: has_perm would let any superuser through.
        if not is_officer_of_every_zone_with_api_publishing.test(user, message):
            raise exceptions.PermissionDenied()
