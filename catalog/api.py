"""Catalog REST API (thin): parse input, call a selector or service, shape the output."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.permissions import CatalogWritePermission
from jonquils.api.pagination import KeysetPagination
from jonquils.api.responses import cached_json, cached_json_for_viewer

from . import selectors, services
from .cache import cached_for_viewer
from .charts import WINDOW_CACHE_S
from .filters import AlbumFilter, TrackFilter
from .serializers import (
    AlbumCreateInputSerializer,
    AlbumDetailOutputSerializer,
    AlbumOutputSerializer,
    AlbumUpdateInputSerializer,
    ArtistDetailOutputSerializer,
    ArtistInputSerializer,
    ArtistOutputSerializer,
    GenreOutputSerializer,
    PopularTrackOutputSerializer,
    TrackCreateInputSerializer,
    TrackOutputSerializer,
    TrackUpdateInputSerializer,
)

ID_REGEX = r"[0-9]{1,18}"  # larger numbers cannot be ids (bigint) and answer 404


def _cache_params(request) -> dict:
    return {"path": request.get_full_path(), "host": request.get_host()}


def _filtered(filterset_class, request, queryset):
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


class _CatalogViewSet(viewsets.GenericViewSet):
    permission_classes = [CatalogWritePermission]
    lookup_value_regex = ID_REGEX
    pagination_class = KeysetPagination

    def list_count(self, queryset) -> int:
        """Rows of a filtered list: cached per catalog version for public viewers (COUNT(*) grows with the catalog)."""
        params = {k: v for k, v in sorted(self.request.query_params.items()) if k not in ("page", "cursor", "page_size")}
        return cached_for_viewer(self.request.user, "list-count", {"path": self.request.path, **params}, queryset.count)

    def _page(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    def _write(self, input_class, service, output_class, *, partial=False, created=False, **kwargs):
        data = input_class(data=self.request.data, partial=partial)
        data.is_valid(raise_exception=True)
        obj = service(actor=self.request.user, **kwargs, **data.validated_data)
        return Response(output_class(obj).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(responses=TrackOutputSerializer(many=True)),
    retrieve=extend_schema(responses=TrackOutputSerializer),
    create=extend_schema(request=TrackCreateInputSerializer, responses={201: TrackOutputSerializer}),
    update=extend_schema(request=TrackUpdateInputSerializer, responses=TrackOutputSerializer),
    partial_update=extend_schema(request=TrackUpdateInputSerializer, responses=TrackOutputSerializer),
)
class TrackViewSet(_CatalogViewSet):
    """Tracks. Listeners see ready tracks; an artist also sees their own unfinished ones; admins all."""

    filterset_class = TrackFilter
    serializer_class = TrackOutputSerializer

    def get_queryset(self):
        return selectors.track_list(user=self.request.user)

    def list(self, request):
        def build():
            return self._page(_filtered(TrackFilter, request, self.get_queryset()), TrackOutputSerializer).data

        return cached_json_for_viewer(request.user, "track-list", _cache_params(request), build)

    def create(self, request):
        return self._write(TrackCreateInputSerializer, services.track_create, TrackOutputSerializer, created=True)

    def retrieve(self, request, pk):
        def build():
            return TrackOutputSerializer(selectors.track_get(track_id=int(pk), user=request.user)).data

        return cached_json_for_viewer(request.user, "track-detail", {"id": int(pk)}, build)

    def update(self, request, pk, partial=False):
        track = selectors.track_get(track_id=int(pk), user=request.user)
        return self._write(TrackUpdateInputSerializer, services.track_update, TrackOutputSerializer, partial=partial, track=track)

    def partial_update(self, request, pk):
        return self.update(request, pk, partial=True)

    def destroy(self, request, pk):
        services.track_delete(actor=request.user, track=selectors.track_get(track_id=int(pk), user=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter(
            "period", OpenApiTypes.STR, enum=[*selectors.POPULAR_PERIODS], default="all",
            description="all: by popularity score. day/week/month: by listens in that window "
                        "(listening_history), ties by popularity score. Windowed answers may lag by up to 60 s.",
        )],
        responses=PopularTrackOutputSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="popular", filterset_class=None)
    def popular(self, request):
        """Most popular ready tracks (the same chart for every viewer; cached)."""
        period = request.query_params.get("period", "all")
        if period not in selectors.POPULAR_PERIODS:
            raise ValidationError({"period": [f"Choose one of: {', '.join(selectors.POPULAR_PERIODS)}."]})
        timeout = None if period == "all" else WINDOW_CACHE_S

        def build():
            return self._page(selectors.track_popular(period=period), PopularTrackOutputSerializer).data

        kwargs = {"timeout": timeout} if timeout else {}
        return cached_json("tracks-popular", _cache_params(request), build, **kwargs)


@extend_schema_view(
    list=extend_schema(responses=ArtistOutputSerializer(many=True)),
    retrieve=extend_schema(responses=ArtistDetailOutputSerializer),
    create=extend_schema(request=ArtistInputSerializer, responses={201: ArtistOutputSerializer}),
    update=extend_schema(request=ArtistInputSerializer, responses=ArtistOutputSerializer),
    partial_update=extend_schema(request=ArtistInputSerializer, responses=ArtistOutputSerializer),
)
class ArtistViewSet(_CatalogViewSet):
    serializer_class = ArtistOutputSerializer

    def get_queryset(self):
        return selectors.artist_list(user=self.request.user)

    def list(self, request):
        return self._page(self.get_queryset(), ArtistOutputSerializer)

    def create(self, request):
        return self._write(ArtistInputSerializer, services.artist_create, ArtistOutputSerializer, created=True)

    def retrieve(self, request, pk):
        def build():
            return ArtistDetailOutputSerializer(selectors.artist_detail(artist_id=int(pk), user=request.user)).data

        return cached_json_for_viewer(request.user, "artist-detail", {"id": int(pk)}, build)

    def update(self, request, pk, partial=False):
        artist = selectors.artist_get(artist_id=int(pk), user=request.user)
        return self._write(ArtistInputSerializer, services.artist_update, ArtistOutputSerializer, partial=partial, artist=artist)

    def partial_update(self, request, pk):
        return self.update(request, pk, partial=True)

    @extend_schema(responses=TrackOutputSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="tracks")
    def tracks(self, request, pk):
        artist = selectors.artist_get(artist_id=int(pk), user=request.user)
        return self._page(selectors.artist_tracks(artist=artist, user=request.user), TrackOutputSerializer)

    @extend_schema(responses=AlbumOutputSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="albums")
    def albums(self, request, pk):
        artist = selectors.artist_get(artist_id=int(pk), user=request.user)
        return self._page(selectors.artist_albums(artist=artist, user=request.user), AlbumOutputSerializer)


@extend_schema_view(
    list=extend_schema(responses=AlbumOutputSerializer(many=True)),
    retrieve=extend_schema(responses=AlbumDetailOutputSerializer),
    create=extend_schema(request=AlbumCreateInputSerializer, responses={201: AlbumOutputSerializer}),
    update=extend_schema(request=AlbumUpdateInputSerializer, responses=AlbumOutputSerializer),
    partial_update=extend_schema(request=AlbumUpdateInputSerializer, responses=AlbumOutputSerializer),
)
class AlbumViewSet(_CatalogViewSet):
    filterset_class = AlbumFilter
    serializer_class = AlbumOutputSerializer

    def get_queryset(self):
        return selectors.album_list(user=self.request.user)

    def list(self, request):
        return self._page(_filtered(AlbumFilter, request, self.get_queryset()), AlbumOutputSerializer)

    def create(self, request):
        return self._write(AlbumCreateInputSerializer, services.album_create, AlbumOutputSerializer, created=True)

    def retrieve(self, request, pk):
        def build():
            return AlbumDetailOutputSerializer(selectors.album_detail(album_id=int(pk), user=request.user)).data

        return cached_json_for_viewer(request.user, "album-detail", {"id": int(pk)}, build)

    def update(self, request, pk, partial=False):
        album = selectors.album_get(album_id=int(pk), user=request.user)
        return self._write(AlbumUpdateInputSerializer, services.album_update, AlbumOutputSerializer, partial=partial, album=album)

    def partial_update(self, request, pk):
        return self.update(request, pk, partial=True)


class GenreViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = GenreOutputSerializer

    def get_queryset(self):
        return selectors.genre_list()

    def list(self, request):
        def build():
            page = self.paginate_queryset(self.get_queryset())
            return self.get_paginated_response(GenreOutputSerializer(page, many=True).data).data

        return cached_json("genre-list", _cache_params(request), build)
