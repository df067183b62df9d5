"""bench_seed on a tiny dataset in the suite's database: shape, invariants, the API on it, refusals."""
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection

from bench.seed import SeedParams, SeedRefused, seed_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(tmp_path):
    report = tmp_path / "bench-seed.json"
    result = seed_dataset(SeedParams(tracks=300, listens=3000, big_playlist_size=120, reset=True), report_path=report)
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
    assert set(report["seconds"]) >= {"total", "tracks", "listens", "search_columns"}
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


def test_monitoring_data_quality_checks_stay_quiet(seeded):
    from etl.pipeline.monitoring.quality import check_playlist_positions, check_ready_without_features

    for check in (check_playlist_positions, check_ready_without_features):
        assert check().findings == []


def test_api_serves_the_seeded_catalog(seeded, client):
    result, _ = seeded
    tracks = client.get("/api/v1/tracks/?ordering=-popularity").json()
    top = tracks["results"][0]
    assert top["id"] == result.sample["track_ids"][0]
    assert client.get(f"/api/v1/artists/{result.sample['artist_ids'][0]}/").status_code == 200
    hits = client.get("/api/v1/search/artists?q=metalica").json()
    assert any(hit["name"] == "Metallica" for hit in hits["results"])


def test_a_second_seed_needs_reset(seeded):
    with pytest.raises(SeedRefused, match="--reset"):
        seed_dataset(SeedParams(tracks=10))


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
