"""manage.py backup → restore into empty stores (a new database, emptied ClickHouse tables, a new
media directory): counts and checksums match; a target holding data is refused unless --force."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from analytics import events
from tests.analytics.conftest import clickhouse, flush  # noqa: F401 - fixture
from tests.audio import make_audio
from tests.conftest import _test_database_url
from tests.factories import ListenFactory, PlaylistTrackFactory, UserFactory
from tests.storage.test_streaming import stored_track

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=dict(os.environ, **env),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def empty_database():
    """A new, empty PostgreSQL database on the test server; its URL. Dropped afterwards."""
    name = f"restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = _test_database_url().replace(f"/{connection.settings_dict['NAME']}", f"/{name}", 1)
    yield name, url
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts_in(dsn_db: str) -> dict:
    params = dict(connection.get_connection_params())
    params.pop("cursor_factory", None), params.pop("context", None), params.pop("prepare_threshold", None)
    params["dbname"] = dsn_db
    with psycopg.connect(**params) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in ("users", "tracks", "playlist_tracks", "listening_history")}


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_empty_stores_matches_and_a_full_target_is_refused(
        local_bucket, settings, tmp_path, clickhouse, empty_database):  # noqa: F811
    # given data in every store
    tracks = [stored_track(make_audio("mp3", duration_s=1, freq=300 + 50 * i)) for i in range(3)]
    user = UserFactory()
    PlaylistTrackFactory(track=tracks[0], position=0)
    for track in tracks:
        ListenFactory(user=user, track=track)
        events.record_event(action="like", track_id=track.pk, artist_id=track.artist_id, user_id=user.pk)
    flush()
    originals = {"users": 2, "tracks": 3, "playlist_tracks": 1, "listening_history": 3}
    assert _counts_in(connection.settings_dict["NAME"]) == originals

    # when it is backed up
    backup = tmp_path / "backup"
    call_command("backup", str(backup))

    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["clickhouse"]["track_analytics"] == 3 and manifest["postgres"]["tracks"] == 3
    stored = {e["key"]: e["sha256"] for e in manifest["objects"]["tracks"]}
    assert stored == {t.file_path: t.checksum for t in tracks}
    for track in tracks:
        assert hashlib.sha256((backup / "objects/tracks" / track.file_path).read_bytes()).hexdigest() == track.checksum

    # then a restore over the live stores is refused and changes nothing
    with pytest.raises(CommandError, match="The target is not empty .*PostgreSQL table users.*--force"):
        call_command("restore", str(backup))
    assert clickhouse.scalar("SELECT count() FROM track_analytics") == 3

    # when it is restored into empty stores: a new database, emptied ClickHouse tables, a new media directory
    name, url = empty_database
    for table in manifest["clickhouse"]:
        clickhouse.command(f"TRUNCATE TABLE {table}")
    fresh_media = tmp_path / "restored-media"
    done = _manage("restore", str(backup), DATABASE_URL=url, MEDIA_ROOT=str(fresh_media))

    # then counts and checksums match the originals
    assert done.returncode == 0, done.stderr[-3000:]
    assert "counts match, 3 objects verified" in done.stdout
    assert _counts_in(name) == originals
    assert clickhouse.scalar("SELECT count() FROM track_analytics") == 3
    for track in tracks:
        assert hashlib.sha256((fresh_media / "tracks" / track.file_path).read_bytes()).hexdigest() == track.checksum

    # and a second restore into that now full target is refused, then allowed with --force
    again = _manage("restore", str(backup), DATABASE_URL=url, MEDIA_ROOT=str(fresh_media))
    assert again.returncode != 0 and "The target is not empty" in again.stderr
    forced = _manage("restore", str(backup), "--force", DATABASE_URL=url, MEDIA_ROOT=str(fresh_media))
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert _counts_in(name) == originals and clickhouse.scalar("SELECT count() FROM track_analytics") == 3


def test_backing_up_into_a_non_empty_directory_or_restoring_a_non_backup_is_refused(tmp_path, db):
    (tmp_path / "x").write_text("keep")
    with pytest.raises(CommandError, match="is not empty: back up into a new directory"):
        call_command("backup", str(tmp_path))
    with pytest.raises(CommandError, match="is not a backup"):
        call_command("restore", str(tmp_path / "nothing-here"))
    assert (tmp_path / "x").read_text() == "keep"
