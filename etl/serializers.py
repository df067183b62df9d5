from django.urls import reverse
from rest_framework import serializers

from etl.models import TrackUpload


class UploadOutputSerializer(serializers.ModelSerializer):
    track_id = serializers.IntegerField(read_only=True, allow_null=True)
    error = serializers.CharField(source="error_message", read_only=True)
    status_url = serializers.SerializerMethodField()
    format = serializers.SerializerMethodField()
    cover_error = serializers.SerializerMethodField()

    class Meta:
        model = TrackUpload
        fields = ["id", "status", "track_id", "error", "original_filename", "file_size", "checksum", "format",
                  "cover_error", "status_url", "created_at", "updated_at"]
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        return reverse("api:v1:uploads-detail", kwargs={"pk": obj.pk})

    def get_format(self, obj) -> str | None:
        return (obj.metadata or {}).get("format")

    def get_cover_error(self, obj) -> str | None:
        return (obj.metadata or {}).get("cover_error")
