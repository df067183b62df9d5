"""bench_seed on a tiny dataset in the suite's database: shape, invariants, the API on it, refusals."""
import json
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from bench.seed import SeedParams, SeedRefused, seed_dataset
from tests.analytics.conftest import clickhouse  # noqa: F401  (the suite's analytics client on emptied tables)

pytestmark = pytest.mark.django_db
STALE_KEY = "api-cache:catalog:1:track-detail.json:before-the-seed"


@pytest.fixture
def seeded(tmp_path, settings, clickhouse):
    """A tiny seed into the suite's database, its analytics client (the owner) and a fresh local storage."""
    from jonquils.storage import build_storages, ensure_buckets

    settings.STORAGES = build_storages(media_root=tmp_path / "media")
    ensure_buckets()
    report = tmp_path / "bench-seed.json"
    cache.set(STALE_KEY, "an answer about the rows the seed replaces", timeout=600)
    result = seed_dataset(SeedParams(tracks=300, listens=3000, big_playlist_size=120, reset=True),
                          clickhouse=clickhouse, report_path=report, large_audio_seconds=20)
    return result, json.loads(report.read_text())


def _one(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def test_counts_follow_the_issues_proportions(seeded):
    result, report = seeded
    assert report["counts"] | {} == result.counts
    assert result.counts["tracks"] == 300 and result.counts["artists"] == 30 and result.counts["albums"] == 60
    assert result.counts["users"] == 30 + 2  # plus bench and bench-admin
    assert result.counts["listens"] == 3000 and result.counts["playlists"] == 30
    assert set(report["seconds"]) >= {"total", "tracks", "listens", "track_rows", "listen_rows"}
    assert report["bench_user"]["username"] == "bench" and report["bench_user"]["subsonic_password"]
    assert len(report["sample"]["track_ids"]) > 50 and report["sample"]["search_terms"]["rare"]


def test_credits_positions_and_features_look_like_the_etls(seeded):
    # every track has its main artist at position 0; ~15 % have 2-3 credits
    assert _one("SELECT count(*) FROM tracks t LEFT JOIN track_artists c ON c.track_id = t.id AND c.position = 0 "
                "AND c.artist_id = t.artist_id WHERE c.id IS NULL")[0] == 0
    multi = _one("SELECT count(*) FROM (SELECT track_id FROM track_artists GROUP BY track_id HAVING count(*) > 1) s")[0]
    assert 0.10 * 300 <= multi <= 0.20 * 300
    assert _one("SELECT count(*) FROM tracks WHERE processing_status <> 'ready' OR feature_vector IS NULL")[0] == 0
    assert _one("SELECT count(*) FROM playlist_tracks WHERE playlist_id = %s", [seeded[0].big_playlist_ids[0]])[0] == 120
    assert _one("SELECT count(*) FROM (SELECT playlist_id FROM playlist_tracks GROUP BY playlist_id "
                "HAVING min(position) <> 0 OR max(position) <> count(*) - 1) s")[0] == 0
    assert _one("SELECT count(*) FROM tracks WHERE search_vector IS NULL")[0] == 0


def test_the_seeded_search_columns_are_what_the_search_triggers_write(seeded):
    """The seed computes them itself (bench/seed_search.py); the triggers are the rule, so running them changes nothing."""
    assert _one("SELECT count(*) FROM tracks t JOIN track_artists c ON c.track_id = t.id AND c.artist_id <> t.artist_id")[0]
    with connection.cursor() as cur:
        for table in ("tracks", "albums"):
            cur.execute(f"CREATE TEMP TABLE seeded_{table} AS SELECT id, search_vector, search_text FROM {table}")
            cur.execute(f"UPDATE {table} SET title = title")  # fires the BEFORE trigger on every row
            cur.execute(f"SELECT count(*), count(*) FILTER (WHERE s.search_vector IS DISTINCT FROM t.search_vector "
                        f"OR s.search_text IS DISTINCT FROM t.search_text) FROM {table} t JOIN seeded_{table} s USING (id)")
            rows, differing = cur.fetchone()
            assert rows == {"tracks": 300, "albums": 60}[table] and differing == 0, table


def test_popularity_is_each_tracks_seeded_listens_and_new_rows_get_fresh_ids(seeded):
    from tests.factories import TrackFactory

    assert _one("SELECT count(*) FROM tracks t WHERE t.popularity <> "
                "(SELECT count(*) FROM listening_history l WHERE l.track_id = t.id)")[0] == 0
    assert _one("SELECT count(*) FROM tracks WHERE popularity > 0")[0] > 50
    seeded_max = _one("SELECT max(id) FROM tracks")[0]
    assert TrackFactory().pk > seeded_max  # the seed moved the id sequence past the ids it chose


def test_monitoring_data_quality_checks_stay_quiet(seeded):
    from etl.pipeline.monitoring.quality import (
        check_listens_in_clickhouse, check_missing_objects, check_orphan_objects, check_playlist_positions,
        check_ready_without_features)

    for check in (check_playlist_positions, check_ready_without_features, check_missing_objects,
                  check_orphan_objects, check_listens_in_clickhouse):
        outcome = check()
        assert outcome.findings == [], (check.__name__, outcome.report)
    assert check_listens_in_clickhouse().report["checked"] > 0


def test_every_listen_is_in_clickhouse_and_reports_show_the_plays(seeded, clickhouse):
    from rest_framework.test import APIClient

    from accounts.models import User

    result, _ = seeded
    assert clickhouse.scalar("SELECT count() FROM track_analytics WHERE action = 'play'") == 3000
    assert result.counts["clickhouse_events"] >= 3000
    top = result.sample["track_ids"][0]
    since = _days_ago(90)
    plays = _one("SELECT count(*) FROM listening_history WHERE track_id = %s AND played_at >= %s::date AT TIME ZONE 'UTC'",
                 [top, since])[0]
    admin = APIClient()
    admin.force_authenticate(User.objects.get(username="bench-admin"))
    report = admin.get(f"/api/v1/analytics/track/{top}?from={since}&to={_days_ago(-1)}")
    assert report.status_code == 200, report.content
    assert plays > 0 and report.json()["plays"] == plays


def _days_ago(days: int) -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() - timedelta(days=days)).date().isoformat()


def test_seeded_tracks_stream_real_stored_audio_with_ranges(seeded):
    from rest_framework.test import APIClient

    from accounts.models import User
    from catalog.models import Track

    result, report = seeded
    assert len(report["audio"]["keys"]) == 8
    track = Track.objects.get(pk=report["audio"]["large_track_id"])
    assert track.file_path == report["audio"]["large_key"] and track.file_size == report["audio"]["large_file_size"]
    assert set(Track.objects.values_list("audio_format", flat=True)) == {"mp3", "flac"}
    listener = APIClient()
    listener.force_authenticate(User.objects.get(username="bench"))
    whole = listener.get(f"/api/v1/tracks/{track.pk}/stream?format=raw")
    assert whole.status_code == 200
    body = b"".join(whole.streaming_content)
    import hashlib

    assert len(body) == track.file_size and hashlib.sha256(body).hexdigest() == track.checksum
    part = listener.get(f"/api/v1/tracks/{track.pk}/stream?format=raw", HTTP_RANGE="bytes=100-1099")
    assert part.status_code == 206 and b"".join(part.streaming_content) == body[100:1100]


def test_api_serves_the_seeded_catalog(seeded, client):
    result, _ = seeded
    tracks = client.get("/api/v1/tracks/?ordering=-popularity").json()
    top = tracks["results"][0]
    assert top["id"] == result.sample["track_ids"][0]
    assert client.get(f"/api/v1/artists/{result.sample['artist_ids'][0]}/").status_code == 200
    hits = client.get("/api/v1/search/artists?q=metalica").json()
    assert any(hit["name"] == "Metallica" for hit in hits["results"])


def test_the_seed_leaves_no_cached_answer_about_the_rows_it_replaced(seeded):
    assert cache.get(STALE_KEY) is None


def test_a_second_seed_needs_reset(seeded):
    with pytest.raises(SeedRefused, match="--reset"):
        seed_dataset(SeedParams(tracks=10), clickhouse=None)


def test_bad_arguments_exit_2_with_a_clear_message(tmp_path):
    def run(*args, env_var=str(tmp_path)):
        env = {"PATH": "/usr/bin:/bin", "JONQUILS_VAR_DIR": env_var} if env_var else {"PATH": "/usr/bin:/bin"}
        return subprocess.run([sys.executable, "manage.py", "bench_seed", *args], capture_output=True, text=True,
                              env=env, timeout=120)

    no_var = run("--tracks", "10", env_var=None)
    assert no_var.returncode == 2 and "JONQUILS_VAR_DIR" in no_var.stderr
    negative = run("--tracks", "0")
    assert negative.returncode == 2 and "--tracks must be at least 1" in negative.stderr
    too_many = run("--tracks", "10", "--playlists", "2", "--big-playlists", "3")
    assert too_many.returncode == 2 and "--big-playlists" in too_many.stderr
    missing = run()
    assert missing.returncode == 2 and "--tracks" in missing.stderr
