"""Playlist and favourite API shapes."""
from __future__ import annotations

from rest_framework import serializers

from catalog.filters import BIGINT_MAX
from catalog.serializers import TrackOutputSerializer

from .models import Favorite, Playlist, PlaylistTrack
from .services import MAX_PLAYLIST_ENTRIES


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
