"""JWT authentication whose failures fit the API's one error format."""
from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's Bearer authentication; a bad token gives a flat 401 message, not a nested dict."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except InvalidToken as exc:
            detail = exc.detail
            if isinstance(detail, dict):
                messages = detail.get("messages") or []
                reason = next((m.get("message") for m in messages if isinstance(m, dict) and m.get("message")), None)
                detail = reason or detail.get("detail") or "The token is not valid."
            raise AuthenticationFailed(str(detail), code="token_not_valid") from None
