"""Search endpoints: thin; the rules live in search.services."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from jonquils.api.pagination import StandardPagination

from . import services
from .selectors import hits_hydrate
from .serializers import (
    ALL_FILTERS,
    FILTERS_OF,
    HIT_SERIALIZERS,
    ClickInputSerializer,
    SearchInputSerializer,
    SuggestResponseSerializer,
    hit_to_dict,
    suggestion_to_dict,
)


class SearchPagination(StandardPagination):
    """Pages over the ranked hits; `count` is capped at SEARCH_MAX_RESULTS (search finds, it does not enumerate)."""


class _SearchView(APIView):
    """GET /api/v1/search/<kind>?q=...: ranked, filtered, paged; one operation (and result schema) per kind."""

    permission_classes = [AllowAny]
    pagination_class = SearchPagination
    entity = ""

    def get(self, request, **kwargs):
        params = SearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        search = services.search_request_build(
            entity=self.entity, query=params.validated_data.get("q", ""), user=user, filters=params.filters(),
        )

        def build() -> dict:
            hits = services.search_run(request=search, announce=False)
            paginator = self.pagination_class()
            page = paginator.paginate_queryset(hits, request, view=self)
            rows = [hit_to_dict(hit, obj) for hit, obj in hits_hydrate(hits=page, user=user)]
            return {"body": paginator.get_paginated_response(rows).data, "count": len(hits)}

        answer = services.search_answer_cached(request=search, key=f"{request.get_host()}{request.get_full_path()}",
                                               build=build)
        services.search_announce(request=search, results_count=answer["count"])
        return Response(answer["body"])


def _unused_filters(used: tuple[str, ...]) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, exclude=True) for name in ALL_FILTERS if name not in used]


def _search_view(entity: str, plural: str, what: str, *, operation_id: str = "") -> type[_SearchView]:
    schema = extend_schema(
        operation_id=operation_id or f"search_{plural}", summary=f"Search {plural}",
        description=f"{what} matching `q` (accents, punctuation, word order and typos don't matter), best first. "
                    "Only what the caller may see is returned.",
        parameters=[SearchInputSerializer, *_unused_filters(FILTERS_OF[entity])],
        responses=HIT_SERIALIZERS[entity](many=True),
    )

    def get(self, request, **kwargs):  # a function of its own: extend_schema annotates the function it is given
        return _SearchView.get(self, request, **kwargs)

    return type(f"{plural.title()}SearchView", (_SearchView,), {
        "entity": entity, "get": schema(get), "__doc__": f"GET /api/v1/search/{plural}?q=...",
    })


TrackSearchView = _search_view("track", "tracks", "Ready tracks (and, for artists and admins, the unfinished ones they may see)")
ArtistSearchView = _search_view("artist", "artists", "Artists")
AlbumSearchView = _search_view("album", "albums", "Albums")
PlaylistSearchView = _search_view("playlist", "playlists", "Public playlists and the caller's own")
# GET /api/v1/tracks/search: the same search under the catalog's path, its own operation id.
CatalogTrackSearchView = _search_view("track", "tracks", "Tracks (as GET /api/v1/search/tracks)",
                                      operation_id="tracks_search")
SEARCH_VIEWS = {"tracks": TrackSearchView, "artists": ArtistSearchView, "albums": AlbumSearchView,
                "playlists": PlaylistSearchView}


class SuggestView(APIView):
    """GET /api/v1/search/suggest?q=...: the best few artists, tracks, albums and playlists for the letters typed."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[SearchInputSerializer, *_unused_filters(())], responses=SuggestResponseSerializer)
    def get(self, request):
        params = SearchInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        results = services.suggest(query=params.validated_data.get("q", ""), user=user, present_as="api",
                                   present=lambda hits: [suggestion_to_dict(hit, obj) for hit, obj in hits_hydrate(hits=hits, user=user)])
        return Response({"results": results})


class ClickView(APIView):
    """POST /api/v1/search/click {query, entity, result_id}: a search result was opened."""

    permission_classes = [AllowAny]

    @extend_schema(request=ClickInputSerializer, responses={204: None})
    def post(self, request):
        data = ClickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.search_click_record(user=request.user, **data.validated_data)
        return Response(status=204)
