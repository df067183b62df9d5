"""Upload status: GET /api/v1/uploads/ (the caller's) and /api/v1/uploads/{id}."""
from rest_framework import permissions, viewsets

from accounts.permissions import user_is_admin
from etl.models import TrackUpload
from etl.serializers import UploadOutputSerializer


class UploadViewSet(viewsets.ReadOnlyModelViewSet):
    """Each user sees their own uploads; admins may open any upload by id."""

    serializer_class = UploadOutputSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        user = self.request.user
        queryset = TrackUpload.objects.order_by("-created_at", "-id")
        if self.action == "retrieve" and user_is_admin(user):
            return queryset
        return queryset.filter(uploader=user)
