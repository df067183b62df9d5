"""600 transcode requests at once against a live server: encoders stay capped, users are queued and refused fairly,
the server keeps answering, and every request gets audio or the busy envelope (never a hang, a 5xx or HTML)."""
from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from django.core.cache import cache

from accounts.subsonic_credentials import subsonic_credentials_create
from tests.factories import UserFactory

from .media_helpers import stored_track

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REQUESTS = 600
CLIENT_THREADS = 48


def _get(url: str, timeout: float = 90.0) -> tuple[int, str, bytes, float]:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read(), time.monotonic() - started


def test_six_hundred_transcodes_never_bring_the_server_down(live_server, settings):
    settings.TRANSCODE_MAX_CONCURRENT = 2
    settings.TRANSCODE_WAIT_S = 20.0
    settings.SUBSONIC_TRANSCODES_PER_USER = 2
    settings.SUBSONIC_TRANSCODE_QUEUE = 4
    tracks = [stored_track(title=f"Flood {n}", fmt="wav", duration_s=2) for n in range(10)]
    users = []
    for n in range(4):
        user = UserFactory(username=f"flood{n}")
        users.append((user, subsonic_credentials_create(user=user).password))

    def url(method: str, user, password, **params) -> str:
        query = {"u": user.username, "p": password, "v": "1.16.1", "c": "flood", **params}
        return f"{live_server.url}/rest/{method}?{urlencode(query)}"

    combos = itertools.cycle([(t, rate) for t in tracks for rate in (64, 96, 128, 192, 320)])
    urls = [url("stream", *users[i % 4], id=t.pk, maxBitRate=rate) for i, (t, rate) in zip(range(REQUESTS), combos)]

    # watch the encoders (catalog.transcode's Redis slots) and our admission counters while the flood runs
    peaks = {"encoders": 0, "server": 0, "user": 0}
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            encoders = sum(1 for slot in range(settings.TRANSCODE_MAX_CONCURRENT + 4)
                           if cache.get(f"transcode-slot:{slot}") is not None)
            peaks["encoders"] = max(peaks["encoders"], encoders)
            peaks["server"] = max(peaks["server"], cache.get("subsonic:transcodes:held:server") or 0)
            peaks["user"] = max(peaks["user"], *[cache.get(f"subsonic:transcodes:held:user:{u.pk}") or 0
                                                 for u, _ in users])
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ping_times = []
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        futures = [pool.submit(_get, u) for u in urls]
        while not all(f.done() for f in futures[: REQUESTS // 2]):  # the server answers a ping mid-flood
            status, _, body, seconds = _get(url("ping", *users[0], f="json"), timeout=30)
            assert status == 200 and json.loads(body)["subsonic-response"]["status"] == "ok"
            ping_times.append(seconds)
            time.sleep(0.2)
        results = [f.result() for f in futures]
    elapsed = time.monotonic() - started
    stop.set()
    watcher.join()

    audio = [r for r in results if r[1] == "audio/mpeg"]
    refused = [r for r in results if r[1].startswith("text/xml")]
    assert len(audio) + len(refused) == REQUESTS and all(r[0] == 200 for r in results)
    for _, _, body, _ in refused:
        assert b'status="failed"' in body and b'code="0"' in body and b"retry" in body.lower()
    assert audio and all(len(r[2]) > 1000 for r in audio)
    assert peaks["encoders"] <= settings.TRANSCODE_MAX_CONCURRENT, peaks
    assert peaks["user"] <= settings.SUBSONIC_TRANSCODES_PER_USER, peaks
    assert peaks["server"] <= settings.SUBSONIC_TRANSCODE_QUEUE + settings.TRANSCODE_MAX_CONCURRENT, peaks
    # a loaded 2-core machine: the in-process live server takes a few seconds at worst (its listen backlog is 5)
    assert ping_times and max(ping_times) < 10.0, ping_times
    assert elapsed < 240, elapsed
    # afterwards nothing is held, and every transcode can be had
    assert (cache.get("subsonic:transcodes:server") or 0) == 0 == (cache.get("subsonic:transcodes:held:server") or 0)
    status, kind, body, _ = _get(url("stream", *users[0], id=tracks[0].pk, maxBitRate=64))
    assert status == 200 and kind == "audio/mpeg"
    print(f"\n600 transcode requests: {len(audio)} audio, {len(refused)} busy, {elapsed:.1f} s, peaks {peaks}, "
          f"slowest ping {max(ping_times):.2f} s")
