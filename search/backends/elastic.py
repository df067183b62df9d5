"""Elasticsearch backend: the query is built as plain data (build_query), then sent.

Relevance: every word must match (any order) in one of three ways, best first:
exact folded words (boost 3), as-you-type prefixes on the `.suggest` edge n-grams
(boost 2), typos with fuzziness AUTO (boost 1). Field boosts put title/name (4) above
artist/album (2) above description/bio/genre (1). Sort: _score, then popularity.
"""
from __future__ import annotations

from .base import Hit, SearchFilters, SearchRequest, SearchScope

# entity -> (name fields, boost) used by all three clauses
FIELDS = {
    "track": [("title", 4), ("artist_name", 2), ("album_title", 2), ("genre_name", 1)],
    "artist": [("name", 4), ("aliases", 4), ("bio", 1)],
    "album": [("title", 4), ("artist_name", 2)],
    "playlist": [("title", 4), ("description", 1)],
}
# Fields that have .compact and .suggest sub-fields (search.documents._name_field).
NAME_FIELDS = {"title", "name", "aliases", "artist_name"}


def _scope(entity: str, scope: SearchScope) -> list[dict]:
    """The pre-filter of search.backends.base.SearchScope (the rule is visible_to, applied at loading)."""
    if scope.sees_all:
        return []
    if entity == "track":
        visible = [{"term": {"processing_status": "ready"}}]
        if scope.artist_id is not None:
            visible.append({"term": {"artist_id": scope.artist_id}})
    elif entity == "playlist":
        visible = [{"term": {"is_public": True}}]
        if scope.user_id is not None:
            visible.append({"term": {"owner_id": scope.user_id}})
    else:
        return []  # artists and albums: few are hidden, visible_to drops them at loading
    return [{"bool": {"should": visible, "minimum_should_match": 1}}]


def _credited(artist_id: int) -> dict:
    """Credited in any role (artist_ids), or the main artist (documents indexed before credits)."""
    return {"bool": {"should": [{"term": {"artist_ids": artist_id}}, {"term": {"artist_id": artist_id}}],
                     "minimum_should_match": 1}}


def _filters(entity: str, filters: SearchFilters, scope: SearchScope) -> list[dict]:
    out: list[dict] = _scope(entity, scope)

    def rng(field: str, low, high) -> None:
        if low is not None or high is not None:
            out.append({"range": {field: {k: v for k, v in (("gte", low), ("lte", high)) if v is not None}}})

    if entity == "track":
        if filters.genre_id is not None:
            out.append({"term": {"genre_id": filters.genre_id}})
        if filters.genre_name:
            out.append({"term": {"genre_key": filters.genre_name.lower()}})
        if filters.artist_id is not None:
            out.append(_credited(filters.artist_id))
        rng("year", filters.year_min, filters.year_max)
        rng("tempo", filters.tempo_min, filters.tempo_max)
        rng("energy", filters.energy_min, filters.energy_max)
    elif entity == "album":
        if filters.artist_id is not None:
            out.append(_credited(filters.artist_id))
        rng("year", filters.year_min, filters.year_max)
    elif entity == "artist":
        if filters.genre_id is not None:
            out.append({"term": {"genre_ids": filters.genre_id}})
        if filters.genre_name:
            out.append({"term": {"genre_keys": filters.genre_name.lower()}})
    return out


def build_query(request: SearchRequest) -> dict:
    """The search body for one entity; the query text is only ever a value, never query syntax."""
    fields = FIELDS[request.entity]
    exact = [f"{f}^{b}" for f, b in fields] + [f"{f}.compact^{b}" for f, b in fields if f in NAME_FIELDS]
    prefix = [f"{f}.suggest^{b}" for f, b in fields if f in NAME_FIELDS]
    plain = [f"{f}^{b}" for f, b in fields]
    should = [
        {"multi_match": {"query": request.text, "type": "cross_fields", "fields": exact, "operator": "and", "boost": 3}},
        {"multi_match": {"query": request.text, "type": "cross_fields", "fields": prefix, "operator": "and", "boost": 2}},
        {"multi_match": {"query": request.text, "type": "best_fields", "fields": plain, "operator": "and",
                         "fuzziness": "AUTO", "prefix_length": 1, "boost": 1}},
    ]
    return {
        "query": {"bool": {
            "should": should, "minimum_should_match": 1,
            "filter": _filters(request.entity, request.filters, request.scope),
        }},
        "sort": [{"_score": "desc"}, {"popularity": "desc"}],
        "size": request.limit,
        "_source": ["popularity"],
        "track_total_hits": False,
        "track_scores": True,
    }


def hits_from_response(entity: str, response: dict) -> list[Hit]:
    """The ranked hits of a raw search response (`{"hits": {"hits": [{"_id", "_score", "_source"}]}}`).

    Ids only: whether the viewer may see a row is decided when the hits are loaded
    (search.selectors.hits_visible), so a document the index still holds for a row that was
    made private, unpublished or deleted is never shown.
    """
    return [
        Hit(entity=entity, id=int(hit["_id"]), score=float(hit.get("_score") or 0.0),
            popularity=float((hit.get("_source") or {}).get("popularity") or 0.0))
        for hit in response["hits"]["hits"]
    ]


class ElasticsearchBackend:
    name = "elasticsearch"
    needs_sync = True

    def search(self, request: SearchRequest) -> list[Hit]:
        from search.documents import DOCUMENTS

        if not request.words:
            return []
        response = DOCUMENTS[request.entity].search().update_from_dict(build_query(request)).execute()
        return hits_from_response(request.entity, response.to_dict())

    def index_tracks(self, *, track_ids: list[int] | None = None) -> int:
        from search.es import index_objects

        return index_objects("track", ids=track_ids)

    def index_objects(self, *, entity: str, ids: list[int]) -> int:
        from search.es import index_objects

        return index_objects(entity, ids=ids)

    def ping(self) -> dict:
        from elasticsearch.dsl.connections import connections

        from search.documents import alias_name

        client = connections.get_connection()
        count = client.count(index=alias_name("tracks"))["count"]
        return {"backend": self.name, "tracks": count}
