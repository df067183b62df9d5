"""OpenAPI generation: every operation documents the error responses it can give, in the one error format.

`AutoSchema` is REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]; endpoints get the errors below without
declaring them. A view that declares a status itself (e.g. `401: OpenApiResponse(ErrorSerializer, ...)`) keeps its own.
"""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (jonquils.api.errors)."""

    error = serializers.CharField(help_text="Machine-readable code, e.g. invalid, not_found, throttled.")
    detail = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text="Per-field messages when the input was invalid (field name -> list of messages).",
    )
    retry_after_s = serializers.IntegerField(required=False, help_text="On 429: seconds to wait.")

    class Meta:
        ref_name = "Error"


_DESCRIPTIONS = {
    "400": "The input is invalid; `fields` names each bad field.",
    "401": "Not signed in, or the token is invalid or expired.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such resource (or not visible to you).",
    "409": "A business rule refused the change (the state of the resource does not allow it).",
    "413": "The request body is too large.",
    "415": "The request body's media type is not supported.",
    "416": "The requested byte range lies outside the file.",
    "503": "Busy or temporarily unavailable; try again shortly.",
    "429": "Too many requests; wait `Retry-After` seconds.",
}
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_WRITE_METHODS = _BODY_METHODS | {"DELETE"}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema plus the error responses each operation can give."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            if code not in responses:
                responses[code] = self._error_response(code)
        for code, response in responses.items():
            # A view may name an error status with only a description: every error has the one body.
            if code.startswith(("4", "5")) and "content" not in response:
                description = response.get("description")
                if not description or description == "No response body":
                    description = _DESCRIPTIONS.get(code, "Error.")
                responses[code] = {**self._error_response(code), "description": description}
        return operation

    def _error_codes(self, operation) -> list[str]:
        has_body = self.method in _BODY_METHODS and "requestBody" in operation
        # Services behind any write may refuse it: ValidationError -> 400, DomainError -> 409.
        writes = self.method in _WRITE_METHODS
        params = operation.get("parameters", [])
        has_query = any(p.get("in") == "query" for p in params)
        has_path = any(p.get("in") == "path" for p in params)
        authenticates = bool(self.view.get_authenticators())
        restricted = any(not isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = []
        if writes or has_query:
            codes.append("400")
        if authenticates:
            codes.append("401")
        if authenticates or restricted:
            codes.append("403")
        if has_path or has_query or writes:  # a write may name a missing object in its body
            codes.append("404")
        if writes:
            codes.append("409")
        if has_body:
            codes += ["413", "415"]
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _error_response(self, code: str) -> dict:
        component = self.resolve_serializer(ErrorSerializer, "response")
        response = {
            "description": _DESCRIPTIONS.get(code, "Error."),
            "content": {"application/json": {"schema": component.ref}},
        }
        if code == "429":
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        return response


class JonquilsJWTScheme(OpenApiAuthenticationExtension):
    """Describe accounts.authentication.JWTAuthentication as a Bearer JWT scheme."""

    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="HTTP_AUTHORIZATION", token_prefix="Bearer", bearer_format="JWT")
