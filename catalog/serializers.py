"""Catalog API shapes: input serializers validate, output serializers present."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jonquils.api.fields import country_field

from .filters import BIGINT_MAX
from .models import Album, Artist, CreditRole, Genre, ProcessingStatus, Track

INT32_MAX = 2**31 - 1
SMALLINT_MAX = 32767


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, **kwargs)


def _file_url(file) -> str | None:
    return file.url if file else None


# --- output ----------------------------------------------------------------------------

class GenreOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "name", "description"]


class ArtistRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Artist
        fields = ["id", "name"]


class AlbumRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Album
        fields = ["id", "title", "release_date"]


class GenreRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "name"]


class CreditOutputSerializer(serializers.Serializer):
    """One credited artist of a track, in credit order."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=CreditRole.choices, read_only=True)


class AlbumCreditOutputSerializer(serializers.Serializer):
    """One of an album's own artists, in order."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ReplayGainSerializer(serializers.Serializer):
    track_gain_db = serializers.FloatField(source="replay_gain_track_db", allow_null=True, read_only=True)
    track_peak = serializers.FloatField(source="replay_gain_track_peak", allow_null=True, read_only=True)
    album_gain_db = serializers.FloatField(source="replay_gain_album_db", allow_null=True, read_only=True)
    album_peak = serializers.FloatField(source="replay_gain_album_peak", allow_null=True, read_only=True)


class TrackOutputSerializer(serializers.ModelSerializer):
    artist = ArtistRefSerializer(read_only=True)
    album = AlbumRefSerializer(read_only=True, allow_null=True)
    genre = GenreRefSerializer(read_only=True, allow_null=True)
    processing_status = serializers.ChoiceField(choices=ProcessingStatus.choices, read_only=True)
    replay_gain = ReplayGainSerializer(source="*", read_only=True)
    artists = serializers.SerializerMethodField(
        help_text="Every credited artist in credit order: the main ones, then the featured; `artist` is the first")
    display_artist = serializers.SerializerMethodField(help_text='The credit as shown: "A feat. B", "A & B"')
    has_lyrics = serializers.SerializerMethodField(help_text="Lyrics at /api/v1/tracks/{id}/lyrics")
    has_synced_lyrics = serializers.SerializerMethodField()
    audio_format = serializers.SerializerMethodField(help_text="The original's format: mp3, flac, alac, aiff, ...")
    content_type = serializers.SerializerMethodField(
        help_text="The original's type with its codec, for canPlayType(); the stream transcodes what browsers can't play")

    class Meta:
        model = Track
        fields = [
            "id", "title", "artist", "artists", "display_artist", "album", "genre", "track_number", "disc_number", "duration_ms",
            "popularity", "tempo", "energy", "valence", "processing_status", "created_at", "updated_at",
            "album_artist_name", "is_compilation", "replay_gain", "has_lyrics", "has_synced_lyrics",
            "audio_format", "content_type",
        ]
        read_only_fields = fields

    @extend_schema_field(CreditOutputSerializer(many=True))
    def get_artists(self, obj) -> list[dict]:
        from .selectors import track_credits

        return [{"id": c.id, "name": c.name, "role": c.role} for c in track_credits(obj)]

    def get_display_artist(self, obj) -> str:
        from .selectors import track_display_artist

        return track_display_artist(obj)

    def get_has_lyrics(self, obj) -> bool:
        return bool(obj.lyrics)

    def get_has_synced_lyrics(self, obj) -> bool:
        return bool(obj.synced_lyrics)

    def get_audio_format(self, obj) -> str:
        from .stream_plan import track_audio_format

        return track_audio_format(obj)

    def get_content_type(self, obj) -> str:
        from .stream_plan import content_type_of

        return content_type_of(obj)


class PopularTrackOutputSerializer(TrackOutputSerializer):
    period_listens = serializers.IntegerField(
        read_only=True, allow_null=True, default=None,
        help_text="Listens in the requested period; null for period=all.",
    )

    class Meta(TrackOutputSerializer.Meta):
        fields = [*TrackOutputSerializer.Meta.fields, "period_listens"]
        read_only_fields = fields


class ArtistOutputSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Artist
        fields = ["id", "name", "bio", "country", "image_url", "created_at", "updated_at"]
        read_only_fields = fields

    def get_image_url(self, obj) -> str | None:
        return _file_url(obj.image)


class ArtistDetailOutputSerializer(ArtistOutputSerializer):
    album_count = serializers.IntegerField(read_only=True)
    track_count = serializers.IntegerField(read_only=True, help_text="Playable tracks.")

    class Meta(ArtistOutputSerializer.Meta):
        fields = [*ArtistOutputSerializer.Meta.fields, "album_count", "track_count"]
        read_only_fields = fields


class AlbumOutputSerializer(serializers.ModelSerializer):
    artist = ArtistRefSerializer(read_only=True)
    artists = serializers.SerializerMethodField(help_text="The album's own artists in order (not its tracks' credits)")
    display_artist = serializers.SerializerMethodField(help_text='"A & B", "Various Artists"')
    cover_image_url = serializers.SerializerMethodField()

    class Meta:
        model = Album
        fields = ["id", "title", "artist", "artists", "display_artist", "release_date", "cover_image_url",
                  "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(AlbumCreditOutputSerializer(many=True))
    def get_artists(self, obj) -> list[dict]:
        from .selectors import album_credits

        return [{"id": c.id, "name": c.name} for c in album_credits(obj)]

    def get_display_artist(self, obj) -> str:
        from .selectors import album_display_artist

        return album_display_artist(obj)

    def get_cover_image_url(self, obj) -> str | None:
        return _file_url(obj.cover_image)


class AlbumDetailOutputSerializer(AlbumOutputSerializer):
    tracks = TrackOutputSerializer(source="ordered_tracks", many=True, read_only=True)

    class Meta(AlbumOutputSerializer.Meta):
        fields = [*AlbumOutputSerializer.Meta.fields, "tracks"]
        read_only_fields = fields


# --- input -----------------------------------------------------------------------------

class ArtistInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    bio = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    country = country_field(default="")


class AlbumCreateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    artist_id = _id_field(required=False, help_text="Required for admins; artists may omit it (their own profile).")
    release_date = serializers.DateField(required=False, allow_null=True, default=None)


class AlbumUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    release_date = serializers.DateField(required=False, allow_null=True, default=None)


class TrackUpdateInputSerializer(serializers.Serializer):
    """PUT replaces (omitted optional fields become null); PATCH changes only what is sent."""

    title = serializers.CharField(max_length=255)
    album_id = _id_field(required=False, allow_null=True, default=None)
    genre_id = _id_field(required=False, allow_null=True, default=None)
    track_number = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=SMALLINT_MAX)
    disc_number = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=SMALLINT_MAX)
    duration_ms = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=INT32_MAX)
    tempo = serializers.FloatField(required=False, allow_null=True, default=None, min_value=1, max_value=999)
    energy = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0, max_value=1)
    valence = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0, max_value=1)


class TrackCreateInputSerializer(TrackUpdateInputSerializer):
    artist_id = _id_field(required=False, help_text="Required for admins; artists may omit it (their own profile).")
