"""Query-string filters of the catalog lists (django-filter); bad values answer 400."""
from __future__ import annotations

import django_filters

from .models import Album, Track

BIGINT_MAX = 2**63 - 1

# ordering value -> ORDER BY; every one ends with an id tiebreak so pages never overlap.
TRACK_ORDERINGS = {
    "popularity": ("popularity", "id"),
    "-popularity": ("-popularity", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
}


def _id_filter(field_name: str, label: str) -> django_filters.NumberFilter:
    return django_filters.NumberFilter(field_name=field_name, label=label, min_value=1, max_value=BIGINT_MAX, decimal_places=0)


def _credited_filter(label: str, method: str) -> django_filters.NumberFilter:
    return django_filters.NumberFilter(label=label, min_value=1, max_value=BIGINT_MAX, decimal_places=0, method=method)


class TrackFilter(django_filters.FilterSet):
    artist = _credited_filter("Artist id: tracks crediting the artist, main or featured", "filter_artist")
    album = _id_filter("album_id", "Album id")
    genre = _id_filter("genre_id", "Genre id")
    year = django_filters.NumberFilter(
        field_name="album__release_date__year", label="Release year of the album", min_value=1, max_value=9999, decimal_places=0
    )
    tempo_min = django_filters.NumberFilter(field_name="tempo", lookup_expr="gte", min_value=0, max_value=1000, label="Minimum BPM")
    tempo_max = django_filters.NumberFilter(field_name="tempo", lookup_expr="lte", min_value=0, max_value=1000, label="Maximum BPM")
    energy_min = django_filters.NumberFilter(field_name="energy", lookup_expr="gte", min_value=0, max_value=1, label="Minimum energy (0..1)")
    energy_max = django_filters.NumberFilter(field_name="energy", lookup_expr="lte", min_value=0, max_value=1, label="Maximum energy (0..1)")
    ordering = django_filters.ChoiceFilter(
        choices=[(k, k) for k in TRACK_ORDERINGS], method="filter_ordering", empty_label=None,
        label="Order: popularity, created or title; prefix '-' for descending",
    )

    class Meta:
        model = Track
        fields: list[str] = []

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*TRACK_ORDERINGS[value])

    def filter_artist(self, queryset, name, value):
        from .selectors import credited_on

        return queryset.filter(credited_on(int(value)))


class AlbumFilter(django_filters.FilterSet):
    artist = _credited_filter("Artist id: albums whose own artists include the artist", "filter_artist")
    year = django_filters.NumberFilter(field_name="release_date__year", min_value=1, max_value=9999, decimal_places=0)

    class Meta:
        model = Album
        fields: list[str] = []

    def filter_artist(self, queryset, name, value):
        from .selectors import album_credited_to

        return queryset.filter(album_credited_to(int(value)))
