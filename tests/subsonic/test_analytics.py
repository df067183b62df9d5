"""A scrobble through /rest/scrobble reaches ClickHouse like any listen (the real analytics owner, chDB)."""
from __future__ import annotations

import pytest

from tests.analytics.conftest import clickhouse, flush  # noqa: F401 - the shared fixture of the analytics tests

pytestmark = pytest.mark.django_db


def test_scrobble_reaches_clickhouse(subsonic, library, listener, clickhouse, django_capture_on_commit_callbacks):  # noqa: F811
    song = library["tracks"][0]
    with django_capture_on_commit_callbacks(execute=True):
        subsonic.json("scrobble", {"id": str(song.pk), "submission": "true"})
    flush()
    rows = clickhouse.rows("SELECT toString(action) AS name, track_id, user_id, toString(platform) AS platform "
                           "FROM track_analytics ORDER BY action")
    assert [(r["name"], r["track_id"], r["user_id"], r["platform"]) for r in rows] == [
        ("play", song.pk, listener.pk, "subsonic"), ("complete", song.pk, listener.pk, "subsonic")]
