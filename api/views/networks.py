"""Networks and their streets (scope networks:read)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from api.scopes import Scope
from api.selectors.resources import api_networks_for
from api.serializers.networks import NetworkFilterSerializer, NetworkSerializer, StreetSerializer
from api.views.base import ApiView
from networks.selectors import networks_visible_to, street_list


class NetworkList(generics.ListAPIView, ApiView):
    """The networks whose internal pages the token's owner may open."""

    scopes = {"GET": Scope.NETWORKS_READ}
    serializer_class = NetworkSerializer
    filter_serializer_class = NetworkFilterSerializer

    def get_queryset(self):
        return api_networks_for(
            user=self.request.user,
            filters=self.filters(),
            base=networks_visible_to(user=self.request.user),
        )

    @extend_schema(operation_id="networks_list", parameters=[NetworkFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NetworkDetail(generics.RetrieveAPIView, ApiView):
    scopes = {"GET": Scope.NETWORKS_READ}
    serializer_class = NetworkSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return networks_visible_to(user=self.request.user)

    def get_object(self):
        network = super().get_object()
        self.visible("networks.view_network_page", network)
        return network

    @extend_schema(operation_id="networks_retrieve")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StreetList(generics.ListAPIView, ApiView):
    """The streets (or stretches) of a network's area."""

    scopes = {"GET": Scope.NETWORKS_READ}
    serializer_class = StreetSerializer

    def get_queryset(self):
        network = get_object_or_404(
            networks_visible_to(user=self.request.user), slug=self.kwargs["slug"]
        )
        self.visible("networks.view_network_page", network)
        return street_list(network=network)

    @extend_schema(operation_id="networks_streets_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
