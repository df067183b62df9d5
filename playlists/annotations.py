"""Stars of albums and artists, ratings and bookmarks: the writes and reads behind Subsonic's annotation methods.

A starred track is a Favorite (playlists.services.favorite_add), so the web app's likes and a
Subsonic app's stars are one list. Every item is checked with visible_to(user): annotating
what one may not see is NOT FOUND (ObjectDoesNotExist), as everywhere else.
"""
from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction

from catalog.models import Album, Artist, Track

from .models import AnnotationKind, Bookmark, Rating, Star

_MODELS = {AnnotationKind.TRACK: Track, AnnotationKind.ALBUM: Album, AnnotationKind.ARTIST: Artist}


def _check_visible(*, user, kind: str, item_id: int) -> None:
    model = _MODELS[kind]
    if not model.objects.visible_to(user).filter(pk=item_id).exists():
        raise ObjectDoesNotExist(f"No {kind} with the id {item_id}.")


def star_add(*, user, kind: str, item_id: int) -> Star:
    """Star an album or artist the user may see; starring it again changes nothing."""
    _check_visible(user=user, kind=kind, item_id=item_id)
    return Star.objects.get_or_create(user=user, kind=kind, item_id=item_id)[0]


def star_remove(*, user, kind: str, item_id: int) -> None:
    Star.objects.filter(user=user, kind=kind, item_id=item_id).delete()


def starred_ids(*, user, kind: str) -> dict[int, object]:
    """{item id: starred at} of the user's stars of one kind."""
    return dict(Star.objects.filter(user=user, kind=kind).values_list("item_id", "created_at"))


def rating_set(*, user, kind: str, item_id: int, rating: int) -> Rating | None:
    """Rate 1..5; 0 removes the rating. Other values are a ValidationError."""
    if not 0 <= rating <= 5:
        raise ValidationError({"rating": "Give a rating from 0 (none) to 5."})
    _check_visible(user=user, kind=kind, item_id=item_id)
    if rating == 0:
        Rating.objects.filter(user=user, kind=kind, item_id=item_id).delete()
        return None
    return Rating.objects.update_or_create(user=user, kind=kind, item_id=item_id, defaults={"rating": rating})[0]


def ratings_of(*, user, kind: str, item_ids) -> dict[int, int]:
    ids = set(item_ids)
    if not ids:
        return {}
    return dict(Rating.objects.filter(user=user, kind=kind, item_id__in=ids).values_list("item_id", "rating"))


@transaction.atomic
def bookmark_save(*, user, track_id: int, position_ms: int, comment: str = "") -> Bookmark:
    """Create or replace the user's bookmark in a track they may play."""
    if position_ms < 0:
        raise ValidationError({"position": "Must be 0 or more."})
    _check_visible(user=user, kind=AnnotationKind.TRACK, item_id=track_id)
    bookmark = Bookmark(user=user, track_id=track_id, position_ms=position_ms, comment=comment[:500])
    bookmark.full_clean(exclude=["user", "track"], validate_unique=False)
    return Bookmark.objects.update_or_create(user=user, track_id=track_id, defaults={
        "position_ms": position_ms, "comment": comment[:500]})[0]


def bookmark_delete(*, user, track_id: int) -> None:
    Bookmark.objects.filter(user=user, track_id=track_id).delete()


def bookmark_list(*, user):
    """The user's bookmarks in tracks they may still play, with the tracks joined."""
    return (Bookmark.objects.filter(Track.objects.visible_condition(user, through="track__"), user=user)
            .select_related("track__artist", "track__album", "track__genre").order_by("-changed_at", "id"))
