"""Search endpoints: thin; the rules live in search.services."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from jonquils.api.pagination import StandardPagination

from . import services
from .selectors import hits_hydrate
from .serializers import ClickInputSerializer, SearchInputSerializer, hit_to_dict, suggestion_to_dict

_ENTITY_OF_PATH = {"tracks": "track", "artists": "artist", "albums": "album", "playlists": "playlist"}


class SearchPagination(StandardPagination):
    """Pages over the ranked hits; `count` is capped at SEARCH_MAX_RESULTS (search finds, it does not enumerate)."""


class SearchView(APIView):
    """GET /api/v1/search/<tracks|artists|albums|playlists>?q=...: ranked, filtered, paged."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[SearchInputSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request, kind: str):
        params = SearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        search = services.search_request_build(
            entity=_ENTITY_OF_PATH[kind], query=params.validated_data.get("q", ""), user=user, filters=params.filters(),
        )
        hits = services.search_run(request=search)
        paginator = SearchPagination()
        page = paginator.paginate_queryset(hits, request, view=self)
        return paginator.get_paginated_response([hit_to_dict(hit, obj) for hit, obj in hits_hydrate(hits=page, user=user)])


class SuggestView(APIView):
    """GET /api/v1/search/suggest?q=...: the best few artists, tracks, albums and playlists for the letters typed."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[SearchInputSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        params = SearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        hits = services.suggest(query=params.validated_data.get("q", ""), user=user)
        return Response({"results": [suggestion_to_dict(hit, obj) for hit, obj in hits_hydrate(hits=hits, user=user)]})


class ClickView(APIView):
    """POST /api/v1/search/click {query, entity, result_id}: a search result was opened."""

    permission_classes = [AllowAny]

    @extend_schema(request=ClickInputSerializer, responses={204: None})
    def post(self, request):
        data = ClickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.search_click_record(user=request.user, **data.validated_data)
        return Response(status=204)
