"""Catalog reads; each list states what it joins so a page costs a fixed number of queries."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

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
