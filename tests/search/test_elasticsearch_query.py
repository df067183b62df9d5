"""The Elasticsearch backend's queries and mappings, checked as data (no server needed)."""
from __future__ import annotations

import json

import pytest

from search.backends import SearchFilters, SearchScope
from search.backends.elastic import build_query
from search.documents import DOCUMENTS
from search.services import search_request_build


def _values(node):
    """Every string value of a JSON tree (query texts) and every key (query syntax)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield ("key", key)
            yield from _values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _values(item)
    else:
        yield ("value", node)


@pytest.mark.parametrize("q", ['{"query": {"match_all": {}}}', "'; DROP TABLE tracks; --", "title:* OR artist:*~ AND -x"])
def test_query_text_is_only_ever_a_value_of_multi_match(q):
    body = build_query(search_request_build(entity="track", query=q))
    keys = {v for kind, v in _values(body) if kind == "key"}
    assert "match_all" not in keys and "query_string" not in keys and "simple_query_string" not in keys
    texts = [c["multi_match"]["query"] for c in body["query"]["bool"]["should"]]
    assert texts == [q.strip()] * 3
    json.dumps(body)  # plain data


def test_ranking_exact_then_prefix_then_typos_and_popularity_breaks_ties():
    body = build_query(search_request_build(entity="artist", query="metall"))
    exact, prefix, fuzzy = body["query"]["bool"]["should"]
    assert exact["multi_match"]["boost"] > prefix["multi_match"]["boost"] > fuzzy["multi_match"]["boost"]
    assert "name.compact^4" in exact["multi_match"]["fields"] and "bio^1" in exact["multi_match"]["fields"]
    assert prefix["multi_match"]["fields"] == ["name.suggest^4", "aliases.suggest^4"]  # merged names too
    assert fuzzy["multi_match"]["fuzziness"] == "AUTO"
    assert all(c["multi_match"]["operator"] == "and" for c in (exact, prefix, fuzzy))
    assert body["sort"] == [{"_score": "desc"}, {"popularity": "desc"}]


def test_filters_become_filter_clauses():
    request = search_request_build(
        entity="track", query="rock",
        filters=SearchFilters(genre_name="Rock", artist_id=7, year_min=1970, tempo_max=120.0, energy_min=0.5),
    )
    filters = build_query(request)["query"]["bool"]["filter"]
    assert {"bool": {"should": [{"term": {"processing_status": "ready"}}], "minimum_should_match": 1}} in filters
    assert {"term": {"genre_key": "rock"}} in filters
    assert {"bool": {"should": [{"term": {"artist_ids": 7}}, {"term": {"artist_id": 7}}],
            "minimum_should_match": 1}} in filters  # credited in any role
    assert {"range": {"year": {"gte": 1970}}} in filters
    assert {"range": {"tempo": {"lte": 120.0}}} in filters
    assert {"range": {"energy": {"gte": 0.5}}} in filters


def test_playlists_are_public_or_the_callers_own():
    anonymous = build_query(search_request_build(entity="playlist", query="road"))["query"]["bool"]["filter"]
    owner = build_query(search_request_build(entity="playlist", query="road", scope=SearchScope(user_id=5)))["query"]["bool"]["filter"]
    assert anonymous == [{"bool": {"should": [{"term": {"is_public": True}}], "minimum_should_match": 1}}]
    assert {"term": {"owner_id": 5}} in owner[0]["bool"]["should"]


def test_index_mappings_fold_accents_and_have_edge_ngrams():
    index = DOCUMENTS["track"]._index.to_dict()
    analysis = index["settings"]["analysis"]
    assert "asciifolding" in analysis["analyzer"]["jonquils_folded"]["filter"]
    assert analysis["filter"]["jonquils_edge"] == {"type": "edge_ngram", "min_gram": 1, "max_gram": 20}
    title = index["mappings"]["properties"]["title"]
    assert title["fields"]["suggest"] == {"type": "text", "analyzer": "jonquils_autocomplete", "search_analyzer": "jonquils_folded"}
    assert title["fields"]["compact"]["analyzer"] == "jonquils_compact"
    assert set(DOCUMENTS) == {"track", "artist", "album", "playlist"}


@pytest.mark.django_db
def test_documents_are_prepared_from_the_rows():
    from tests.factories import AlbumFactory, GenreFactory, TrackFactory

    track = TrackFactory(
        title="Hells Bells", album=AlbumFactory(title="Back in Black", release_date="1980-07-25"),
        genre=GenreFactory(name="Hard Rock"), popularity=60, tempo=107, energy=0.9,
    )
    doc = DOCUMENTS["track"]().prepare(DOCUMENTS["track"]().get_queryset().get(pk=track.pk))
    assert doc["title"] == "Hells Bells"
    assert doc["artist_name"] == [track.artist.name] and doc["artist_ids"] == [track.artist_id]  # every credited artist
    assert (doc["album_title"], doc["year"], doc["genre_key"]) == ("Back in Black", 1980, "hard rock")
    assert (doc["popularity"], doc["tempo"], doc["energy"], doc["processing_status"]) == (60, 107, 0.9, "ready")

    def prepared(entity, pk):
        document = DOCUMENTS[entity]()
        return document.prepare(document.get_queryset().get(pk=pk))

    artist = prepared("artist", track.artist_id)
    assert (artist["name"], artist["popularity"], artist["genre_keys"]) == (track.artist.name, 60.0, ["hard rock"])
    album = prepared("album", track.album_id)
    assert (album["title"], album["year"], album["popularity"]) == ("Back in Black", 1980, 60.0)
    from tests.factories import PlaylistTrackFactory

    entry = PlaylistTrackFactory(track=track)
    playlist = prepared("playlist", entry.playlist_id)
    assert (playlist["is_public"], playlist["owner_id"], playlist["popularity"]) == (False, entry.playlist.owner_id, 1.0)


@pytest.mark.django_db
def test_reindex_command_explains_that_postgresql_needs_none():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("search_reindex", stdout=out)
    assert "no index to rebuild" in out.getvalue()
