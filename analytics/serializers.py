"""Listening API shapes (listen + history); analytics read shapes come with the analytics issue."""
from __future__ import annotations

from rest_framework import serializers

from catalog.filters import BIGINT_MAX
from catalog.models import Track
from catalog.selectors import tracks_visible_by_id
from catalog.serializers import INT32_MAX, TrackOutputSerializer

from .models import DeviceType, ListeningHistory, Platform
from .services import LISTEN_BATCH_MAX


class ListenBatchItemSerializer(serializers.Serializer):
    """The fields of one listen (a batch resolves its track ids together, ListenInputSerializer one by one)."""

    track_id = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    play_duration_ms = serializers.IntegerField(min_value=0, max_value=INT32_MAX)
    completion_percentage = serializers.FloatField(min_value=0, max_value=100)
    platform = serializers.ChoiceField(choices=Platform.choices)
    device_type = serializers.ChoiceField(choices=DeviceType.choices)
    played_at = serializers.DateTimeField(required=False, help_text="When the listen ended; default now.")


class ListenInputSerializer(ListenBatchItemSerializer):
    """One listen of POST /api/v1/analytics/listen; its track is resolved here."""

    def validate_track_id(self, value: int) -> Track:
        """Resolve the id to a track the listener may see (the cached lookup a batch and a stream use too);
        others do not exist for them."""
        track = tracks_visible_by_id(user=self.context["request"].user, track_ids=[value]).get(value)
        if track is None:
            raise serializers.ValidationError("No track with this id.")
        return track


class ListenBatchInputSerializer(serializers.Serializer):
    """Several listens of the signed-in user (an offline queue, an import); recorded all together or not at all."""

    listens = serializers.ListField(child=ListenBatchItemSerializer(), min_length=1, max_length=LISTEN_BATCH_MAX)

    def validate_listens(self, listens: list[dict]) -> list[dict]:
        """Resolve every track id at once (one query for those not cached) to a track the listener may see."""
        tracks = tracks_visible_by_id(
            user=self.context["request"].user, track_ids=[listen["track_id"] for listen in listens])
        missing = {f"{index}.track_id": ["No track with this id."]
                   for index, listen in enumerate(listens) if listen["track_id"] not in tracks}
        if missing:
            raise serializers.ValidationError(missing)
        return [{**listen, "track": tracks[listen["track_id"]]} for listen in listens]


class ListenRecordedSerializer(serializers.ModelSerializer):
    """A listen of a batch as recorded: its id and times (the batch answer stays small)."""

    class Meta:
        model = ListeningHistory
        fields = ["id", "track_id", "played_at", "play_duration_ms"]
        read_only_fields = fields


class ListenBatchRecordedSerializer(serializers.Serializer):
    """The answer of POST /api/v1/analytics/listens: every listen of the batch as recorded, in its order."""

    listens = ListenRecordedSerializer(many=True, read_only=True)


class ListenOutputSerializer(serializers.ModelSerializer):
    track = TrackOutputSerializer(read_only=True)

    class Meta:
        model = ListeningHistory
        fields = ["id", "track", "played_at", "play_duration_ms", "completion_percentage", "platform", "device_type"]
        read_only_fields = fields
