"""Upload status: GET /api/v1/uploads/ (the caller's) and /api/v1/uploads/{id}."""
from rest_framework import permissions, viewsets

from accounts.permissions import user_is_admin
from etl.models import TrackUpload
from etl.serializers import UploadOutputSerializer


class UploadViewSet(viewsets.ReadOnlyModelViewSet):
    """Each user sees their own uploads; admins may open any upload by id."""

    serializer_class = UploadOutputSerializer
    permission_classes = [permissions.IsAuthenticated]

    queryset = TrackUpload.objects.none()  # for the schema; get_queryset decides

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TrackUpload.objects.none()
        user = self.request.user
        queryset = TrackUpload.objects.order_by("-created_at", "-id")
        if self.action == "retrieve" and user_is_admin(user):
            return queryset
        return queryset.filter(uploader=user)
