"""Listening REST API: record a listen, read my history (analytics reads live elsewhere)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import credits_prefetch

from .models import ListeningHistory
from .serializers import (
    ListenBatchInputSerializer,
    ListenBatchRecordedSerializer,
    ListenInputSerializer,
    ListenOutputSerializer,
    ListenRecordedSerializer,
)
from .services import listen_record, listens_record


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


def _dotted(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors of a list of objects as one level, e.g. {"listens.3.platform": [...]} (the service's own keys)."""
    if isinstance(errors, dict):
        flat = {}
        for key, value in errors.items():
            flat.update(_dotted(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(errors, list) and errors and all(isinstance(item, (dict, list)) for item in errors):
        flat = {}
        for index, item in enumerate(errors):
            if item:
                flat.update(_dotted(item, f"{prefix}.{index}"))
        return flat
    return {prefix: [str(message) for message in errors] if isinstance(errors, list) else [str(errors)]}


class ListenBatchCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ListenBatchInputSerializer, responses={201: ListenBatchRecordedSerializer})
    def post(self, request):
        """Record up to 100 listens by the current user at once: all of them, or none with each error by index."""
        data = ListenBatchInputSerializer(data=request.data, context={"request": request})
        if not data.is_valid():
            raise ValidationError(_dotted(data.errors))
        listens = [{key: value for key, value in listen.items() if key != "track_id"} for listen in data.validated_data["listens"]]
        recorded = listens_record(user=request.user, listens=listens)
        return Response({"listens": ListenRecordedSerializer(recorded, many=True).data}, status=status.HTTP_201_CREATED)


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
