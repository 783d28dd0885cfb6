"""The OpenAPI schema and its human docs (Swagger UI from the sidecar package,
served by the app: no CDN; its start script is a separate file for the CSP)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, public: it holds no data."""


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/docs/swagger_ui.html"
    url_name = "api:schema"
