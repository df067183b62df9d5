"""Against a real Elasticsearch (only when ELASTICSEARCH_URL is set): zero-downtime rebuild and batched indexing.

The behaviour table (test_behaviour.py) also runs against it through the `search_backend` fixture.
"""
from __future__ import annotations

import os

import pytest

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason="no Elasticsearch server (ELASTICSEARCH_URL unset)"),
]


@pytest.fixture
def es_settings(settings):
    if "test" not in settings.ELASTICSEARCH_INDEX_PREFIX:
        pytest.skip("these tests rebuild indexes: set ELASTICSEARCH_INDEX_PREFIX=jonquils-test")
    settings.SEARCH_BACKEND = "elasticsearch"
    return settings


def test_rebuild_swaps_the_alias_and_drops_the_old_index(es_settings):
    from elasticsearch.dsl.connections import connections

    from search.documents import alias_name
    from search.es import rebuild
    from tests.factories import TrackFactory

    TrackFactory(title="Before Swap")
    first = rebuild("track", refresh=True)
    second = rebuild("track", refresh=True)
    client = connections.get_connection()
    assert list(client.indices.get_alias(name=alias_name("tracks")).keys()) == [second]
    assert not client.indices.exists(index=first)


def test_index_tracks_sends_new_rows_and_removes_deleted_ones(es_settings):
    from search.es import rebuild
    from search.services import index_tracks, search_request_build, search_run
    from tests.factories import TrackFactory

    rebuild("track", refresh=True)
    track = TrackFactory(title="Late Arrival")
    assert index_tracks(track_ids=[track.id]) == 1
    from elasticsearch.dsl.connections import connections

    connections.get_connection().indices.refresh(index="_all")
    found = search_run(request=search_request_build(entity="track", query="late arrival"), announce=False)
    assert [h.id for h in found] == [track.id]
    track_id = track.id
    track.delete()
    index_tracks(track_ids=[track_id])
    connections.get_connection().indices.refresh(index="_all")
    assert search_run(request=search_request_build(entity="track", query="late arrival"), announce=False) == []
