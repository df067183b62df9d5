"""extract_new_tracks: list the `tracks` bucket as a stream and register what the registry lacks.

The listing is never held whole: S3 pages (1,000 keys) or a directory walk feed batches that are
compared with etl.s3_file_registry and inserted with bulk_create(ignore_conflicts=True) on the
(bucket, path) unique constraint, so a concurrent run or upload registering the same key is harmless.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from etl.models import RegistryStatus, S3FileRegistry
from etl.pipeline.process import TRACKS_BUCKET
from jonquils.storage import bucket_storage, is_s3

logger = logging.getLogger("jonquils.etl")

BATCH = 1000
# Keys that are not originals (derived files some code may keep next to them) are never registered.
NON_ORIGINAL_PREFIXES = ("transcodes/", "covers/", "tmp/")


@dataclass(frozen=True)
class ListedObject:
    key: str
    size: int
    modified_at: datetime


def iter_objects(storage, *, page_size: int = 1000) -> Iterator[ListedObject]:
    """Yield every object of a bucket storage page by page (S3) or entry by entry (disk)."""
    if is_s3(storage):
        client = storage.connection.meta.client
        location = storage.location.strip("/")
        prefix = f"{location}/" if location else ""
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket_name, Prefix=prefix,
                                                                     PaginationConfig={"PageSize": page_size}):
            for obj in page.get("Contents", []):
                yield ListedObject(key=obj["Key"][len(prefix):], size=int(obj["Size"]), modified_at=obj["LastModified"])
        return
    root = Path(storage.location)
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            full = os.path.join(dirpath, filename)
            try:
                st = os.stat(full)
            except FileNotFoundError:
                continue
            yield ListedObject(key=os.path.relpath(full, root).replace(os.sep, "/"), size=st.st_size,
                               modified_at=datetime.fromtimestamp(st.st_mtime, tz=dt_timezone.utc))


def is_original(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return bool(name) and not name.startswith(".") and not key.startswith(NON_ORIGINAL_PREFIXES)


def extract_new_tracks(*, bucket: str = TRACKS_BUCKET, min_age_s: float | None = None,
                       job_id: int | None = None, page_size: int = 1000, batch_size: int = BATCH) -> dict:
    """Register the bucket's unregistered originals as pending; return counts (seen/new/known/skipped).

    Objects younger than `min_age_s` (ETL_EXTRACT_MIN_AGE_S) wait for the next run: an upload stores
    its object a moment before it registers it, and must not be mistaken for a hand-dropped file.
    """
    min_age_s = settings.ETL_EXTRACT_MIN_AGE_S if min_age_s is None else min_age_s
    cutoff = timezone.now() - timedelta(seconds=min_age_s)
    counts = {"seen": 0, "new": 0, "known": 0, "skipped": 0, "too_recent": 0}
    batch: list[ListedObject] = []

    def flush() -> None:
        known = set(S3FileRegistry.objects.filter(bucket_name=bucket, file_path__in=[o.key for o in batch])
                    .values_list("file_path", flat=True))
        fresh = [S3FileRegistry(bucket_name=bucket, file_path=o.key, file_size=o.size, status=RegistryStatus.PENDING)
                 for o in batch if o.key not in known]
        S3FileRegistry.objects.bulk_create(fresh, ignore_conflicts=True)
        counts["known"] += len(known)
        counts["new"] += len(fresh)
        batch.clear()

    for obj in iter_objects(bucket_storage(bucket), page_size=page_size):
        counts["seen"] += 1
        if not is_original(obj.key) or len(obj.key) > 1024:
            counts["skipped"] += 1
        elif obj.modified_at > cutoff:
            counts["too_recent"] += 1
        else:
            batch.append(obj)
            if len(batch) >= batch_size:
                flush()
    if batch:
        flush()
    logger.info("extract: %(seen)s objects, %(new)s new, %(known)s known, %(skipped)s skipped, "
                "%(too_recent)s too recent" % counts, extra={"etl_job_id": job_id, "step": "extract", **counts})
    return counts
