"""Playlists and favourites REST API (thin)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import ID_REGEX
from jonquils.api.responses import cached_json_for_viewer

from . import selectors, services
from .serializers import (
    FavoriteOutputSerializer,
    PlaylistEntryOutputSerializer,
    PlaylistInputSerializer,
    PlaylistListQuerySerializer,
    PlaylistOutputSerializer,
    PlaylistReorderInputSerializer,
    PlaylistTrackAddInputSerializer,
    PlayQueueOutputSerializer,
    PlayQueuePositionInputSerializer,
    PlayQueueSaveInputSerializer,
    PlayQueueTrackOutputSerializer,
    PlayQueueTracksQuerySerializer,
)


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(parameters=[PlaylistListQuerySerializer], responses=PlaylistOutputSerializer(many=True)),
    retrieve=extend_schema(responses=PlaylistOutputSerializer),
    create=extend_schema(request=PlaylistInputSerializer, responses={201: PlaylistOutputSerializer}),
    update=extend_schema(request=PlaylistInputSerializer, responses=PlaylistOutputSerializer),
    partial_update=extend_schema(request=PlaylistInputSerializer, responses=PlaylistOutputSerializer),
)
class PlaylistViewSet(viewsets.GenericViewSet):
    """Playlists: public ones readable by anyone; private ones exist only for their owner."""

    serializer_class = PlaylistOutputSerializer
    lookup_value_regex = ID_REGEX
    filter_backends: list = []

    def get_queryset(self):
        return selectors.playlist_list_for_user(user=self.request.user)

    def _get(self, pk, *, totals=True):
        return selectors.playlist_get(playlist_id=int(pk), user=self.request.user, totals=totals)

    def _page(self, queryset, serializer_class, *, prepare=list):
        page = prepare(self.paginate_queryset(queryset))
        return self.get_paginated_response(serializer_class(page, many=True).data)

    def list(self, request):
        owner = _valid(PlaylistListQuerySerializer, request.query_params).get("owner")
        if owner == "me":
            if not request.user.is_authenticated:
                raise NotAuthenticated()
            owner = request.user.pk
        return self._page(selectors.playlist_list_for_user(user=request.user, owner_id=owner), PlaylistOutputSerializer,
                          prepare=selectors.playlists_with_totals)

    def create(self, request):
        playlist = services.playlist_create(owner=request.user, **_valid(PlaylistInputSerializer, request.data))
        return Response(PlaylistOutputSerializer(self._get(playlist.pk)).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk):
        return Response(PlaylistOutputSerializer(self._get(pk)).data)

    def update(self, request, pk, partial=False):
        changes = _valid(PlaylistInputSerializer, request.data, partial=partial)
        services.playlist_update(actor=request.user, playlist_id=int(pk), **changes)
        return Response(PlaylistOutputSerializer(self._get(pk)).data)

    def partial_update(self, request, pk):
        return self.update(request, pk, partial=True)

    def destroy(self, request, pk):
        services.playlist_delete(actor=request.user, playlist_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=PlaylistEntryOutputSerializer(many=True))
    @extend_schema(methods=["POST"], request=PlaylistTrackAddInputSerializer, responses={201: PlaylistEntryOutputSerializer})
    @action(detail=True, methods=["get", "post"], url_path="tracks")
    def tracks(self, request, pk):
        """GET: the entries in order. POST: add a track (at `position`, default the end)."""
        if request.method == "GET":
            playlist = self._get(pk, totals=False)  # only whether the viewer may see it, and its updated_at

            def build():
                entries = selectors.playlist_entries(playlist=playlist, user=request.user)
                return self._page(entries, PlaylistEntryOutputSerializer).data

            # Every edit of the entries moves updated_at (playlists.services), every catalog write
            # the catalog version: either makes the cached page unreachable.
            version = {"id": playlist.pk, "updated": playlist.updated_at.isoformat(),
                       "path": request.get_full_path(), "host": request.get_host()}
            return cached_json_for_viewer(request.user, "playlist-entries", version, build)
        entry = services.playlist_track_add(actor=request.user, playlist_id=int(pk), **_valid(PlaylistTrackAddInputSerializer, request.data))
        return Response(PlaylistEntryOutputSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("position", int, OpenApiParameter.PATH)], request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"tracks/(?P<position>[0-9]{1,9})")
    def remove_track(self, request, pk, position):
        """Remove the entry at `position`; the following entries move up."""
        services.playlist_track_remove(actor=request.user, playlist_id=int(pk), position=int(position))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PlaylistReorderInputSerializer, responses=PlaylistEntryOutputSerializer)
    @action(detail=True, methods=["post"], url_path="reorder")
    def reorder(self, request, pk):
        """Move one entry from `from_position` to `to_position`; positions stay 0..n-1."""
        entry = services.playlist_track_move(actor=request.user, playlist_id=int(pk), **_valid(PlaylistReorderInputSerializer, request.data))
        return Response(PlaylistEntryOutputSerializer(entry).data)


class FavoriteTrackView(APIView):
    """Like (POST) or unlike (DELETE) a track; both are idempotent."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: FavoriteOutputSerializer, 200: FavoriteOutputSerializer})
    def post(self, request, track_id):
        favorite, created = services.favorite_add(user=request.user, track_id=int(track_id))
        data = FavoriteOutputSerializer(favorite).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, track_id):
        services.favorite_remove(user=request.user, track_id=int(track_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyFavoritesView(generics.ListAPIView):
    """My liked tracks, most recent first."""

    permission_classes = [IsAuthenticated]
    serializer_class = FavoriteOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.favorite_list(user=self.request.user)


def _queue_out(user) -> dict:
    return PlayQueueOutputSerializer(selectors.play_queue_get(user=user)).data


class MyPlayQueueView(APIView):
    """My play queue, shared by all my clients: GET it; PUT replaces it; PATCH moves the current entry.

    POST is PUT when `track_ids` is sent and PATCH otherwise (for `navigator.sendBeacon`, which only
    POSTs, form-encoded with the CSRF token). DELETE empties it.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PlayQueueOutputSerializer)
    def get(self, request):
        return Response(_queue_out(request.user))

    @extend_schema(request=PlayQueueSaveInputSerializer, responses=PlayQueueOutputSerializer)
    def put(self, request):
        services.play_queue_save(user=request.user, **_valid(PlayQueueSaveInputSerializer, request.data))
        return Response(_queue_out(request.user))

    @extend_schema(request=PlayQueuePositionInputSerializer, responses=PlayQueueOutputSerializer)
    def patch(self, request):
        services.play_queue_position_save(user=request.user, **_valid(PlayQueuePositionInputSerializer, request.data))
        return Response(_queue_out(request.user))

    @extend_schema(request=PlayQueueSaveInputSerializer, responses=PlayQueueOutputSerializer)
    def post(self, request):
        return self.put(request) if "track_ids" in request.data else self.patch(request)

    @extend_schema(request=None, responses={200: PlayQueueOutputSerializer})
    def delete(self, request):
        services.play_queue_clear(user=request.user)
        return Response(_queue_out(request.user))


class MyPlayQueueTracksView(APIView):
    """GET ?ids=1,2,3: what a player shows for these tracks (title, artist, album, duration)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[PlayQueueTracksQuerySerializer], responses=PlayQueueTrackOutputSerializer(many=True))
    def get(self, request):
        ids = _valid(PlayQueueTracksQuerySerializer, request.query_params)["ids"]
        rows = selectors.play_queue_tracks(user=request.user, track_ids=ids)
        return Response(PlayQueueTrackOutputSerializer(rows, many=True).data)
