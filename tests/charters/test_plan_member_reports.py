"""The communication plan's setting for what coordinators see of members'
reports: edited in the charter form, checked, stated in the charter (HTML and
PDF, in the network's languages) and applied by Messaging once signed."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from charters.plan import default_plan, member_reports_statement, plan_errors, plan_normalised
from charters.services.charter import charter_draft_create, charter_edit
from messaging.models import IncidentReport
from messaging.selectors.policy import CoordinatorReports, communication_policy
from networks.models import Network
from tests.charters.test_policy import _plan, _sign_plan
from tests.factories import charter_submitted
from tests.messaging.incident_helpers import _report


def _form_data(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value
    return data


def test_the_default_plan_shows_category_street_and_time():
    assert default_plan()["member_reports"] == "summary"
    # Plans written before the setting existed mean the same.
    assert plan_normalised(_plan())["member_reports"] == "summary"
    assert plan_errors(plan_normalised(_plan())) == {}


def test_an_unknown_setting_is_refused_by_the_service(world):
    version = charter_draft_create(network=world.network, created_by=world.users["coordinator"])
    with pytest.raises(ValidationError) as caught:
        charter_edit(
            version=version,
            edited_by=world.users["coordinator"],
            communication_plan={**_plan(), "member_reports": "everything"},
        )
    assert "Choose what coordinators see of members' reports." in str(caught.value)


def test_the_form_edits_and_checks_the_setting(client, world):
    version = charter_draft_create(network=world.network, created_by=world.users["coordinator"])
    client.force_login(world.users["coordinator"])
    url = reverse("charters:edit", args=[world.network.slug, version.number])
    page = client.get(url)
    form = page.context["form"]
    assert form["member_reports"].value() == "summary"
    body = page.content.decode()
    for choice in CoordinatorReports:
        assert str(choice.label) in body
    data = _form_data(form)

    data["member_reports"] = "everything"
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["member_reports"] == [
        "Choose what coordinators see of members' reports."
    ]
    data.pop("member_reports")
    response = client.post(url, data)
    assert "member_reports" in response.context["form"].errors

    data["member_reports"] = "shared"
    assert client.post(url, data).status_code == 302
    version.refresh_from_db()
    assert version.communication_plan["member_reports"] == "shared"
    assert version.communication_plan["urgent"]["channels"] == ["sms", "voice"]


@pytest.mark.parametrize("setting", [c.value for c in CoordinatorReports])
def test_the_charter_states_the_setting_in_html_and_pdf(client, world, setting):
    from pypdf import PdfReader

    Network.objects.filter(pk=world.network.pk).update(languages=["nl", "fr", "en"])
    version = charter_submitted(world.network, by=world.users["coordinator"])
    version.communication_plan = {**version.communication_plan, "member_reports": setting}
    version.save(update_fields=["communication_plan"])
    client.force_login(world.users["officer"])
    others = [member_reports_statement(c) for c in CoordinatorReports if c != setting]
    for language in ("en", "nl", "fr"):
        with translation.override(language):
            statement = member_reports_statement(setting)
        args = [world.network.slug, version.number]
        html = client.get(reverse("charters:version", args=args), {"lang": language})
        assert escape(statement) in html.content.decode(), language
        response = client.get(reverse("charters:pdf", args=args), {"lang": language})
        text = " ".join(
            " ".join(
                p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages
            ).split()
        )
        # The sentence's first words, as a PDF's text breaks lines.
        assert " ".join(statement.split()[:8]) in text, language
        if language == "en":
            for other in others:
                assert escape(other) not in html.content.decode()


def test_the_signed_setting_reaches_messaging(client, world):
    report = _report(world)
    client.force_login(world.users["coordinator"])
    detail = reverse("messaging:incident", args=[report.pk])
    assert client.get(detail).status_code == 200
    version = _sign_plan(world, {**_plan(), "member_reports": "nothing"})
    assert communication_policy(network=world.network).member_reports == "nothing"
    assert communication_policy(network=world.network).charter_number == version.number
    assert client.get(detail).status_code == 403
    assert client.get(reverse("messaging:incidents", args=[world.network.slug])).status_code == 403
    IncidentReport.objects.filter(pk=report.pk).update(
        shared_with_coordinators_at=report.created_at
    )
    assert client.get(detail).status_code == 200
