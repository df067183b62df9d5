"""Who may do what: the role predicates and every API permission check of the project live here.

Roles (accounts.models.Role): `user` (listener), `artist` (owns one Artist; edits only their
own catalog), `admin` (everything; a superuser is always an admin). Code elsewhere asks these
predicates, never compares `user.role` with a string.
"""
from __future__ import annotations

from rest_framework import permissions

from accounts.models import Role


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def user_is_admin(user) -> bool:
    """An admin: role admin, or a superuser (always an admin). False for anonymous visitors."""
    return _signed_in(user) and bool(user.is_superuser or user.role == Role.ADMIN)


def user_is_artist(user) -> bool:
    """A signed-in user with the artist role (an admin is not an artist by this test)."""
    return _signed_in(user) and user.role == Role.ARTIST


def user_is_artist_or_admin(user) -> bool:
    return user_is_admin(user) or user_is_artist(user)


def user_sees_public_catalog_only(user) -> bool:
    """True when the viewer sees exactly what an anonymous visitor sees (they may share cached answers).

    That is anyone but admins and artists: the `visible_to` rules give extra rows only to
    those two roles.
    """
    return not user_is_artist_or_admin(user)


def user_owns_artist(user, artist) -> bool:
    return _signed_in(user) and artist is not None and artist.user_id == user.pk


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
        return user_is_artist_or_admin(request.user)


class CatalogWritePermission(permissions.BasePermission):
    """Reads for everyone; writes need the artist or admin role.

    Ownership is the services' rule (catalog.services checks user_can_edit_catalog_object):
    the catalog views load objects through selectors, never get_object(), so an
    object-level permission here would never run.
    """

    message = "You may only change your own catalog entries."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return user_is_artist_or_admin(request.user)


# --- analytics (issue 7) -------------------------------------------------------------------
def user_can_view_user_analytics(user, user_id: int) -> bool:
    """A listener sees their own listening analytics; admins see anyone's."""
    return user_is_admin(user) or (_signed_in(user) and user.pk == user_id)


def user_can_view_artist_analytics(user, artist) -> bool:
    """The artist's own account and admins see an artist's (or their track's) audience."""
    return user_is_admin(user) or user_owns_artist(user, artist)
# --- end analytics
