"""Who may do what: every API permission check of the project lives here.

Roles: `user` (listener), `artist` (owns one Artist; edits only their own catalog),
`admin` (everything; a superuser is always an admin).
"""
from __future__ import annotations

from rest_framework import permissions


def user_is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or getattr(user, "role", None) == "admin"))


def user_owns_artist(user, artist) -> bool:
    return bool(user and user.is_authenticated and artist is not None and artist.user_id == user.pk)


def user_can_edit_catalog_object(user, obj) -> bool:
    """Admins edit anything; an artist edits an Artist, Album or Track that is theirs."""
    if user_is_admin(user):
        return True
    artist = obj if obj.__class__.__name__ == "Artist" else getattr(obj, "artist", None)
    return user_owns_artist(user, artist)


class IsAdminRole(permissions.BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request, view):
        return user_is_admin(request.user)


class IsArtistOrAdmin(permissions.BasePermission):
    message = "Only artists and admins may do this."

    def has_permission(self, request, view):
        user = request.user
        return user_is_admin(user) or bool(user and user.is_authenticated and user.role == "artist")


class CatalogWritePermission(permissions.BasePermission):
    """Reads for everyone; creating needs the artist or admin role; changing needs ownership or admin."""

    message = "You may only change your own catalog entries."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return IsArtistOrAdmin().has_permission(request, view)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return user_can_edit_catalog_object(request.user, obj)


# --- analytics (issue 7) -------------------------------------------------------------------
def user_can_view_user_analytics(user, user_id: int) -> bool:
    """A listener sees their own listening analytics; admins see anyone's."""
    return user_is_admin(user) or bool(user and user.is_authenticated and user.pk == user_id)


def user_can_view_artist_analytics(user, artist) -> bool:
    """The artist's own account and admins see an artist's (or their track's) audience."""
    return user_is_admin(user) or user_owns_artist(user, artist)
# --- end analytics
