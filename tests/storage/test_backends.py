"""jonquils.storage: the same operations behave the same on local disk and on S3 (SeaweedFS)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.request

import pytest

from jonquils.health import check_storage
from jonquils.storage import (
    BUCKETS,
    bucket_storage,
    build_storages,
    delete_prefix,
    ensure_buckets,
    is_s3,
    iter_range,
    list_keys,
    local_copy,
    object_stat,
    presigned_url,
    save_file,
)

DATA = bytes(range(256)) * 1000  # 256,000 bytes: several chunks


def _put(bucket: str, key: str, data: bytes = DATA, content_type: str = "application/octet-stream") -> str:
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        return save_file(bucket_storage(bucket), key, handle.name, content_type=content_type)


def test_every_bucket_exists_and_ensure_is_idempotent(storage_backend):
    assert ensure_buckets() == []
    for bucket in BUCKETS:
        assert is_s3(bucket_storage(bucket)) is (storage_backend == "s3")


def test_unknown_buckets_are_refused(storage_backend):
    with pytest.raises(ValueError, match="unknown bucket"):
        bucket_storage("secrets")


def test_save_stat_read_ranges_copy_and_delete(storage_backend):
    storage = bucket_storage("tracks")
    assert _put("tracks", "ab/object.bin") == "ab/object.bin"

    stat = object_stat(storage, "ab/object.bin")
    assert stat.size == len(DATA) and stat.modified_at.tzinfo is not None
    assert object_stat(storage, "ab/missing.bin") is None
    assert b"".join(iter_range(storage, "ab/object.bin", 0, len(DATA) - 1)) == DATA
    assert b"".join(iter_range(storage, "ab/object.bin", 70_000, 140_000)) == DATA[70_000:140_001]
    assert b"".join(iter_range(storage, "ab/object.bin", 5, 4)) == b""
    assert max(len(c) for c in iter_range(storage, "ab/object.bin", 0, len(DATA) - 1)) <= 64 * 1024
    with local_copy(storage, "ab/object.bin") as path:
        assert path.read_bytes() == DATA
    assert list_keys(storage) == ["ab/object.bin"]

    with pytest.raises(RuntimeError, match="already existed"):  # generated keys never overwrite
        _put("tracks", "ab/object.bin", b"other")
    assert list_keys(storage) == ["ab/object.bin"]

    _put("tracks", "ab/second.bin")
    with pytest.raises(ValueError):
        delete_prefix(storage, "/")
    assert delete_prefix(storage, "ab/") == 2
    assert list_keys(storage) == []


def test_buckets_are_separate(storage_backend):
    _put("covers", "x/1.jpg", b"jpeg")
    assert list_keys(bucket_storage("covers")) == ["x/1.jpg"]
    assert list_keys(bucket_storage("tracks")) == [] and list_keys(bucket_storage("temp")) == []


def test_presigned_urls_serve_ranges_to_a_plain_http_client(request, settings, tmp_path):
    from tests.storage.conftest import _use_backend

    _use_backend(request, settings, tmp_path, "s3")
    _put("tracks", "cd/song.mp3", content_type="audio/mpeg")
    url = presigned_url(bucket_storage("tracks"), "cd/song.mp3", expire_s=60, content_type="audio/mpeg")

    req = urllib.request.Request(url, headers={"Range": "bytes=1000-1999"})
    with urllib.request.urlopen(req, timeout=10) as response:
        assert response.status == 206
        assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(DATA)}"
        assert response.headers["Content-Type"] == "audio/mpeg"
        assert response.read() == DATA[1000:2000]


def test_the_health_check_writes_and_reads_through_the_default_storage(storage_backend):
    assert check_storage() == {}
    assert list_keys(bucket_storage("temp")) == []  # it cleaned up after itself


def test_local_buckets_are_directories_under_media_root(tmp_path):
    storages = build_storages(media_root=tmp_path)
    assert {name: storages[name]["OPTIONS"]["location"] for name in BUCKETS} == {
        name: str(tmp_path / name) for name in BUCKETS}
    s3 = build_storages(media_root=tmp_path, s3={"endpoint_url": "http://s3", "access_key": "a", "secret_key": "b",
                                                 "bucket_prefix": "prod-"})
    assert s3["tracks"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["tracks"]["OPTIONS"]["bucket_name"] == "prod-tracks"


def test_an_s3_endpoint_without_keys_stops_the_start_with_a_clear_message():
    env = dict(os.environ, S3_ENDPOINT_URL="http://127.0.0.1:1", S3_ACCESS_KEY_ID="", S3_SECRET_ACCESS_KEY="")
    result = subprocess.run([sys.executable, "-c", "import jonquils.settings"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY" in result.stderr
