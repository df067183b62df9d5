"""JWT authentication whose failures fit the API's one error format."""
from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from .user_cache import user_by_id


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's Bearer authentication; a bad token gives a flat 401 message, not a nested dict.

    The token's user comes from `accounts.user_cache` (Redis, dropped on every change of the user)
    instead of one query per request; the checks are simplejwt's own.
    """

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError:
            raise InvalidToken("Token contained no recognizable user identification") from None
        if api_settings.USER_ID_FIELD != "id":  # the cache is by primary key
            return super().get_user(validated_token)
        user = user_by_id(user_id)
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and \
                validated_token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The user's password has been changed.", code="password_changed")
        return user

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
