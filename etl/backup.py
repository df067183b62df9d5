"""Backups: PostgreSQL (pg_dump/pg_restore from the server binaries the project runs), the ClickHouse
event tables (JSON lines), and the objects of every bucket (bytes + a manifest with SHA-256).

Layout of a backup directory:
  manifest.json              what is inside: row counts per PostgreSQL table and ClickHouse table, objects
  postgres.dump              pg_dump --format=custom of the whole database
  clickhouse/<table>.jsonl   one JSON object per row
  objects/<bucket>/<key>     the objects (omitted with objects=False: the manifest still lists them)

`backup_restore` refuses a target that holds data (users, tracks, listens, ClickHouse rows or objects)
unless `force`, and checks what it restored against the manifest (counts, object checksums).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.db import connection

CH_BATCH = 50_000
PG_COUNTED = ("users", "artists", "albums", "tracks", "playlists", "playlist_tracks", "listening_history",
              'etl"."s3_file_registry', 'staging"."track_uploads')


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says what and why."""


def postgres_bin(name: str) -> str:
    """pg_dump/pg_restore of the PostgreSQL the project runs: POSTGRES_BIN_DIR, else the embedded server's."""
    directory = getattr(settings, "POSTGRES_BIN_DIR", "") or ""
    if not directory:
        try:
            from pgserver._commands import POSTGRES_BIN_PATH
            directory = str(POSTGRES_BIN_PATH)
        except ImportError:
            found = shutil.which(name)
            if not found:
                raise BackupError(f"{name} was not found: set POSTGRES_BIN_DIR to the server's bin directory.")
            return found
    path = Path(directory) / name
    if not path.exists():
        raise BackupError(f"{name} is missing from {directory} (POSTGRES_BIN_DIR).")
    return str(path)


def _pg_args() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    options = db.get("OPTIONS") or {}
    args = ["--dbname", db["NAME"]]
    # A socket directory may come as OPTIONS["host"] (postgres://user@/db?host=/path).
    values = {"--host": db.get("HOST") or options.get("host"), "--port": db.get("PORT") or options.get("port"),
              "--username": db.get("USER")}
    for flag, value in values.items():
        if value:
            args += [flag, str(value)]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _pg_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in PG_COUNTED:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table.replace('"', "")] = cursor.fetchone()[0]
    return counts


def _ch_tables() -> dict[str, dict[str, str]]:
    from analytics.clickhouse.schema import TABLES

    return TABLES


def _ch_counts(client) -> dict[str, int]:
    return {table: int(client.scalar(f"SELECT count() FROM {table}")) for table in _ch_tables()}


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _iter_bucket(bucket: str):
    from etl.pipeline.extract import iter_objects
    from jonquils.storage import bucket_storage

    storage = bucket_storage(bucket)
    for obj in iter_objects(storage):
        yield storage, obj.key, obj.size


def backup_create(*, target: Path, objects: bool = True) -> dict:
    """Write a backup into the empty or new directory `target`; return the manifest."""
    from analytics.clickhouse import get_client
    from jonquils.storage import BUCKETS

    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new directory.")
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"format": 1, "created_at": datetime.now(timezone.utc).isoformat(), "objects_included": objects}

    args, env = _pg_args()
    done = subprocess.run([postgres_bin("pg_dump"), "--format=custom", "--no-owner", "--file",
                           str(target / "postgres.dump"), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    manifest["postgres"] = _pg_counts()

    client = get_client()
    (target / "clickhouse").mkdir()
    manifest["clickhouse"] = {}
    for table, columns in _ch_tables().items():
        select = ", ".join(f"toString({c}) AS {c}" if t.startswith(("DateTime", "UUID")) else c
                           for c, t in columns.items())
        written = 0
        with open(target / "clickhouse" / f"{table}.jsonl", "w") as out:
            while True:
                rows = client.rows(f"SELECT {select} FROM {table} ORDER BY event_id LIMIT {CH_BATCH} OFFSET {written}")
                for row in rows:
                    out.write(json.dumps(row, default=str) + "\n")
                written += len(rows)
                if len(rows) < CH_BATCH:
                    break
        manifest["clickhouse"][table] = written

    manifest["objects"] = {}
    for bucket in BUCKETS:
        entries = []
        for storage, key, size in _iter_bucket(bucket):
            with storage.open(key, "rb") as handle:
                if objects:
                    path = target / "objects" / bucket / key
                    path.parent.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256()
                    with open(path, "wb") as out:
                        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                            digest.update(chunk)
                            out.write(chunk)
                    sha = digest.hexdigest()
                else:
                    sha = _sha256(handle)
            entries.append({"key": key, "size": size, "sha256": sha})
        manifest["objects"][bucket] = entries
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def _target_holdings() -> list[str]:
    """What the restore target already holds (empty list: nothing)."""
    from analytics.clickhouse import get_client
    from jonquils.storage import BUCKETS

    held = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.users') IS NOT NULL")
        if cursor.fetchone()[0]:
            for table in ("users", "tracks", "listening_history"):
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                if cursor.fetchone()[0]:
                    held.append(f"PostgreSQL table {table}")
    for table, count in _ch_counts(get_client()).items():
        if count:
            held.append(f"ClickHouse table {table}")
    for bucket in BUCKETS:
        if next(_iter_bucket(bucket), None) is not None:
            held.append(f"bucket {bucket}")
    return held


def backup_restore(*, source: Path, force: bool = False) -> dict:
    """Restore a backup; refuse a target holding data unless `force`. Return what was checked."""
    from analytics.clickhouse import get_client
    from jonquils.storage import bucket_storage

    source = Path(source)
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a backup (no readable manifest.json).") from exc
    held = _target_holdings()
    if held and not force:
        raise BackupError("The target is not empty (" + ", ".join(held) + "); restore with --force to replace it.")

    args, env = _pg_args()
    connection.close()
    done = subprocess.run([postgres_bin("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                           "--exit-on-error", *args, str(source / "postgres.dump")], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")

    client = get_client()
    for table in manifest["clickhouse"]:
        client.command(f"TRUNCATE TABLE IF EXISTS {table}")
        batch: list[bytes] = []
        with open(source / "clickhouse" / f"{table}.jsonl", "rb") as rows:
            for line in rows:
                batch.append(line.rstrip(b"\n"))
                if len(batch) >= CH_BATCH:
                    client.insert_json(table, batch)
                    batch = []
        client.insert_json(table, batch)

    if manifest.get("objects_included"):
        for bucket, entries in manifest["objects"].items():
            storage = bucket_storage(bucket)
            for entry in entries:
                if storage.exists(entry["key"]):
                    storage.delete(entry["key"])
                with open(source / "objects" / bucket / entry["key"], "rb") as handle:
                    saved = storage.save(entry["key"], File(handle))
                if saved != entry["key"]:
                    raise BackupError(f"{bucket}/{entry['key']} was stored as {saved}.")
    return backup_verify(manifest=manifest)


def backup_verify(*, manifest: dict) -> dict:
    """Compare the stores with a manifest: counts per table, every object's size and SHA-256."""
    from analytics.clickhouse import get_client
    from jonquils.storage import bucket_storage

    problems = []
    pg = _pg_counts()
    problems += [f"PostgreSQL {t}: {pg.get(t)} rows, the backup had {n}" for t, n in manifest["postgres"].items()
                 if pg.get(t) != n]
    ch = _ch_counts(get_client())
    problems += [f"ClickHouse {t}: {ch.get(t)} rows, the backup had {n}" for t, n in manifest["clickhouse"].items()
                 if ch.get(t) != n]
    checked = 0
    for bucket, entries in manifest["objects"].items():
        storage = bucket_storage(bucket)
        for entry in entries:
            try:
                with storage.open(entry["key"], "rb") as handle:
                    sha = _sha256(handle)
            except OSError:
                sha = None
            if sha != entry["sha256"]:
                problems.append(f"{bucket}/{entry['key']}: " + ("missing" if sha is None else "checksum differs"))
            checked += 1
    if problems:
        raise BackupError("The restored data differs from the backup: " + "; ".join(problems[:20]))
    return {"postgres": pg, "clickhouse": ch, "objects_checked": checked}
