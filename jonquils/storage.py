"""Object storage by bucket: `bucket_storage("tracks")` is local disk or S3, callers never care which.

The buckets (`tracks`, `covers`, `playlists`, `temp`) are named storages in settings.STORAGES,
built by `build_storages()`: a directory per bucket under MEDIA_ROOT in the embedded default,
an S3 bucket each when S3_ENDPOINT_URL and keys are set. The few operations that must not load
a whole object into memory (ranged reads, download to a temporary file) live here too, so the
rest of the code never branches on the backend.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from jonquils.exceptions import UnavailableError

BUCKETS = ("tracks", "covers", "playlists", "temp")
CHUNK_SIZE = 64 * 1024


def build_storages(*, media_root: str | Path, s3: dict | None = None, location: str = "") -> dict:
    """Return a Django STORAGES dict: `default`, `staticfiles` and one entry per bucket.

    `s3` holds endpoint_url, access_key, secret_key, region_name and bucket_prefix; `location`
    is a key prefix inside every bucket (the test suite isolates each test with one).
    """
    storages: dict = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    client_config = _s3_client_config(s3) if s3 else None
    for bucket in BUCKETS:
        if s3:
            storages[bucket] = {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": f"{s3.get('bucket_prefix', '')}{bucket}",
                    "endpoint_url": s3["endpoint_url"],
                    "access_key": s3["access_key"],
                    "secret_key": s3["secret_key"],
                    "region_name": s3.get("region_name") or "us-east-1",
                    "addressing_style": "path",
                    "signature_version": "s3v4",
                    "file_overwrite": False,
                    "default_acl": None,
                    "querystring_auth": True,
                    "querystring_expire": int(s3.get("presign_ttl_s", 600)),
                    "location": location,
                    "client_config": client_config,
                },
            }
        else:
            storages[bucket] = {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(Path(media_root) / bucket / location), "base_url": None},
            }
    # The default storage (ImageFields, the health check) is the `temp` bucket's backend rooted
    # at the top: on disk MEDIA_ROOT itself, on S3 the temp bucket.
    if s3:
        storages["default"] = {**storages["temp"], "OPTIONS": {**storages["temp"]["OPTIONS"], "location": location}}
    else:
        storages["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                               "OPTIONS": {"location": str(media_root)}}
    return storages


def _s3_client_config(s3: dict):
    """botocore's client settings with bounded waits (its defaults: 60 s per read, retried).

    With the endpoint unreachable a request then fails within about
    max_attempts x (connect_timeout + read_timeout) and the caller answers 503 (StorageUnavailable).
    """
    from botocore.config import Config

    return Config(
        s3={"addressing_style": "path"},
        signature_version="s3v4",
        connect_timeout=float(s3.get("connect_timeout_s", 2.0)),
        read_timeout=float(s3.get("read_timeout_s", 5.0)),
        retries={"mode": "standard", "total_max_attempts": int(s3.get("max_attempts", 2))},
    )


class StorageUnavailable(UnavailableError):
    """The object store did not answer in time, refused the connection or failed the call: 503."""

    code = "storage_unavailable"

    def __init__(self, message: str = "The storage did not answer; try again in a moment."):
        super().__init__(message)


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import ReadTimeoutError

    return (BotoConnectionError, ReadTimeoutError)


@contextmanager
def s3_reachable():
    """Turn botocore's connection failures and timeouts into StorageUnavailable."""
    try:
        yield
    except _unreachable_errors() as exc:
        raise StorageUnavailable() from exc


def bucket_storage(bucket: str):
    """Return the storage of one bucket (cached by Django; reset when settings.STORAGES changes)."""
    from django.core.files.storage import storages

    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}; buckets are {', '.join(BUCKETS)}")
    return storages[bucket]


def is_s3(storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def _s3_key(storage, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def _s3_client(storage):
    return storage.connection.meta.client


def ensure_buckets() -> list[str]:
    """Create every bucket (directory or S3 bucket) that is missing; return the ones created."""
    created = []
    for bucket in BUCKETS:
        storage = bucket_storage(bucket)
        if is_s3(storage):
            client = _s3_client(storage)
            try:
                client.head_bucket(Bucket=storage.bucket_name)
            except client.exceptions.ClientError:
                client.create_bucket(Bucket=storage.bucket_name)
                created.append(storage.bucket_name)
        else:
            path = Path(storage.location)
            if not path.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                created.append(str(path))
    return created


@dataclass(frozen=True)
class ObjectStat:
    size: int
    modified_at: datetime


def object_stat(storage, name: str) -> ObjectStat | None:
    """Return size and modification time of an object, or None when it does not exist."""
    if is_s3(storage):
        client = _s3_client(storage)
        try:
            with s3_reachable():
                head = client.head_object(Bucket=storage.bucket_name, Key=_s3_key(storage, name))
        except client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return ObjectStat(size=int(head["ContentLength"]), modified_at=head["LastModified"])
    try:
        st = os.stat(storage.path(name))
    except FileNotFoundError:
        return None
    return ObjectStat(size=st.st_size, modified_at=datetime.fromtimestamp(st.st_mtime, tz=timezone.utc))


def iter_range(storage, name: str, start: int, end: int, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield bytes start..end (inclusive) of an object in chunks; never the whole object at once."""
    if end < start:
        return
    if is_s3(storage):
        with s3_reachable():
            body = _s3_client(storage).get_object(
                Bucket=storage.bucket_name, Key=_s3_key(storage, name), Range=f"bytes={start}-{end}"
            )["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()
        return
    with open(storage.path(name), "rb") as handle:
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = handle.read(min(chunk_size, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


@contextmanager
def local_copy(storage, name: str, *, suffix: str = "") -> Iterator[Path]:
    """Give a local path to an object: the file itself on disk, a streamed temporary copy from S3."""
    if not is_s3(storage):
        yield Path(storage.path(name))
        return
    with tempfile.NamedTemporaryFile(suffix=suffix, prefix="jonquils-obj-") as handle:
        with s3_reachable():
            _s3_client(storage).download_fileobj(storage.bucket_name, _s3_key(storage, name), handle)
        handle.flush()
        yield Path(handle.name)


def save_file(storage, name: str, path: str | Path, *, content_type: str) -> str:
    """Store a local file under exactly `name` (keys are generated, so a clash is a bug) and return it."""
    from django.core.files import File

    if not is_s3(storage):
        return _save_local_atomically(storage, name, path)
    with open(path, "rb") as handle:
        django_file = File(handle, name=os.path.basename(name))
        django_file.content_type = content_type
        saved = storage.save(name, django_file)
    if saved != name:
        storage.delete(saved)
        raise RuntimeError(f"storage key {name!r} already existed")
    return saved


def _save_local_atomically(storage, name: str, path: str | Path) -> str:
    """Copy to a temporary file beside the target, then link it in: a reader never sees a half-written object.

    (FileSystemStorage writes the target in place, so a concurrent stream of a transcode just being
    stored served its first bytes only.) os.link fails if the name exists: a clash stays an error.
    """
    target = Path(storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
            shutil.copyfileobj(source, out)
        os.chmod(temporary, getattr(storage, "file_permissions_mode", None) or 0o644)
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise RuntimeError(f"storage key {name!r} already existed") from None
    finally:
        os.unlink(temporary)
    return name


def presigned_url(storage, name: str, *, expire_s: int, content_type: str | None = None) -> str:
    params = {"ResponseContentType": content_type} if content_type else None
    return storage.url(name, parameters=params, expire=expire_s)


def list_keys(storage, prefix: str = "") -> list[str]:
    """Every object key under a prefix (recursively), relative to the storage."""
    if is_s3(storage):
        keys = []
        paginator = _s3_client(storage).get_paginator("list_objects_v2")
        base = _s3_key(storage, prefix) if prefix else (storage.location.rstrip("/") + "/" if storage.location else "")
        strip = len(storage.location.rstrip("/")) + 1 if storage.location else 0
        for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=base):
            keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        return sorted(keys)
    root = Path(storage.location)
    start = root / prefix if prefix else root
    if not start.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in start.rglob("*") if p.is_file())


def delete_prefix(storage, prefix: str) -> int:
    """Delete every object under a prefix (never an empty prefix: that would be the whole bucket)."""
    if not prefix.strip("/"):
        raise ValueError("delete_prefix needs a non-empty prefix")
    keys = list_keys(storage, prefix)
    for key in keys:
        storage.delete(key)
    if not is_s3(storage):
        shutil.rmtree(Path(storage.location) / prefix, ignore_errors=True)
    return len(keys)
