"""The OpenAPI schema and the human docs, served by the app itself."""

from __future__ import annotations

import yaml

from tests.security.test_pages import header_problems, inline_code


def test_schema_describes_the_api(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    publish = schema["paths"]["/api/v1/messages/{id}/publish/"]["post"]
    assert "application/problem+json" in publish["responses"]["403"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in publish["parameters"])
    listing = schema["paths"]["/api/v1/messages/"]["get"]
    assert {"cursor", "page_size", "status", "network"} <= {
        p["name"] for p in listing["parameters"]
    }


def test_docs_page_uses_local_assets_and_a_strict_csp(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert header_problems(response) == []
    assert inline_code(html) == []
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "application/javascript" in script["Content-Type"]
    assert "/api/schema/" in script.content.decode()
