"""Input validation of the search endpoints and the one result shape of every backend."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.selectors import album_credits, album_display_artist, credits_display, track_credits, track_display_artist
from catalog.serializers import AlbumCreditOutputSerializer, CreditOutputSerializer

from .backends import ENTITIES, SearchFilters
from .services import MAX_QUERY_CHARS


class SearchInputSerializer(serializers.Serializer):
    # Emptiness and length are checked by the service: one rule for API, pages and tasks.
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    genre = serializers.CharField(required=False, max_length=100, help_text="Genre id or name")
    artist = serializers.IntegerField(required=False, min_value=1, help_text="Artist id")
    year_min = serializers.IntegerField(required=False, min_value=1, max_value=9999)
    year_max = serializers.IntegerField(required=False, min_value=1, max_value=9999)
    tempo_min = serializers.FloatField(required=False, min_value=0)
    tempo_max = serializers.FloatField(required=False, min_value=0)
    energy_min = serializers.FloatField(required=False, min_value=0, max_value=1)
    energy_max = serializers.FloatField(required=False, min_value=0, max_value=1)

    def validate(self, attrs):
        for name in ("year", "tempo", "energy"):
            low, high = attrs.get(f"{name}_min"), attrs.get(f"{name}_max")
            if low is not None and high is not None and low > high:
                raise serializers.ValidationError({f"{name}_min": [f"Must not exceed {name}_max."]})
        return attrs

    def filters(self) -> SearchFilters:
        data = self.validated_data
        genre = data.get("genre")
        return SearchFilters(
            genre_id=int(genre) if genre and genre.isdigit() else None,
            genre_name=genre if genre and not genre.isdigit() else None,
            artist_id=data.get("artist"),
            year_min=data.get("year_min"), year_max=data.get("year_max"),
            tempo_min=data.get("tempo_min"), tempo_max=data.get("tempo_max"),
            energy_min=data.get("energy_min"), energy_max=data.get("energy_max"),
        )


class ClickInputSerializer(serializers.Serializer):
    query = serializers.CharField(max_length=10 * MAX_QUERY_CHARS, allow_blank=True)
    entity = serializers.ChoiceField(choices=ENTITIES)
    result_id = serializers.IntegerField(min_value=1)


def _ref(obj, label: str) -> dict | None:
    return None if obj is None else {"id": obj.id, label: getattr(obj, label)}


def hit_to_dict(hit, obj) -> dict:
    """The result shape shared by both backends: entity, id, score, popularity, then entity fields."""
    base = {"entity": hit.entity, "id": obj.id, "score": round(hit.score, 4), "popularity": hit.popularity}
    if hit.entity == "track":
        credits = track_credits(obj)
        return {
            **base, "title": obj.title, "artist": _ref(obj.artist, "name"),
            "artists": [{"id": c.id, "name": c.name, "role": c.role} for c in credits],
            "display_artist": credits_display(credits), "album": _ref(obj.album, "title"),
            "genre": obj.genre.name if obj.genre else None, "duration_ms": obj.duration_ms,
            "tempo": obj.tempo, "energy": obj.energy,
        }
    if hit.entity == "artist":
        return {**base, "name": obj.name, "country": obj.country}
    if hit.entity == "album":
        credits = album_credits(obj)
        return {
            **base, "title": obj.title, "artist": _ref(obj.artist, "name"),
            "artists": [{"id": c.id, "name": c.name} for c in credits], "display_artist": credits_display(credits),
            "release_date": obj.release_date.isoformat() if obj.release_date else None,
        }
    return {
        **base, "title": obj.title, "description": obj.description, "is_public": obj.is_public,
        "owner": {"id": obj.owner_id, "username": obj.owner.username},
    }


def suggestion_to_dict(hit, obj) -> dict:
    """One autocomplete line: what to show and what it points to."""
    if hit.entity == "track":
        label, sublabel = obj.title, track_display_artist(obj)
    elif hit.entity == "artist":
        label, sublabel = obj.name, ""
    elif hit.entity == "album":
        label, sublabel = obj.title, album_display_artist(obj)
    else:
        label, sublabel = obj.title, obj.owner.username
    return {"entity": hit.entity, "id": obj.id, "label": label, "sublabel": sublabel, "score": round(hit.score, 4)}


# --- response schemas: one per kind, the shapes hit_to_dict() gives ------------------------------

def _entity_field(*entities: str) -> serializers.CharField:
    """The `entity` of a result: an inline enum (one value for one kind's hits), not a shared component."""

    @extend_schema_field({"type": "string", "enum": list(entities)})
    class EntityField(serializers.CharField):
        pass

    return EntityField()


class HitRef(serializers.Serializer):
    id = serializers.IntegerField()


class HitArtistRef(HitRef):
    name = serializers.CharField()


class HitAlbumRef(HitRef):
    title = serializers.CharField()


class HitOwnerRef(HitRef):
    username = serializers.CharField()


class _HitBase(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.FloatField(help_text="Relevance, higher is better (rounded to 4 places)")
    popularity = serializers.FloatField()


class TrackHitSerializer(_HitBase):
    entity = _entity_field("track")
    title = serializers.CharField()
    artist = HitArtistRef()
    artists = CreditOutputSerializer(many=True, help_text="Every credited artist in credit order")
    display_artist = serializers.CharField(help_text='"A feat. B"')
    album = HitAlbumRef(allow_null=True)
    genre = serializers.CharField(allow_null=True, help_text="Genre name")
    duration_ms = serializers.IntegerField(allow_null=True)
    tempo = serializers.FloatField(allow_null=True, help_text="Beats per minute")
    energy = serializers.FloatField(allow_null=True)


class ArtistHitSerializer(_HitBase):
    entity = _entity_field("artist")
    name = serializers.CharField()
    country = serializers.CharField(allow_blank=True, help_text="ISO 3166-1 alpha-2 code, or empty")


class AlbumHitSerializer(_HitBase):
    entity = _entity_field("album")
    title = serializers.CharField()
    artist = HitArtistRef()
    artists = AlbumCreditOutputSerializer(many=True, help_text="The album's own artists in order")
    display_artist = serializers.CharField()
    release_date = serializers.DateField(allow_null=True)


class PlaylistHitSerializer(_HitBase):
    entity = _entity_field("playlist")
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    is_public = serializers.BooleanField()
    owner = HitOwnerRef()


# Filters that narrow each kind (search.backends); the others are accepted and do nothing.
FILTERS_OF = {
    "track": ("genre", "artist", "year_min", "year_max", "tempo_min", "tempo_max", "energy_min", "energy_max"),
    "artist": ("genre",),
    "album": ("artist", "year_min", "year_max"),
    "playlist": (),
}
ALL_FILTERS = FILTERS_OF["track"]

HIT_SERIALIZERS = {
    "track": TrackHitSerializer, "artist": ArtistHitSerializer, "album": AlbumHitSerializer, "playlist": PlaylistHitSerializer,
}


class SuggestionSerializer(serializers.Serializer):
    entity = serializers.ChoiceField(choices=ENTITIES)
    id = serializers.IntegerField()
    label = serializers.CharField()
    sublabel = serializers.CharField()
    score = serializers.FloatField()


class SuggestResponseSerializer(serializers.Serializer):
    results = SuggestionSerializer(many=True)
