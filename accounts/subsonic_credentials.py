"""Subsonic credentials: a generated password readable back for token auth, and an OpenSubsonic API key.

Contract: the Subsonic password is stored encrypted (Fernet under SUBSONIC_CREDENTIAL_KEYS,
MultiFernet so keys rotate: the first encrypts, all decrypt), because `t = md5(password + s)`
needs the plain text on the server; the account password is never involved. The API key is
kept only as its SHA-256 (it is 256 random bits, so no slow hash is needed). Creating new
credentials replaces the old ones in the same row: the previous password and key stop working
at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jonquils.exceptions import NotAuthenticatedError

from . import audit
from .models import AuditAction, SubsonicCredential, User


class SubsonicAuthFailed(NotAuthenticatedError):
    code = "subsonic_wrong_credentials"


class SubsonicApiKeyInvalid(NotAuthenticatedError):
    code = "subsonic_invalid_api_key"


@dataclass(frozen=True)
class IssuedCredentials:
    username: str
    password: str
    api_key: str
    credential: SubsonicCredential


def _fernet() -> MultiFernet:
    keys = list(settings.SUBSONIC_CREDENTIAL_KEYS)
    if not keys:
        digest = hashlib.sha256(b"jonquils.subsonic-credentials:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def _api_key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).hexdigest()


def subsonic_credentials_create(*, user: User, request=None) -> IssuedCredentials:
    """Generate a new Subsonic password and API key for the user; the previous ones stop working."""
    password = secrets.token_urlsafe(18)
    api_key = secrets.token_urlsafe(32)
    with transaction.atomic():
        credential, created = SubsonicCredential.objects.update_or_create(user=user, defaults={
            "password_encrypted": _fernet().encrypt(password.encode()).decode(),
            "api_key_hash": _api_key_hash(api_key), "created_at": timezone.now()})
        audit.record(action=AuditAction.SUBSONIC_ISSUED, actor=user, target=user, request=request,
                     replaced_previous=not created)
    return IssuedCredentials(username=user.username, password=password, api_key=api_key, credential=credential)


def subsonic_credentials_get(*, user: User) -> SubsonicCredential | None:
    return SubsonicCredential.objects.filter(user=user).first()


def subsonic_credentials_revoke(*, user: User, request=None) -> None:
    """Delete the user's Subsonic password and API key (nothing to delete is fine, and is not audited)."""
    with transaction.atomic():
        deleted, _ = SubsonicCredential.objects.filter(user=user).delete()
        if deleted:
            audit.record(action=AuditAction.SUBSONIC_REVOKED, actor=user, target=user, request=request)


@transaction.atomic
def subsonic_credentials_reencrypt() -> int:
    """Re-encrypt every stored password under the first key (after a new key was put first)."""
    fernet, count = _fernet(), 0
    for credential in SubsonicCredential.objects.select_for_update().iterator():
        credential.password_encrypted = fernet.rotate(credential.password_encrypted.encode()).decode()
        credential.save(update_fields=["password_encrypted"])
        count += 1
    return count


def _stored_password(credential: SubsonicCredential) -> str | None:
    try:
        return _fernet().decrypt(credential.password_encrypted.encode()).decode()
    except InvalidToken:
        return None  # encrypted under a key no longer configured: these credentials are dead


def subsonic_authenticate(*, username: str, password: str | None = None, token: str | None = None,
                          salt: str | None = None) -> User:
    """The active user whose Subsonic password matches `password`, or `token` = md5(password + salt).

    `password` may be `enc:`-prefixed hex, as old clients send it. Raises SubsonicAuthFailed.
    """
    credential = (SubsonicCredential.objects.select_related("user")
                  .filter(user__username__iexact=username or "", user__is_active=True).first()) \
        if username and len(username) <= 150 and "\x00" not in username else None
    stored = _stored_password(credential) if credential else None
    if stored is None:
        raise SubsonicAuthFailed("Wrong username or password.")
    if token is not None:
        expected = hashlib.md5((stored + (salt or "")).encode()).hexdigest()
        ok = hmac.compare_digest(expected, token.lower())
    else:
        given = password or ""
        if given.startswith("enc:"):
            try:
                given = bytes.fromhex(given[4:]).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                given = ""
        ok = hmac.compare_digest(stored.encode(), given.encode("utf-8", "surrogatepass"))
    if not ok:
        raise SubsonicAuthFailed("Wrong username or password.")
    return credential.user


def subsonic_user_by_api_key(*, api_key: str) -> User:
    """The active user holding this OpenSubsonic API key; raises SubsonicApiKeyInvalid."""
    credential = (SubsonicCredential.objects.select_related("user")
                  .filter(api_key_hash=_api_key_hash(api_key or ""), user__is_active=True).first())
    if credential is None or not api_key:
        raise SubsonicApiKeyInvalid("The API key is not valid.")
    return credential.user
