"""Reads of accounts: one place for the queries the API and pages use."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import User


def user_list() -> QuerySet[User]:
    """All users for the admin list, with their artist profile; stable order (newest first, then id)."""
    return User.objects.select_related("artist_profile").order_by("-created_at", "-id")


def user_get(*, user_id: int) -> User:
    """Return one user with their artist profile; raise User.DoesNotExist when absent."""
    return User.objects.select_related("artist_profile").get(pk=user_id)


def user_find_by_login(*, username: str | None = None, email: str | None = None) -> User | None:
    """Find the account a login names, case-insensitively, by username or by email."""
    if username:
        return User.objects.filter(username__iexact=username).first()
    if email:
        return User.objects.filter(email__iexact=email).first()
    return None


def username_taken(*, username: str, exclude_id: int | None = None) -> bool:
    return User.objects.filter(username__iexact=username).exclude(pk=exclude_id).exists()


def email_taken(*, email: str, exclude_id: int | None = None) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=exclude_id).exists()
