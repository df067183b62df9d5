"""Streaming and upload parsing: throughput and memory against a raw-read baseline in the same run.

Run: .venv/bin/python bench/storage_stream.py [size_mb]   (local disk only; no database needed)
Prints MB/s of: raw chunked read (baseline), a full GET through catalog.streaming.object_response,
a 206 range GET of the second half, and parsing a multipart upload through
LimitedHashingUploadHandler; plus the peak resident memory growth of each step.
"""
from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")
os.environ.setdefault("JONQUILS_VAR_DIR", tempfile.mkdtemp(prefix="jonquils-bench-"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.storage import storages  # noqa: E402
from django.http.multipartparser import MultiPartParser  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from catalog.streaming import Served, object_response  # noqa: E402
from catalog.upload_handlers import LimitedHashingUploadHandler  # noqa: E402
from jonquils.storage import build_storages, bucket_storage, object_stat  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, func, size: int, baseline: float | None = None) -> float:
    before = rss_mb()
    start = time.perf_counter()
    func()
    elapsed = time.perf_counter() - start
    rate = size / elapsed / 1e6
    ratio = f"  ({rate / baseline:.2f}× baseline)" if baseline else ""
    print(f"{label:<44} {rate:8.0f} MB/s  peak RSS +{rss_mb() - before:6.1f} MB{ratio}")
    return rate


def main() -> None:
    size = int(sys.argv[1] if len(sys.argv) > 1 else 200) * 1024 * 1024
    root = Path(tempfile.mkdtemp(prefix="jonquils-bench-media-"))
    settings.STORAGES = build_storages(media_root=root)
    storages._backends, storages._storages = None, {}
    (root / "tracks" / "ab").mkdir(parents=True)
    path = root / "tracks" / "ab" / "big.bin"
    with open(path, "wb") as handle:
        for _ in range(size // (1024 * 1024)):
            handle.write(os.urandom(1024 * 1024))
    storage = bucket_storage("tracks")
    served = Served(storage=storage, key="ab/big.bin", stat=object_stat(storage, "ab/big.bin"),
                    content_type="audio/mpeg", etag_value="x")
    factory = RequestFactory()
    print(f"object: {size // (1024 * 1024)} MB, chunk 64 KiB, start RSS {rss_mb():.0f} MB")

    def raw():
        with open(path, "rb") as handle:
            while handle.read(64 * 1024):
                pass

    def full():
        for _ in object_response(factory.get("/"), served).streaming_content:
            pass

    def ranged():
        response = object_response(factory.get("/", HTTP_RANGE=f"bytes={size // 2}-"), served)
        assert response.status_code == 206
        for _ in response.streaming_content:
            pass

    baseline = timed("baseline: raw 64 KiB reads", raw, size)
    timed("GET full body (object_response)", full, size, baseline)
    timed("GET Range bytes=half- (206)", ranged, size // 2, baseline)

    settings.UPLOAD_MAX_BYTES = size + 1024
    boundary = "benchboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp3\"\r\n"
            "Content-Type: audio/mpeg\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def upload():
        with open(path, "rb") as body_file:
            class Body:
                def __init__(self):
                    self.parts = [head]
                    self.file_done = False

                def read(self, n=-1):
                    if self.parts:
                        return self.parts.pop(0)
                    if not self.file_done:
                        chunk = body_file.read(n if n and n > 0 else 64 * 1024)
                        if chunk:
                            return chunk
                        self.file_done = True
                        return tail
                    return b""

            meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
                    "CONTENT_LENGTH": str(len(head) + size + len(tail))}
            _, files = MultiPartParser(meta, Body(), [LimitedHashingUploadHandler()]).parse()
            uploaded = files["file"]
            assert uploaded.size == size and len(uploaded.sha256) == 64
            uploaded.close()

    timed("multipart upload → temp file + SHA-256", upload, size, baseline)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
