"""Playlist and favourite API shapes."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.filters import BIGINT_MAX
from catalog.serializers import TrackOutputSerializer

from .models import Favorite, Playlist, PlaylistTrack
from .selectors import MAX_QUEUE_TRACKS_PER_READ
from .services import MAX_PLAY_QUEUE_ENTRIES, MAX_PLAYLIST_ENTRIES


class OwnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class PlaylistOutputSerializer(serializers.ModelSerializer):
    owner = OwnerRefSerializer(read_only=True)
    track_count = serializers.IntegerField(read_only=True)
    duration_ms = serializers.IntegerField(read_only=True, allow_null=True, help_text="Sum of the tracks' durations.")

    class Meta:
        model = Playlist
        fields = ["id", "title", "description", "is_public", "owner", "track_count", "duration_ms", "created_at", "updated_at"]
        read_only_fields = fields


class PlaylistEntryOutputSerializer(serializers.ModelSerializer):
    track = TrackOutputSerializer(read_only=True)

    class Meta:
        model = PlaylistTrack
        fields = ["position", "added_at", "track"]
        read_only_fields = fields


class FavoriteOutputSerializer(serializers.ModelSerializer):
    track = TrackOutputSerializer(read_only=True)

    class Meta:
        model = Favorite
        fields = ["created_at", "track"]
        read_only_fields = fields


class PlaylistInputSerializer(serializers.Serializer):
    """POST/PUT send every field (omitted ones take their defaults); PATCH only what changes."""

    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5_000, default="")
    is_public = serializers.BooleanField(required=False, default=False)


class PlaylistTrackAddInputSerializer(serializers.Serializer):
    track_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    position = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=MAX_PLAYLIST_ENTRIES,
        help_text="0-based; omitted or null appends at the end.",
    )


class PlaylistReorderInputSerializer(serializers.Serializer):
    from_position = serializers.IntegerField(min_value=0, max_value=MAX_PLAYLIST_ENTRIES)
    to_position = serializers.IntegerField(min_value=0, max_value=MAX_PLAYLIST_ENTRIES)


class PlaylistListQuerySerializer(serializers.Serializer):
    owner = serializers.CharField(required=False, help_text='"me" or a user id.')

    def validate_owner(self, value: str):
        if value == "me":
            return value
        if not value.isdigit() or len(value) > 18:
            raise serializers.ValidationError('Use "me" or a user id.')
        return int(value)


@extend_schema_field({"oneOf": [{"type": "array", "items": {"type": "integer", "minimum": 1}},
                            {"type": "string", "pattern": "^[0-9,]*$"}]})
class TrackIdListField(serializers.Field):
    """Track ids as a JSON list, or as "1,2,3" (form posts, e.g. navigator.sendBeacon)."""

    default_error_messages = {"invalid": "Give a list of track ids (integers from 1)."}

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part for part in data.split(",") if part.strip()] if data.strip() else []
        if not isinstance(data, list):
            self.fail("invalid")
        ids = []
        for value in data:
            if isinstance(value, bool):
                self.fail("invalid")
            try:
                track_id = int(value)
            except (TypeError, ValueError):
                self.fail("invalid")
            if not 1 <= track_id <= BIGINT_MAX:
                self.fail("invalid")
            ids.append(track_id)
        return ids

    def to_representation(self, value):
        return list(value)


class PlayQueueSaveInputSerializer(serializers.Serializer):
    track_ids = TrackIdListField(help_text="The whole queue in play order; a track may repeat.")
    current_index = serializers.IntegerField(required=False, default=0, min_value=0, max_value=MAX_PLAY_QUEUE_ENTRIES)
    position_ms = serializers.IntegerField(required=False, default=0, min_value=0, max_value=BIGINT_MAX)
    client = serializers.CharField(required=False, default="", allow_blank=True, max_length=64)


class PlayQueuePositionInputSerializer(serializers.Serializer):
    current_index = serializers.IntegerField(min_value=0, max_value=MAX_PLAY_QUEUE_ENTRIES)
    position_ms = serializers.IntegerField(min_value=0, max_value=BIGINT_MAX)
    client = serializers.CharField(required=False, default="", allow_blank=True, max_length=64)


class PlayQueueOutputSerializer(serializers.Serializer):
    track_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    current_index = serializers.IntegerField(read_only=True)
    position_ms = serializers.IntegerField(read_only=True)
    changed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    changed_by = serializers.CharField(read_only=True)


@extend_schema_field(OpenApiTypes.STR)
class TrackIdCsvField(TrackIdListField):
    """The same ids, written "1,2,3" in a query string."""


class PlayQueueTracksQuerySerializer(serializers.Serializer):
    ids = TrackIdCsvField(help_text=f"Comma-separated track ids, at most {MAX_QUEUE_TRACKS_PER_READ}.")

    def validate_ids(self, value):
        if len(value) > MAX_QUEUE_TRACKS_PER_READ:
            raise serializers.ValidationError(f"Ask for at most {MAX_QUEUE_TRACKS_PER_READ} tracks at once.")
        return value


class PlayQueueTrackOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    duration_ms = serializers.IntegerField(allow_null=True)
    artist_id = serializers.IntegerField()
    artist_name = serializers.CharField()
    display_artist = serializers.CharField(help_text='Every credited artist: "A feat. B"')
    album_id = serializers.IntegerField(allow_null=True)
    album_title = serializers.CharField(allow_null=True)
