"""Fixtures of the members tests."""

from __future__ import annotations

import pytest

from networks.models import Street


@pytest.fixture
def area(world):
    Street.objects.create(
        network=world.network, name="Dorpsstraat", postcode="9340", number_from=1, number_to=50
    )
    return world
