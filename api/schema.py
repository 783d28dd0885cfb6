"""What the OpenAPI schema says beyond the views: the bearer token scheme
and the problem+json answers every operation may give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from api.problems import PROBLEM_CONTENT_TYPE


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (bin_…) from /manage/api/tokens/.",
        }


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Messages per field (dotted paths, e.g. texts.nl.sms).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}

# Answers every operation may give, and those of writes only.
ALWAYS = {
    "400": "Invalid input (query parameters or body)",
    "401": "No token, or a token that is invalid, expired or revoked",
    "403": "The token lacks the scope, or its owner's roles do not allow this",
    "404": "Not found, or not visible to the token's owner",
    "406": "The client does not accept JSON",
    "429": "Too many requests for this token (see Retry-After)",
}
WRITES = {
    "409": "Conflict: the object is not in a state that allows this, "
    "or the same Idempotency-Key is being handled",
    "415": "The body is not JSON",
    "422": "The platform's rules refuse the request, or the Idempotency-Key "
    "was used with another body",
}


def problem_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: the Problem component, the
    problem+json error answers on every operation, and Idempotency-Key on writes."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            answers = dict(ALWAYS)
            if method in ("post", "patch", "put"):
                answers.update(WRITES)
                operation.setdefault("parameters", []).append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "Same key and body: the same answer again, "
                        "without doing it twice (kept for 24 hours by default).",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    }
                )
            responses = operation.setdefault("responses", {})
            for code, description in answers.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {PROBLEM_CONTENT_TYPE: {"schema": ref}},
                    },
                )
    return result
