"""A listener's own listening history (PostgreSQL, the source of truth), newest first."""
from __future__ import annotations

from django.db.models import QuerySet

from catalog.models import Track
from catalog.selectors import credits_prefetch
from jonquils.keyset import KeysetPage, keyset_page
from playlists.selectors import flag_favorites

from ..models import ListeningHistory


def listening_history_for_user(*, user) -> QuerySet[ListeningHistory]:
    """The user's listens of tracks they may still see, with what a track row shows."""
    visible = Track.objects.visible_to(user).values("pk")
    return (
        ListeningHistory.objects.filter(user=user, track__in=visible)
        .select_related("track__artist", "track__album", "track__genre")
        .prefetch_related(credits_prefetch("track__"))
    )


def listening_history_page(*, user, cursor: str | None, size: int = 50) -> KeysetPage:
    """One page of the history, newest first (keyset on played_at, id: page 100 costs what page 1 does)."""
    page = keyset_page(listening_history_for_user(user=user), key="played_at", descending=True,
                       cursor=cursor, size=size)
    flag_favorites(user, [listen.track for listen in page.items])
    return page


def recently_played_tracks(*, user, limit: int = 8) -> list[Track]:
    """The last distinct tracks the user played (from their 100 latest listens: one bounded query for the
    ids, one for the few tracks shown; joining all 100 listens' tracks cost more than the rest of home)."""
    from catalog.selectors import track_list

    latest = (listening_history_for_user(user=user).select_related(None).prefetch_related(None)
              .order_by("-played_at", "-id").values_list("track_id", flat=True)[:100])
    ids = list(dict.fromkeys(latest))[:limit]
    found = track_list(user=user).in_bulk(ids)
    tracks = [found[pk] for pk in ids if pk in found]
    flag_favorites(user, tracks)
    return tracks

