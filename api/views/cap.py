"""CAP 1.2 through the API (messages:read): one message's alert, and Atom
feeds of the alerts of a police zone and of a network, for alerting tools,
dispatch systems and signage that speak CAP (BE-Alert's interface does).

The documents come from ``messaging.selectors.cap``, the same as the staff
download; entries in a feed link to this API's CAP address."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions

from api.scopes import Scope
from api.selectors.resources import api_messages_for, message_networks_of
from api.views.base import ApiView
from api.views.messages import MessageObjectMixin
from messaging.models import Message
from messaging.selectors.cap import (
    ATOM_CONTENT_TYPE,
    CAP_CONTENT_TYPE,
    cap_atom_feed,
    message_cap_xml,
)
from networks.models import Network, PoliceZone

# The newest alerts a feed carries.
FEED_SIZE = 50


def _cap_url(message: Message) -> str:
    return settings.PUBLIC_BASE_URL + reverse("api:v1:message_cap", kwargs={"pk": message.pk})


def _feed(request, *, networks, title: str) -> HttpResponse:
    """The published (and cancelled) alerts to ``networks`` that the owner
    follows, newest first, as an Atom feed of CAP alerts. Cancel notices to
    members are left out: the cancelled alert's own CAP Cancel says it."""
    messages = (
        api_messages_for(user=request.user, filters={})
        .filter(
            networks__in=networks,
            status__in=[Message.Status.PUBLISHED, Message.Status.CANCELLED],
            cancels__isnull=True,
        )
        .distinct()
        .order_by("-published_at", "-pk")[:FEED_SIZE]
    )
    body = cap_atom_feed(
        messages=list(messages),
        title=title,
        feed_url=settings.PUBLIC_BASE_URL + request.path,
        entry_url=_cap_url,
    )
    return HttpResponse(body, content_type=ATOM_CONTENT_TYPE)


class MessageCap(MessageObjectMixin, ApiView):
    """The message as an OASIS CAP 1.2 alert (Alert, Update or Cancel;
    status Actual, Test for exercises, Draft before publishing)."""

    scopes = {"GET": Scope.MESSAGES_READ}

    @extend_schema(
        operation_id="messages_cap",
        responses={
            (200, CAP_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.STR, description="A CAP 1.2 alert (XML)."
            )
        },
    )
    def get(self, request, pk: int):
        return HttpResponse(message_cap_xml(message=self.message()), content_type=CAP_CONTENT_TYPE)


class ZoneCapFeed(ApiView):
    """An Atom feed of the CAP alerts to the networks of a police zone (by its
    number) that the token's owner follows."""

    scopes = {"GET": Scope.MESSAGES_READ}

    @extend_schema(
        operation_id="feeds_zone",
        responses={
            (200, ATOM_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.STR, description="An Atom 1.0 feed of CAP alerts."
            )
        },
    )
    def get(self, request, number: str):
        zone = get_object_or_404(PoliceZone, number=number)
        networks = message_networks_of(user=request.user).filter(police_zone=zone)
        if not networks.exists():
            raise exceptions.NotFound()
        return _feed(
            request, networks=networks, title=_("Alerts, police zone %(zone)s") % {"zone": zone}
        )


class NetworkCapFeed(ApiView):
    """An Atom feed of the CAP alerts to one network (by its slug)."""

    scopes = {"GET": Scope.MESSAGES_READ}

    @extend_schema(
        operation_id="feeds_network",
        responses={
            (200, ATOM_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.STR, description="An Atom 1.0 feed of CAP alerts."
            )
        },
    )
    def get(self, request, slug: str):
        network = get_object_or_404(Network, slug=slug)
        if not message_networks_of(user=request.user).filter(pk=network.pk).exists():
            raise exceptions.NotFound()
        return _feed(
            request,
            networks=[network],
            title=_("Alerts of %(network)s") % {"network": network.bin_name},
        )
