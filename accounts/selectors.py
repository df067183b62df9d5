"""Reads of accounts: one place for the queries the API and pages use."""
from __future__ import annotations

import logging

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from .models import User

logger = logging.getLogger("jonquils.accounts")


def user_list() -> QuerySet[User]:
    """All users for the admin list, with their artist profile; stable order (newest first, then id)."""
    return User.objects.select_related("artist_profile").order_by("-created_at", "-id")


def user_get(*, user_id: int) -> User:
    """Return one user with their artist profile; raise User.DoesNotExist when absent."""
    return User.objects.select_related("artist_profile").get(pk=user_id)


def user_find_by_login(*, login: str | None = None, email: str | None = None) -> User | None:
    """Return the one account a login names, case-insensitively, or None.

    `login` matches a username or an email; `email` matches an email only. When the value is
    one account's username and another's email (or matches several rows case-insensitively),
    nobody is signed in by it: an account must never be reachable through another's name.
    """
    value = (email if email else login or "").strip()
    if not value:
        return None
    # lower() = lower(): the case-insensitive unique indexes answer it (iexact's UPPER() would scan).
    lowered = Lower(Value(value))
    by_email = Exact(Lower("email"), lowered)
    condition = Q(by_email) if email else Q(Exact(Lower("username"), lowered)) | Q(by_email)
    matches = list(User.objects.filter(condition).order_by("pk")[:2])
    if len(matches) > 1:
        logger.warning("a login name matches several accounts; refused", extra={"user_ids": [u.pk for u in matches]})
        return None
    return matches[0] if matches else None


def login_name_clash(*, username: str | None = None, email: str | None = None, exclude_id: int | None = None) -> dict:
    """Field errors when a username is another account's email, or an email another's username.

    Such a pair would make one login name ambiguous (user_find_by_login then refuses it).
    """
    errors: dict[str, list[str]] = {}
    if username and "@" in username and User.objects.filter(email__iexact=username).exclude(pk=exclude_id).exists():
        errors["username"] = ["This username is the email address of another account."]
    if email and User.objects.filter(username__iexact=email).exclude(pk=exclude_id).exists():
        errors["email"] = ["This email address is the username of another account."]
    return errors


def username_taken(*, username: str, exclude_id: int | None = None) -> bool:
    return User.objects.filter(username__iexact=username).exclude(pk=exclude_id).exists()


def email_taken(*, email: str, exclude_id: int | None = None) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=exclude_id).exists()


def audit_event_list() -> "QuerySet":
    """The audit log, newest first (admins only: the API and admin check that)."""
    from .models import AuditEvent

    return AuditEvent.objects.order_by("-id")
