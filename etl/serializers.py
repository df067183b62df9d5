from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from etl.models import TrackUpload


class UploadOutputSerializer(serializers.ModelSerializer):
    track_id = serializers.IntegerField(read_only=True, allow_null=True)
    error = serializers.CharField(source="error_message", read_only=True)
    status_url = serializers.SerializerMethodField()
    format = serializers.SerializerMethodField()
    cover_error = serializers.SerializerMethodField()
    source_url = serializers.SerializerMethodField()
    fetch = serializers.SerializerMethodField()

    class Meta:
        model = TrackUpload
        fields = ["id", "status", "track_id", "error", "original_filename", "file_size", "checksum", "format",
                  "cover_error", "source_url", "fetch", "status_url", "created_at", "updated_at"]
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        return reverse("api:v1:uploads-detail", kwargs={"pk": obj.pk})

    def get_format(self, obj) -> str | None:
        return (obj.metadata or {}).get("format")

    def get_cover_error(self, obj) -> str | None:
        return (obj.metadata or {}).get("cover_error")

    def get_source_url(self, obj) -> str | None:
        return (obj.metadata or {}).get("source_url")

    @extend_schema_field(inline_serializer("UploadFetch", {
        "state": serializers.ChoiceField(choices=["queued", "downloading", "stored", "failed"]),
        "bytes_received": serializers.IntegerField(),
        "bytes_expected": serializers.IntegerField(allow_null=True),
    }, allow_null=True))
    def get_fetch(self, obj) -> dict | None:
        """The download of an upload from a URL (null for a file sent in the request)."""
        fetch = (obj.metadata or {}).get("fetch")
        if not fetch:
            return None
        return {"state": fetch.get("state"), "bytes_received": fetch.get("bytes_received", 0),
                "bytes_expected": fetch.get("bytes_expected")}
