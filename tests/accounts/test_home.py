"""The staff home page: its own lists, and the panels higher apps add
through ``accounts.hooks.home_panels``."""

from __future__ import annotations

from django.urls import reverse

from accounts.hooks import home_panels


def test_messaging_registers_its_home_panel():
    assert any(getattr(panel, "__module__", "") == "messaging.panels" for panel in home_panels)


def test_officer_sees_the_alert_panels(client, world):
    client.force_login(world.users["officer"])
    context = client.get(reverse("accounts:home")).context
    assert context["unanswered_alerts"] == []
    assert context["awaiting_approval"] == []
    assert context["can_compose"] is True


def test_coordinator_gets_no_alert_panels(client, world):
    client.force_login(world.users["coordinator"])
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 200
    for key in ("unanswered_alerts", "awaiting_approval", "can_compose"):
        assert key not in response.context
    assert [n.pk for n in response.context["coordinated"]] == [world.network.pk]
    assert hasattr(response.context["coordinated"][0], "active_members")
