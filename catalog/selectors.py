"""Catalog reads; each list states what it joins so a page costs a fixed number of queries."""
from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from jonquils.keyset import KeysetPage, keyset_page

from .models import Album, Artist, Genre, Track

# Windows of `GET /tracks/popular/?period=`; "all" ranks by the popularity score alone.
POPULAR_PERIODS: dict[str, timedelta | None] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "all": None,
}

# Album order: disc, then track number, unnumbered last, id as the final tiebreak.
ALBUM_TRACK_ORDER = (
    F("disc_number").asc(nulls_last=True),
    F("track_number").asc(nulls_last=True),
    "id",
)


def _track_base(user) -> QuerySet[Track]:
    return Track.objects.visible_to(user).select_related("artist", "album", "genre")


def track_list(*, user) -> QuerySet[Track]:
    return _track_base(user).order_by("id")


def track_get(*, track_id: int, user) -> Track:
    """Return a track the user may see; Track.DoesNotExist otherwise (hidden = unknown)."""
    return _track_base(user).get(pk=track_id)


def track_popular(*, period: str = "all") -> QuerySet[Track]:
    """Tracks an anonymous visitor sees, most popular first; the same chart for every viewer (it is cached).

    period "all": by the popularity score. "day"/"week"/"month": by the number of listens
    in that window (listening_history), ties and unheard tracks by the popularity score.
    """
    window = POPULAR_PERIODS[period]
    tracks = Track.objects.visible_to(None).select_related("artist", "album", "genre")
    if window is None:
        return tracks.order_by("-popularity", "id")
    since = timezone.now() - window
    return tracks.annotate(
        period_listens=Count("listens", filter=Q(listens__played_at__gte=since)),
    ).order_by("-period_listens", "-popularity", "id")


def _count(queryset: QuerySet, **outer) -> Coalesce:
    """A correlated count of `queryset` rows matching the outer row (0 when none)."""
    counted = queryset.filter(**{k: OuterRef(v) for k, v in outer.items()}).order_by()
    return Coalesce(Subquery(counted.values(*outer).annotate(n=Count("pk")).values("n")[:1]), 0)


def artist_list(*, user) -> QuerySet[Artist]:
    return Artist.objects.visible_to(user).order_by("name", "id")


def artist_get(*, artist_id: int, user) -> Artist:
    """An artist the user may see; Artist.DoesNotExist otherwise (hidden = unknown)."""
    return Artist.objects.visible_to(user).get(pk=artist_id)


def artist_detail(*, artist_id: int, user) -> Artist:
    """One artist with the counts shown on their page: the albums and tracks this user may see."""
    return Artist.objects.visible_to(user).annotate(
        album_count=_count(Album.objects.visible_to(user), artist_id="pk"),
        track_count=_count(Track.objects.visible_to(user), artist_id="pk"),
    ).get(pk=artist_id)


def artist_tracks(*, artist: Artist, user) -> QuerySet[Track]:
    return _track_base(user).filter(artist=artist).order_by("-popularity", "id")


def artist_albums(*, artist: Artist, user) -> QuerySet[Album]:
    return Album.objects.visible_to(user).filter(artist=artist).select_related("artist").order_by(
        F("release_date").desc(nulls_last=True), "id"
    )


def album_list(*, user, artist_id: int | None = None) -> QuerySet[Album]:
    albums = Album.objects.visible_to(user).select_related("artist").order_by("id")
    if artist_id is not None:
        albums = albums.filter(artist_id=artist_id)
    return albums


def album_get(*, album_id: int, user) -> Album:
    """An album the user may see; Album.DoesNotExist otherwise."""
    return Album.objects.visible_to(user).select_related("artist").get(pk=album_id)


def album_detail(*, album_id: int, user) -> Album:
    """One album the user may see, with the tracks they may see, in album order (disc, track number)."""
    tracks = Track.objects.visible_to(user).select_related("artist", "album", "genre").order_by(*ALBUM_TRACK_ORDER)
    return (
        Album.objects.visible_to(user).select_related("artist")
        .prefetch_related(Prefetch("tracks", queryset=tracks, to_attr="ordered_tracks"))
        .get(pk=album_id)
    )


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.order_by("name", "id")


# --- the listener pages (catalog/views.py): every page a fixed number of queries ------------------
BROWSE_PAGE_SIZE = 48
NO_DATE = date(1, 1, 1)  # albums without a release date sort as the oldest


def tracks_for_listener(tracks: QuerySet[Track], *, user) -> QuerySet[Track]:
    """Tracks with `is_favorite` for this listener (False for visitors): what every track row shows."""
    from playlists.selectors import tracks_with_favorite_flag

    return tracks_with_favorite_flag(tracks, user=user)


def albums_with_cover(albums: QuerySet[Album]) -> QuerySet[Album]:
    """Annotate `cover_track_id`: the album's first ready track, whose cover the album card shows (same query)."""
    first = Track.objects.playable().filter(album=OuterRef("pk")).order_by(*ALBUM_TRACK_ORDER).values("pk")[:1]
    return albums.annotate(cover_track_id=Subquery(first))


def album_newest(*, limit: int, user) -> list[Album]:
    return list(albums_with_cover(
        Album.objects.visible_to(user).select_related("artist").order_by(F("release_date").desc(nulls_last=True), "-id"))[:limit])


def artist_browse(*, letter: str | None, cursor: str | None, user) -> KeysetPage:
    """Artists A–Z (case-insensitive), from `letter` on when given ("#" = names before "a")."""
    artists = Artist.objects.visible_to(user).annotate(sort_name=Lower("name"))
    if letter and letter != "#":
        artists = artists.filter(sort_name__gte=letter.lower())
    return keyset_page(artists, key="sort_name", descending=False, cursor=cursor, size=BROWSE_PAGE_SIZE)


ALBUM_ORDERS = ("newest", "az", "year")


def album_browse(*, order: str, cursor: str | None, user, year: int | None = None) -> KeysetPage:
    """Albums newest first, A–Z, or A–Z within one release year."""
    albums = albums_with_cover(Album.objects.visible_to(user).select_related("artist"))
    if order == "newest":
        albums = albums.annotate(sort_date=Coalesce("release_date", Value(NO_DATE)))
        return keyset_page(albums, key="sort_date", descending=True, cursor=cursor, size=BROWSE_PAGE_SIZE)
    if order == "year" and year is not None:
        albums = albums.filter(release_date__year=year)
    return keyset_page(albums.annotate(sort_title=Lower("title")), key="sort_title", descending=False,
                       cursor=cursor, size=BROWSE_PAGE_SIZE)


def album_years() -> list[int]:
    """Release years that have albums, newest first (one query on the albums table)."""
    return [
        day.year for day in Album.objects.filter(release_date__isnull=False).dates("release_date", "year", order="DESC")
    ]


def artist_page_data(*, artist_id: int, user, top: int = 10) -> dict:
    """An artist, their most popular tracks and their albums (Artist.DoesNotExist when unknown)."""
    artist = artist_detail(artist_id=artist_id, user=user)
    tracks = list(tracks_for_listener(artist_tracks(artist=artist, user=user), user=user)[:top])
    play_all = list(artist_tracks(artist=artist, user=user).values_list("pk", flat=True)[:200])
    return {"artist": artist, "top_tracks": tracks, "albums": list(albums_with_cover(artist_albums(artist=artist, user=user))),
            "play_all_ids": ",".join(map(str, play_all))}


def album_page_data(*, album_id: int, user) -> dict:
    """An album with its tracks in disc/track order and their total duration (Album.DoesNotExist)."""
    tracks = tracks_for_listener(
        Track.objects.visible_to(user).select_related("artist", "album", "genre").order_by(*ALBUM_TRACK_ORDER),
        user=user,
    )
    album = (
        Album.objects.visible_to(user).select_related("artist")
        .prefetch_related(Prefetch("tracks", queryset=tracks, to_attr="ordered_tracks"))
        .get(pk=album_id)
    )
    discs = {track.disc_number or 1 for track in album.ordered_tracks}
    return {
        "album": album, "tracks": album.ordered_tracks, "multi_disc": len(discs) > 1,
        "total_ms": sum(track.duration_ms or 0 for track in album.ordered_tracks),
    }


def genre_page_data(*, genre_id: int, user, top: int = 20) -> dict:
    """A genre's most popular tracks and the artists behind its 200 most popular ones."""
    genre = Genre.objects.get(pk=genre_id)
    in_genre = _track_base(user).filter(genre=genre).order_by("-popularity", "id")
    tracks = list(tracks_for_listener(in_genre, user=user)[:top])
    leading = in_genre.values("artist_id")[:200]
    artists = list(Artist.objects.visible_to(user).filter(pk__in=leading).order_by("name", "id")[:24])
    return {"genre": genre, "tracks": tracks, "artists": artists}


def track_page_data(*, track_id: int, user) -> dict:
    """A track and more by the same artist (Track.DoesNotExist when the user may not see it)."""
    track = tracks_for_listener(_track_base(user), user=user).get(pk=track_id)
    more = list(tracks_for_listener(artist_tracks(artist=track.artist, user=user).exclude(pk=track.pk),
                                    user=user)[:8])
    return {"track": track, "more_by_artist": more}


def track_counts_by_status() -> dict[str, int]:
    """How many tracks are in each processing state (plus hidden ones): one GROUP BY on the status index."""
    from django.db.models import Count

    from .models import ProcessingStatus

    counts = {status: 0 for status in ProcessingStatus.values}
    for row in Track.objects.order_by().values("processing_status").annotate(n=Count("id")):
        counts[row["processing_status"]] = row["n"]
    counts["hidden"] = Track.objects.filter(hidden=True).count()
    return counts
