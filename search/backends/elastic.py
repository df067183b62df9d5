"""Elasticsearch backend: the query is built as plain data (build_query), then sent.

Relevance: every word must match (any order) in one of three ways, best first:
exact folded words (boost 3), as-you-type prefixes on the `.suggest` edge n-grams
(boost 2), typos with fuzziness AUTO (boost 1). Field boosts put title/name (4) above
artist/album (2) above description/bio/genre (1). Sort: _score, then popularity.
"""
from __future__ import annotations

from .base import Hit, SearchFilters, SearchRequest

# entity -> (name fields, boost) used by all three clauses
FIELDS = {
    "track": [("title", 4), ("artist_name", 2), ("album_title", 2), ("genre_name", 1)],
    "artist": [("name", 4), ("bio", 1)],
    "album": [("title", 4), ("artist_name", 2)],
    "playlist": [("title", 4), ("description", 1)],
}
# Fields that have .compact and .suggest sub-fields (search.documents._name_field).
NAME_FIELDS = {"title", "name", "artist_name"}


def _filters(entity: str, filters: SearchFilters, user_id: int | None) -> list[dict]:
    out: list[dict] = []

    def rng(field: str, low, high) -> None:
        if low is not None or high is not None:
            out.append({"range": {field: {k: v for k, v in (("gte", low), ("lte", high)) if v is not None}}})

    if entity == "track":
        out.append({"term": {"processing_status": "ready"}})
        if filters.genre_id is not None:
            out.append({"term": {"genre_id": filters.genre_id}})
        if filters.genre_name:
            out.append({"term": {"genre_key": filters.genre_name.lower()}})
        if filters.artist_id is not None:
            out.append({"term": {"artist_id": filters.artist_id}})
        rng("year", filters.year_min, filters.year_max)
        rng("tempo", filters.tempo_min, filters.tempo_max)
        rng("energy", filters.energy_min, filters.energy_max)
    elif entity == "album":
        if filters.artist_id is not None:
            out.append({"term": {"artist_id": filters.artist_id}})
        rng("year", filters.year_min, filters.year_max)
    elif entity == "artist":
        if filters.genre_id is not None:
            out.append({"term": {"genre_ids": filters.genre_id}})
        if filters.genre_name:
            out.append({"term": {"genre_keys": filters.genre_name.lower()}})
    elif entity == "playlist":
        visible = [{"term": {"is_public": True}}]
        if user_id is not None:
            visible.append({"term": {"owner_id": user_id}})
        out.append({"bool": {"should": visible, "minimum_should_match": 1}})
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
            "filter": _filters(request.entity, request.filters, request.user_id),
        }},
        "sort": [{"_score": "desc"}, {"popularity": "desc"}],
        "size": request.limit,
        "_source": ["popularity"],
        "track_total_hits": False,
        "track_scores": True,
    }


class ElasticsearchBackend:
    name = "elasticsearch"

    def search(self, request: SearchRequest) -> list[Hit]:
        from search.documents import DOCUMENTS

        if not request.words:
            return []
        response = DOCUMENTS[request.entity].search().update_from_dict(build_query(request)).execute()
        return [
            Hit(entity=request.entity, id=int(hit.meta.id), score=float(hit.meta.score or 0.0),
                popularity=float(getattr(hit, "popularity", 0.0) or 0.0))
            for hit in response
        ]

    def index_tracks(self, *, track_ids: list[int] | None = None) -> int:
        from search.es import index_objects

        return index_objects("track", ids=track_ids)

    def ping(self) -> dict:
        from elasticsearch.dsl.connections import connections

        from search.documents import alias_name

        client = connections.get_connection()
        count = client.count(index=alias_name("tracks"))["count"]
        return {"backend": self.name, "tracks": count}
