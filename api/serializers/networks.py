"""Networks and streets as the API shows them (no member data)."""

from __future__ import annotations

from rest_framework import serializers

from networks.models import Municipality, Network, PoliceZone, Street


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["name", "official_code", "province"]


class PoliceZoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = PoliceZone
        fields = ["name", "number", "country", "api_publishing_allowed"]


class EmergencyNumberSerializer(serializers.Serializer):
    number = serializers.CharField()
    label = serializers.CharField()


class NetworkSerializer(serializers.ModelSerializer):
    municipality = MunicipalitySerializer(read_only=True)
    police_zone = PoliceZoneSerializer(read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    area_geojson = serializers.JSONField(read_only=True, allow_null=True)
    emergency_numbers = serializers.SerializerMethodField()

    class Meta:
        model = Network
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "status",
            "country",
            "municipality",
            "police_zone",
            "languages",
            "founded_on",
            "area_geojson",
            "emergency_numbers",
        ]

    def get_emergency_numbers(self, network: Network) -> list[dict]:
        numbers = [{"number": n, "label": str(label)} for n, label in network.emergency_numbers]
        return EmergencyNumberSerializer(numbers, many=True).data


class StreetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Street
        fields = ["id", "name", "postcode", "number_from", "number_to", "parity", "household_count"]


class NetworkFilterSerializer(serializers.Serializer):
    """Query parameters of the network list."""

    status = serializers.ChoiceField(choices=Network.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Network.Kind.choices, required=False)
    municipality = serializers.CharField(
        required=False, max_length=20, help_text="Official code (NIS / CBS)."
    )
    police_zone = serializers.CharField(required=False, max_length=20, help_text="Zone number.")
