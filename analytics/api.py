"""Listening REST API: record a listen, read my history (analytics reads live elsewhere)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import credits_prefetch

from .models import ListeningHistory
from .serializers import ListenInputSerializer, ListenOutputSerializer
from .services import listen_record


class ListenCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ListenInputSerializer, responses={201: ListenOutputSerializer})
    def post(self, request):
        """Record one listen of a ready track by the current user."""
        data = ListenInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        listen = listen_record(user=request.user, track=fields.pop("track_id"), **fields)
        return Response(ListenOutputSerializer(listen).data, status=status.HTTP_201_CREATED)


class MyHistoryView(generics.ListAPIView):
    """My listens, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = ListenOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return (
            ListeningHistory.objects.filter(user=self.request.user)
            .select_related("track__artist", "track__album", "track__genre")
            .prefetch_related(credits_prefetch("track__"))
            .order_by("-played_at", "-id")
        )
