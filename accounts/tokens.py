"""JWT pairs: issue, rotate, revoke (djangorestframework-simplejwt with its blacklist app).

Every refresh token is recorded as an OutstandingToken when issued. Refreshing blacklists the
presented token and issues a new pair, under a row lock, so two concurrent refreshes with
one token cannot both succeed. Presenting a token that was already used or revoked is
treated as theft: every refresh token of that account is revoked.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from jonquils.exceptions import NotAuthenticatedError


class TokenRejected(NotAuthenticatedError):
    code = "token_not_valid"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


class _RefreshTokenUnchecked(RefreshToken):
    """A refresh token whose blacklist state the caller checks itself, under a row lock."""

    def check_blacklist(self) -> None:
        return None


def _decode_refresh(raw: str) -> RefreshToken:
    try:
        return _RefreshTokenUnchecked(raw)
    except TokenError as exc:
        raise TokenRejected(str(exc)) from None


def _outstanding_locked(token: RefreshToken) -> OutstandingToken:
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(jti=token[api_settings.JTI_CLAIM])
        .first()
    )
    if outstanding is None or outstanding.user is None:
        raise TokenRejected("Token is not known.")
    return outstanding


def token_pair_issue(*, user) -> TokenPair:
    """Issue an access token and a refresh token (recorded as outstanding) for `user`."""
    refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def token_refresh(*, refresh: str) -> TokenPair:
    """Trade a refresh token for a new pair; the presented one can never be used again."""
    token = _decode_refresh(refresh)
    reused = False
    with transaction.atomic():
        outstanding = _outstanding_locked(token)
        user = outstanding.user
        if BlacklistedToken.objects.filter(token=outstanding).exists():
            from . import audit

            reused = True
            revoked = refresh_tokens_revoke_all(user=user)
            audit.record(action="token_reuse", target=user, jti=str(token[api_settings.JTI_CLAIM]), revoked=revoked)
        elif not user.is_active:
            raise TokenRejected("The account of this token is inactive.")
        else:
            BlacklistedToken.objects.create(token=outstanding)
            pair = token_pair_issue(user=user)
    if reused:
        # Raised after the commit: the revocation above must stay.
        raise TokenRejected("This refresh token was already used or revoked; sign in again.")
    return pair


def token_revoke(*, refresh: str, actor=None, all_devices: bool = False) -> None:
    """Revoke a refresh token (logout); with `all_devices`, every refresh token of its account.

    Revoking an already revoked token succeeds (logout is idempotent). When the caller is
    signed in, the token must be theirs.
    """
    token = _decode_refresh(refresh)
    with transaction.atomic():
        outstanding = _outstanding_locked(token)
        if actor is not None and getattr(actor, "is_authenticated", False) and outstanding.user_id != actor.pk:
            raise PermissionDenied("This refresh token belongs to another account.")
        BlacklistedToken.objects.get_or_create(token=outstanding)
        if all_devices:
            refresh_tokens_revoke_all(user=outstanding.user)
        user_token_generation_bump(user_id=outstanding.user_id)


def user_token_generation_bump(*, user_id: int) -> None:
    """Revoke every stream link of a user (they are signed with this counter): done at each sign-out."""
    from .models import User

    from .user_cache import user_cache_forget

    User.objects.filter(pk=user_id).update(token_generation=F("token_generation") + 1)
    user_cache_forget(user_id)  # update() sends no post_save


def on_user_logged_out(sender, request, user, **kwargs) -> None:
    """user_logged_out receiver: a session sign-out revokes stream links as a JWT logout does."""
    if user is not None and user.pk is not None:
        user_token_generation_bump(user_id=user.pk)


def refresh_tokens_revoke_all(*, user) -> int:
    """Blacklist every unexpired refresh token of `user`; return how many were newly revoked."""
    pending = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).values_list("pk", flat=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in pending], ignore_conflicts=True
    )
    return len(created)


def tokens_flush_expired() -> int:
    """Delete expired refresh-token records (and their blacklist rows); return how many."""
    deleted, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
