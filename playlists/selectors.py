"""Playlist and favourite reads; each list joins what it shows (fixed queries per page)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Count, Exists, F, OuterRef, QuerySet, Sum, Value

from catalog.cache import cached_for_viewer, cached_many
from catalog.models import Track
from catalog.selectors import credits_prefetch, display_artists_of

from .cache import public_playlist
from .models import Favorite, Playlist, PlaylistTrack, PlayQueue, PlayQueueEntry


def playlists_with_totals(playlists):
    """Set `track_count` and `duration_ms` (over all entries, as the playlist's owner built it) on
    each playlist, and return them.

    Summing 5,000 entries cost more than the rest of a playlist request together (0.08× the floor
    at 1M tracks), so the totals are cached per (playlist, updated_at) at the catalog version:
    every entry edit moves updated_at (services._touch), every track edit or deletion the catalog
    version, and either makes the old totals unreachable. Misses are summed in one query.
    """
    playlists = list(playlists)

    def count(missing: list[int]) -> dict[int, tuple[int, int | None]]:
        rows = (PlaylistTrack.objects.filter(playlist_id__in=missing).order_by().values("playlist_id")
                .annotate(n=Count("pk"), d=Sum("track__duration_ms")).values_list("playlist_id", "n", "d"))
        totals = {pk: (0, None) for pk in missing}
        totals.update({pk: (n, d) for pk, n, d in rows})
        return totals

    totals = cached_many("playlist-totals", {p.pk: {"id": p.pk, "updated": p.updated_at.isoformat()} for p in playlists}, count)
    for playlist in playlists:
        playlist.track_count, playlist.duration_ms = totals[playlist.pk]
    return playlists


def playlist_list_for_user(*, user, owner_id: int | None = None) -> QuerySet[Playlist]:
    """Playlists the user may see (public ones and their own), newest change first; pass the
    page shown through `playlists_with_totals`."""
    playlists = Playlist.objects.visible_to(user).select_related("owner")
    if owner_id is not None:
        playlists = playlists.filter(owner_id=owner_id)
    return playlists.order_by("-updated_at", "-id")


def playlist_get(*, playlist_id: int, user, totals: bool = True) -> Playlist:
    """A playlist the user may see (with its totals unless `totals=False`); Playlist.DoesNotExist
    for private playlists of others.

    A public playlist's row comes from Redis (playlists.cache) and its owner from
    accounts.user_cache; any other playlist is looked up with the viewer's own `visible_to`."""
    playlist = public_playlist(playlist_id)
    if playlist is None:  # not public: the viewer's own view decides
        playlist = Playlist.objects.visible_to(user).select_related("owner").get(pk=playlist_id)
    return playlists_with_totals([playlist])[0] if totals else playlist


def playlist_entries(*, playlist: Playlist, user) -> QuerySet[PlaylistTrack]:
    """The playlist's entries in order, without tracks the viewer may not see."""
    return (
        PlaylistTrack.objects.filter(Track.objects.visible_condition(user, through="track__"), playlist=playlist)
        .select_related("track__artist", "track__album", "track__genre")
        .prefetch_related(credits_prefetch("track__"))
        .order_by("position")
    )


def favorite_list(*, user) -> QuerySet[Favorite]:
    return (
        Favorite.objects.filter(Track.objects.visible_condition(user, through="track__"), user=user)
        .select_related("track__artist", "track__album", "track__genre")
        .prefetch_related(credits_prefetch("track__"))
        .order_by("-created_at", "-id")
    )


def tracks_with_favorite_flag(tracks: QuerySet[Track], *, user) -> QuerySet[Track]:
    """Annotate `is_favorite` (this user's like) in the same query; False for visitors."""
    if user is None or not user.is_authenticated:
        return tracks.annotate(is_favorite=Value(False, output_field=BooleanField()))
    return tracks.annotate(is_favorite=Exists(Favorite.objects.filter(user=user, track=OuterRef("pk"))))


def favorite_track_ids(*, user, track_ids) -> set[int]:
    """Which of these tracks the user likes (one query; nothing for visitors)."""
    ids = set(track_ids)
    if not ids or user is None or not user.is_authenticated:
        return set()
    return set(Favorite.objects.filter(user=user, track_id__in=ids).values_list("track_id", flat=True))


def flag_favorites(user, *track_lists: Iterable[Track]) -> None:
    """Set `is_favorite` on every track of these lists from the user's likes: one query for them all,
    so a row cached for every listener gets this listener's heart (False for visitors)."""
    tracks = [track for tracks in track_lists for track in tracks]
    liked = favorite_track_ids(user=user, track_ids=[track.pk for track in tracks])
    for track in tracks:
        track.is_favorite = track.pk in liked


# A playlist page renders this many entries, then "Load more" fetches the next ones by position (as
# it scrolls into view): a 5,000-entry playlist used to render in one response of ≈ 19 MB (≈ 11 s on
# this machine), 200 rows still cost ≈ 140 ms of template, and 100 rows were 465 KB of HTML and
# 0.06× the floor at 1M tracks (a row is ≈ 4.6 KB: its menu, favourite form, links). A phone shows
# about ten rows; fifty fill two desktop screens before the next page loads.
PLAYLIST_PAGE_ENTRIES = 50


def playlist_page_data(*, playlist_id: int, user, after: int | None = None, size: int = PLAYLIST_PAGE_ENTRIES) -> dict:
    """A playlist, a page of its visible entries in order (after position `after`, tracks flagged
    with is_favorite), the ids of all of them for Play all, the position the next page starts
    after, and whether the user may edit."""
    playlist = playlist_get(playlist_id=playlist_id, user=user)
    visible = playlist_entries(playlist=playlist, user=user)
    version = {"id": playlist.pk, "updated": playlist.updated_at.isoformat()}
    rows = visible.filter(position__gt=after) if after is not None else visible
    # The page's entries with their tracks, per (playlist change, catalog version) like the totals:
    # loading 100 entries' rows cost a third of the page before its template.
    entries = cached_for_viewer(user, "playlist-entries", {**version, "after": after, "size": size},
                                lambda: list(rows[: size + 1]))
    more = len(entries) > size
    entries = entries[:size]
    flag_favorites(user, [entry.track for entry in entries])
    # Play all's ids: every visible entry, per (playlist change, catalog version) like the totals.
    all_ids = cached_for_viewer(
        user, "playlist-all-track-ids", version,
        lambda: ",".join(str(i) for i in visible.prefetch_related(None).values_list("track_id", flat=True)))
    return {"playlist": playlist, "entries": entries, "all_track_ids": all_ids,
            "next_after": entries[-1].position if more else None,
            "editable": playlist_page_editable(playlist=playlist, user=user)}


def playlists_owned(*, user, limit: int = 200) -> list[Playlist]:
    """The user's own playlists, newest change first (the add-to-playlist menu, the library)."""
    if user is None or not user.is_authenticated:
        return []
    return playlists_with_totals(Playlist.objects.filter(owner=user).select_related("owner").order_by("-updated_at", "-id")[:limit])


def playlists_public(*, user, cursor: str | None, size: int = 48):
    """Public playlists of other listeners, newest change first, keyset-paged."""
    from jonquils.keyset import keyset_page

    playlists = Playlist.objects.visible_to(user).filter(is_public=True).select_related("owner")
    if user is not None and user.is_authenticated:
        playlists = playlists.exclude(owner=user)
    page = keyset_page(playlists, key="updated_at", descending=True, cursor=cursor, size=size)
    playlists_with_totals(page.items)
    return page


def favorites_page(*, user, cursor: str | None, size: int = 50):
    """The user's favourites, newest like first, keyset-paged; each track flagged as liked."""
    from jonquils.keyset import keyset_page

    page = keyset_page(favorite_list(user=user), key="created_at", descending=True, cursor=cursor, size=size)
    for favorite in page.items:
        favorite.track.is_favorite = True
    return page


def playlist_page_editable(*, playlist: Playlist, user) -> bool:
    """Whether the user may change the playlist (its owner, or an admin): what the services enforce."""
    from accounts.permissions import user_is_admin

    return getattr(user, "pk", None) == playlist.owner_id or user_is_admin(user)


@dataclass(frozen=True)
class PlayQueueState:
    track_ids: list[int]
    current_index: int
    position_ms: int
    changed_at: datetime | None
    changed_by: str


def play_queue_get(*, user) -> PlayQueueState:
    """The user's queue as they may play it now: entries whose track is hidden or gone drop out."""
    queue = PlayQueue.objects.filter(user=user).first()
    if queue is None:
        return PlayQueueState(track_ids=[], current_index=0, position_ms=0, changed_at=None, changed_by="")
    rows = list(
        PlayQueueEntry.objects.filter(Track.objects.visible_condition(user, through="track__"), queue=queue)
        .order_by("position").values_list("position", "track_id")
    )
    before = sum(1 for position, _ in rows if position < queue.current_position)
    current_kept = before < len(rows) and rows[before][0] == queue.current_position
    return PlayQueueState(
        track_ids=[track_id for _, track_id in rows],
        current_index=min(before, max(len(rows) - 1, 0)),
        position_ms=queue.position_ms if current_kept else 0,
        changed_at=queue.changed_at, changed_by=queue.changed_by,
    )


MAX_QUEUE_TRACKS_PER_READ = 500


def play_queue_tracks(*, user, track_ids: list[int]) -> list[dict]:
    """What a player shows for each of these tracks (the ones the user may play), in two queries
    (the rows, then their credited artists for `display_artist`)."""
    rows = list(
        Track.objects.visible_to(user).filter(pk__in=set(track_ids[:MAX_QUEUE_TRACKS_PER_READ]))
        .values("id", "title", "duration_ms", "artist_id", "album_id", artist_name=F("artist__name"),
                album_title=F("album__title"))
        .order_by("id")
    )
    shown = display_artists_of(track_ids=[row["id"] for row in rows])
    for row in rows:
        row["display_artist"] = shown.get(row["id"], row["artist_name"])
    return rows
