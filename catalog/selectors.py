"""Catalog reads; each list states what it joins so a page costs a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from jonquils.keyset import KeysetPage, keyset_page

from .charts import WindowChart
from .models import ALBUM_NO_DATE, Album, AlbumArtist, Artist, CreditRole, Genre, Track, TrackArtist

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


# --- credited artists: the one place API, pages, search and Subsonic read credits from --------------

@dataclass(frozen=True)
class Credit:
    """One credited artist of a track (role main/featured) or of an album (always main)."""

    artist: Artist
    role: str = CreditRole.MAIN

    @property
    def id(self) -> int:
        return self.artist.pk

    @property
    def name(self) -> str:
        return self.artist.name


def credits_prefetch(prefix: str = "") -> Prefetch:
    """Prefetch a track's credits (with their artists) in credit order: one query per list.

    `prefix` reaches tracks through a relation ("track__" for playlist entries, listens, favourites).
    """
    rows = TrackArtist.objects.select_related("artist").order_by("position")
    return Prefetch(f"{prefix}credits", queryset=rows, to_attr="credit_rows")


def album_credits_prefetch(prefix: str = "") -> Prefetch:
    """Prefetch an album's own artists in order (`prefix` "album__" reaches a track's album)."""
    rows = AlbumArtist.objects.select_related("artist").order_by("position")
    return Prefetch(f"{prefix}credits", queryset=rows, to_attr="album_credit_rows")


def with_credits(tracks: QuerySet[Track], *, prefix: str = "") -> QuerySet[Track]:
    """Tracks (or rows reaching tracks through `prefix`) with every credited artist prefetched."""
    return tracks.prefetch_related(credits_prefetch(prefix))


def albums_with_credits(albums: QuerySet[Album], *, prefix: str = "") -> QuerySet[Album]:
    return albums.prefetch_related(album_credits_prefetch(prefix))


def track_credits(track: Track) -> list[Credit]:
    """A track's credited artists in order; Track.artist alone when it has no credit rows.

    Uses the rows `with_credits` prefetched; without them it costs one query (fine for one track,
    never in a list).
    """
    rows = getattr(track, "credit_rows", None)
    if rows is None:
        rows = list(track.credits.select_related("artist").order_by("position"))
    if not rows:
        return [Credit(artist=track.artist)]
    return [Credit(artist=row.artist, role=row.role) for row in rows]


def track_artists(track: Track) -> list[Artist]:
    return [credit.artist for credit in track_credits(track)]


def album_credits(album: Album) -> list[Credit]:
    """An album's own artists in order (not its tracks' credits); Album.artist alone without rows."""
    rows = getattr(album, "album_credit_rows", None)
    if rows is None:
        rows = list(album.credits.select_related("artist").order_by("position"))
    if not rows:
        return [Credit(artist=album.artist)]
    return [Credit(artist=row.artist) for row in rows]


def album_artists(album: Album) -> list[Artist]:
    return [credit.artist for credit in album_credits(album)]


def _joined(names: list[str]) -> str:
    """"A", "A & B", "A, B & C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " & " + names[-1]


FEATURING = " feat. "


def credit_parts(credits: Iterable[Credit]) -> list[tuple[str, Credit]]:
    """(separator before it, credit) per credit: the display string with each artist linkable.

    Main artists first ("A & B"), then the featured ones after " feat. ".
    """
    credits = list(credits)
    groups = [[c for c in credits if c.role != CreditRole.FEATURED], [c for c in credits if c.role == CreditRole.FEATURED]]
    parts: list[tuple[str, Credit]] = []
    for group_index, group in enumerate(groups):
        for index, credit in enumerate(group):
            if index == 0:
                sep = FEATURING if group_index == 1 and parts else ""
            else:
                sep = " & " if index == len(group) - 1 else ", "
            parts.append((sep, credit))
    return parts


def credits_display(credits: Iterable[Credit]) -> str:
    """"A feat. B", "A & B", "A, B & C feat. D & E"."""
    return "".join(sep + credit.name for sep, credit in credit_parts(credits))


def display_artists_of(*, track_ids: list[int]) -> dict[int, str]:
    """track id -> "A feat. B" for tracks that have credit rows, in one query (no Track rows loaded)."""
    credits: dict[int, list[Credit]] = {}
    rows = (TrackArtist.objects.filter(track_id__in=track_ids).order_by("track_id", "position")
            .values_list("track_id", "artist_id", "artist__name", "role"))
    for track_id, artist_id, name, role in rows:
        credits.setdefault(track_id, []).append(Credit(artist=Artist(pk=artist_id, name=name), role=role))
    return {track_id: credits_display(found) for track_id, found in credits.items()}


def track_display_artist(track: Track) -> str:
    return credits_display(track_credits(track))


def album_display_artist(album: Album) -> str:
    return credits_display(album_credits(album))


def credited_on(artist: Artist | int) -> Q:
    """Tracks crediting the artist in any role (main artist or any credit row).

    One id set, the union of two index lookups: `artist_id = X OR EXISTS(credit)` made
    PostgreSQL scan every track (≈ 50 ms at 100k tracks, per artist page).
    """
    artist_id = getattr(artist, "pk", artist)
    main = Track.objects.filter(artist_id=artist_id).order_by().values("pk")
    featured = TrackArtist.objects.filter(artist_id=artist_id).order_by().values("track_id")
    return Q(pk__in=main.union(featured))


def album_credited_to(artist: Artist | int) -> Q:
    """Albums whose own artists include the artist (the union of two index lookups, as above)."""
    artist_id = getattr(artist, "pk", artist)
    main = Album.objects.filter(artist_id=artist_id).order_by().values("pk")
    credited = AlbumArtist.objects.filter(artist_id=artist_id).order_by().values("album_id")
    return Q(pk__in=main.union(credited))


def _track_base(user) -> QuerySet[Track]:
    return with_credits(Track.objects.visible_to(user).select_related("artist", "album", "genre"))


def track_list(*, user) -> QuerySet[Track]:
    return _track_base(user).order_by("id")


def track_get(*, track_id: int, user) -> Track:
    """Return a track the user may see; Track.DoesNotExist otherwise (hidden = unknown)."""
    return _track_base(user).get(pk=track_id)


def tracks_visible_by_id(*, user, track_ids: Iterable[int]) -> dict[int, Track]:
    """The tracks of these ids the user may see, by id, each with its artist, album, genre and credits;
    the others do not exist for them.

    Each row is cached per catalog version for the viewers who see the public catalog (a hide, an
    edit, a deletion or a track becoming ready bumps the version): what a listen and a stream
    request look up by id on every call (loading it was 40 % of a listen's cost at 1M tracks).
    """
    from .cache import cached_many_for_viewer

    def load(missing: list[int]) -> dict[int, Track]:
        return _track_base(user).in_bulk(missing)

    return cached_many_for_viewer(user, "visible-track", {pk: {"id": pk} for pk in set(track_ids)}, load)


def track_popular(*, period: str = "all") -> QuerySet[Track] | WindowChart:
    """Tracks an anonymous visitor sees, most popular first; the same chart for every viewer (it is cached).

    period "all": by the popularity score (a queryset, paged by keyset). "day"/"week"/"month": by
    the number of listens in that window (listening_history), ties and unheard tracks by the
    popularity score: a `WindowChart`, which pages like a queryset and sets `period_listens`.
    """
    window = POPULAR_PERIODS[period]
    if window is None:
        return with_credits(Track.objects.visible_to(None).select_related("artist", "album", "genre")).order_by("-popularity", "id")
    return WindowChart(window)


def track_popular_ids(*, period: str, limit: int) -> list[int]:
    """The ids of `track_popular(period=...)`'s first `limit` tracks, in its order."""
    window = POPULAR_PERIODS[period]
    if window is None:
        return list(Track.objects.visible_to(None).order_by("-popularity", "id").values_list("pk", flat=True)[:limit])
    return [pk for pk, _ in WindowChart(window).ids(0, limit)]


def artist_list(*, user) -> QuerySet[Artist]:
    return Artist.objects.visible_to(user).order_by("name", "id")


def artist_get(*, artist_id: int, user) -> Artist:
    """An artist the user may see; Artist.DoesNotExist otherwise (hidden = unknown)."""
    return Artist.objects.visible_to(user).get(pk=artist_id)


def _count(queryset: QuerySet, **outer) -> Coalesce:
    """A correlated count of `queryset` rows matching the outer row (0 when none)."""
    counted = queryset.filter(**{k: OuterRef(v) for k, v in outer.items()}).order_by()
    return Coalesce(Subquery(counted.values(*outer).annotate(n=Count("pk")).values("n")[:1]), 0)


def artist_detail(*, artist_id: int, user) -> Artist:
    """One artist with the counts shown on their page: the albums and tracks crediting them this user may see."""
    artist = Artist.objects.visible_to(user).get(pk=artist_id)
    artist.album_count = Album.objects.visible_to(user).filter(album_credited_to(artist_id)).count()
    artist.track_count = Track.objects.visible_to(user).filter(credited_on(artist_id)).count()
    return artist


def artist_tracks(*, artist: Artist, user) -> QuerySet[Track]:
    """Tracks crediting the artist (main or featured), most popular first."""
    return _track_base(user).filter(credited_on(artist)).order_by("-popularity", "id")


def artist_albums(*, artist: Artist, user) -> QuerySet[Album]:
    """Albums whose own artists include the artist, newest first."""
    albums = Album.objects.visible_to(user).filter(album_credited_to(artist)).select_related("artist")
    return albums_with_credits(albums).order_by(F("release_date").desc(nulls_last=True), "id")


def album_list(*, user, artist_id: int | None = None) -> QuerySet[Album]:
    albums = albums_with_credits(Album.objects.visible_to(user).select_related("artist")).order_by("id")
    if artist_id is not None:
        albums = albums.filter(album_credited_to(artist_id))
    return albums


def album_get(*, album_id: int, user) -> Album:
    """An album the user may see; Album.DoesNotExist otherwise."""
    return albums_with_credits(Album.objects.visible_to(user).select_related("artist")).get(pk=album_id)


def album_detail(*, album_id: int, user) -> Album:
    """One album the user may see, with the tracks they may see, in album order (disc, track number)."""
    tracks = with_credits(Track.objects.visible_to(user).select_related("artist", "album", "genre").order_by(*ALBUM_TRACK_ORDER))
    return (
        albums_with_credits(Album.objects.visible_to(user).select_related("artist"))
        .prefetch_related(Prefetch("tracks", queryset=tracks, to_attr="ordered_tracks"))
        .get(pk=album_id)
    )


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.order_by("name", "id")


# --- the listener pages (catalog/views.py): every page a fixed number of queries ------------------
BROWSE_PAGE_SIZE = 48
NO_DATE = ALBUM_NO_DATE  # albums without a release date sort as the oldest (catalog.models, its index)


def albums_with_cover(albums: QuerySet[Album]) -> QuerySet[Album]:
    """Annotate `cover_track_id`: the album's first ready track, whose cover the album card shows (same query)."""
    first = Track.objects.playable().filter(album=OuterRef("pk")).order_by(*ALBUM_TRACK_ORDER).values("pk")[:1]
    return albums.annotate(cover_track_id=Subquery(first))


def album_newest(*, limit: int, user) -> list[Album]:
    """The newest releases (undated ones last), in the order of albums_newest_idx: a walk down the index."""
    albums = Album.objects.visible_to(user).select_related("artist").annotate(
        sort_date=Coalesce("release_date", Value(NO_DATE)))
    return list(albums_with_cover(albums_with_credits(albums)).order_by("-sort_date", "-id")[:limit])


def artist_browse(*, letter: str | None, cursor: str | None, user) -> KeysetPage:
    """Artists A–Z (case-insensitive), from `letter` on when given ("#" = names before "a")."""
    artists = Artist.objects.visible_to(user).annotate(sort_name=Lower("name"))
    if letter and letter != "#":
        artists = artists.filter(sort_name__gte=letter.lower())
    return keyset_page(artists, key="sort_name", descending=False, cursor=cursor, size=BROWSE_PAGE_SIZE)


ALBUM_ORDERS = ("newest", "az", "year")


def album_browse(*, order: str, cursor: str | None, user, year: int | None = None) -> KeysetPage:
    """Albums newest first, A–Z, or A–Z within one release year."""
    albums = albums_with_cover(albums_with_credits(Album.objects.visible_to(user).select_related("artist")))
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


def genre_tracks(*, genre: Genre, user) -> QuerySet[Track]:
    """A genre's tracks the user may see, most popular first."""
    return _track_base(user).filter(genre=genre).order_by("-popularity", "id")


# --- the artists' studio (catalog/studio_views.py): only the signed-in artist's own rows ---------------
STUDIO_PAGE_SIZE = 50


def studio_artist(*, user) -> Artist | None:
    """The artist profile the studio works on: the user's own (artists, and admins who have one)."""
    from accounts.permissions import user_is_artist_or_admin

    if not user_is_artist_or_admin(user):
        return None
    return Artist.objects.filter(user=user).first()


def _studio_tracks(*, user, artist: Artist) -> QuerySet[Track]:
    # visible_to first (the one rule), then narrowed to this artist: another artist's id is unknown here.
    return Track.objects.visible_to(user).filter(artist=artist).select_related("artist", "album", "genre")


def studio_track_page(*, user, artist: Artist, cursor: str | None) -> KeysetPage:
    """The artist's tracks, newest first, with their listens counted (one query a page)."""
    from analytics.models import ListeningHistory

    tracks = _studio_tracks(user=user, artist=artist).annotate(
        plays=_count(ListeningHistory.objects.all(), track_id="pk"))
    # newest first by id (ids grow with creation; keyset cursors carry ints and dates, not datetimes)
    return keyset_page(tracks, key="id", descending=True, cursor=cursor, size=STUDIO_PAGE_SIZE)


def studio_track_get(*, user, artist: Artist, track_id: int) -> Track:
    """One of the artist's own tracks; Track.DoesNotExist for anyone else's (the page answers 404)."""
    return _studio_tracks(user=user, artist=artist).get(pk=track_id)


def studio_albums(*, user, artist: Artist) -> list[Album]:
    """The artist's albums, newest first, with how many tracks each holds and its listens."""
    from analytics.models import ListeningHistory

    return list(albums_with_cover(
        Album.objects.visible_to(user).filter(artist=artist).select_related("artist").annotate(
            track_count=_count(Track.objects.all(), album_id="pk"),
            plays=_count(ListeningHistory.objects.all(), track__album_id="pk"),
        )).order_by(F("release_date").desc(nulls_last=True), "-id"))


def studio_album_get(*, user, artist: Artist, album_id: int) -> Album:
    """One of the artist's own albums; Album.DoesNotExist for anyone else's."""
    return Album.objects.visible_to(user).filter(artist=artist).select_related("artist").get(pk=album_id)


def delete_impact(*, track_ids: list[int]) -> dict:
    """What goes with these tracks when they are deleted: playlist entries (and playlists), favourites."""
    from playlists.models import Favorite, PlaylistTrack

    entries = PlaylistTrack.objects.filter(track_id__in=track_ids)
    return {
        "tracks": len(track_ids),
        "playlist_entries": entries.count(),
        "playlists": entries.values("playlist_id").distinct().count(),
        "favourites": Favorite.objects.filter(track_id__in=track_ids).count(),
    }

def track_counts_by_status() -> dict[str, int]:
    """How many tracks are in each processing state (plus hidden ones): one GROUP BY on the status index."""
    from django.db.models import Count

    from .models import ProcessingStatus

    counts = {status: 0 for status in ProcessingStatus.values}
    for row in Track.objects.order_by().values("processing_status").annotate(n=Count("id")):
        counts[row["processing_status"]] = row["n"]
    counts["hidden"] = Track.objects.filter(hidden=True).count()
    return counts
