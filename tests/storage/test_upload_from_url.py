"""POST /api/v1/tracks/upload-from-url/: the SSRF guard, proved without sending traffic anywhere but loopback."""
from __future__ import annotations

import socket
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections
from django.utils import timezone

from catalog.url_fetch import address_refusal
from etl.models import S3FileRegistry, TrackUpload
from etl.services import upload_fetch, upload_process, upload_sweep_stale
from tests.audio import make_audio
from tests.storage.conftest import all_objects

pytestmark = pytest.mark.django_db
URL = "/api/v1/tracks/upload-from-url/"

# Every outgoing network connection this process attempts, seen through the interpreter's audit hook
# (Unix sockets, such as the embedded Redis of the throttle and cache, are not the network).
CONNECTS: list[tuple] = []


def _audit(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple):
        CONNECTS.append(args[1])


sys.addaudithook(_audit)


@pytest.fixture
def connects():
    CONNECTS.clear()
    return CONNECTS


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        status, headers, body = self.routes.get(self.path, (404, {}, b"no"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    """A local HTTP server on 127.0.0.1 whose routes a test fills in."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.routes = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Handler.routes
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module", autouse=True)
def _suite_worker_leaves_these_downloads_alone():
    """Every download here runs in this process, where the loopback test servers are allowed.

    The suite's real Celery worker, when an earlier module started it, would claim the queued
    download first and (rightly) refuse the loopback address. It stops consuming while this
    module runs; what was queued meanwhile is purged before it starts again.
    """
    from jonquils.celery import app

    queue = app.conf.task_default_queue
    paused = app.control.cancel_consumer(queue, reply=True, timeout=1.0)
    yield
    app.control.purge()
    if paused:
        app.control.add_consumer(queue, reply=True, timeout=1.0)


@pytest.fixture
def allow_loopback(settings):
    """Test-only: let the guard reach the loopback test server (the default refuses it)."""
    settings.URL_FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.mark.parametrize("address", [
    "127.0.0.1", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "240.0.0.1", "fe80::1", "fd00:ec2::254", "ff02::1", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
])
def test_the_guard_refuses_every_non_public_address(address):
    assert address_refusal(address) is not None


@pytest.mark.parametrize(("address", "reason"), [
    ("2002:7f00:1::", "embedding 127.0.0.1, and 127.0.0.1 is a loopback address"),  # 6to4
    ("2002:a00:1::1", "10.0.0.1 is a private address"),
    ("2002:a9fe:a9fe::", "169.254.169.254 is a cloud metadata address"),
    ("2002:c0a8:101:1::5", "192.168.1.1 is a private address"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo address embedding 127.0.0.1"),  # client 127.0.0.1, obfuscated
    ("64:ff9b::7f00:1", "NAT64 address embedding 127.0.0.1"),
    ("64:ff9b::a9fe:a9fe", "cloud metadata address"),
])
def test_the_guard_refuses_ipv6_forms_that_embed_a_private_ipv4(address, reason):
    assert reason in address_refusal(address)


def test_the_guard_judges_embedded_ipv4_even_when_the_ipv6_form_looks_public():
    # 2002::/16 counts as global for the ipaddress module; only the embedded IPv4 tells it apart
    assert address_refusal("2002:808:808::") is None  # 6to4 of 8.8.8.8
    assert "loopback" in address_refusal("2002:7f00:1::")


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"])
def test_the_guard_lets_public_addresses_through(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize(("url", "reason"), [
    ("file:///etc/passwd", "Only http and https"),
    ("gopher://127.0.0.1:70/_x", "Only http and https"),
    ("ftp://example.com/a.mp3", "Only http and https"),
    ("http://127.0.0.1/a.mp3", "loopback"),
    ("http://[::1]/a.mp3", "loopback"),
    ("http://localhost/a.mp3", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("http://[fe80::1]/a.mp3", "link-local"),
    ("http://224.0.0.1/a.mp3", "multicast"),
    ("http://0.0.0.0:8000/", "unspecified"),
    ("http://10.0.0.1/a.mp3", "private"),
    ("http://[::ffff:10.0.0.1]/a.mp3", "private"),
    ("http://[2002:7f00:1::]/a.mp3", "6to4"),
    ("http://user:pw@example.com/a.mp3", "credentials"),
], ids=lambda value: value if "/" not in value else None)
def test_hostile_urls_are_refused_before_any_connection(local_storage, artist_client, connects, url, reason):
    response = artist_client.post(URL, {"url": url}, format="json")

    assert response.status_code == 400, response.content
    assert reason in " ".join(response.json()["fields"]["url"])
    assert connects == []  # not one connection attempted
    assert all_objects()["tracks"] == [] and not TrackUpload.objects.exists()


def _fetch(client, url: str) -> dict:
    """POST the URL (202 at once), run the worker's download here, and return the upload's status."""
    response = client.post(URL, {"url": url}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["fetch"] == {"state": "queued", "bytes_received": 0,
                                                             "bytes_expected": None}
    upload_fetch(upload_id=body["id"])
    return client.get(body["status_url"]).json()


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(local_storage, artist_client, connects, web,
                                                                  allow_loopback):
    base, routes = web
    routes["/song.mp3"] = (302, {"Location": "http://10.0.0.1/internal.mp3"}, b"")

    status = _fetch(artist_client, f"{base}/song.mp3")

    assert status["status"] == "failed" and status["fetch"]["state"] == "failed"
    assert "10.0.0.1 is a private address" in status["error"]
    assert {address[0] for address in connects} == {"127.0.0.1"}  # the test server only, never 10.0.0.1
    assert all_objects()["tracks"] == []


def test_redirect_loops_stop_after_the_hop_limit(local_storage, artist_client, web, allow_loopback, settings):
    base, routes = web
    settings.URL_FETCH_MAX_REDIRECTS = 3
    routes["/loop"] = (302, {"Location": "/loop"}, b"")
    status = _fetch(artist_client, f"{base}/loop")
    assert status["status"] == "failed" and "Too many redirects" in status["error"]


def test_the_default_refuses_the_loopback_test_server(local_storage, artist_client, web, connects):
    base, routes = web
    routes["/song.mp3"] = (200, {"Content-Type": "audio/mpeg"}, make_audio("mp3"))
    response = artist_client.post(URL, {"url": f"{base}/song.mp3"}, format="json")
    assert response.status_code == 400 and "loopback" in " ".join(response.json()["fields"]["url"])
    assert connects == [] and not TrackUpload.objects.exists()


def test_a_fetched_file_proceeds_as_an_upload(storage_backend, artist_client, web, allow_loopback):
    base, routes = web
    data = make_audio("flac", tags={"title": "From afar"})
    routes["/media/get?id=7"] = (302, {"Location": "/files/Fern%C3%A1ndez.flac"}, b"")
    routes["/files/Fern%C3%A1ndez.flac"] = (200, {"Content-Type": "application/octet-stream"}, data)

    status = _fetch(artist_client, f"{base}/media/get?id=7")

    assert status["status"] == "pending", status
    assert status["original_filename"] == "Fernández.flac" and status["format"] == "flac"
    assert status["fetch"] == {"state": "stored", "bytes_received": len(data), "bytes_expected": len(data)}
    upload = upload_process(upload_id=status["id"])
    assert upload.track.title == "From afar" and upload.file_size == len(data)
    assert upload.metadata["source_url"] == f"{base}/files/Fern%C3%A1ndez.flac"
    assert upload_fetch(upload_id=upload.pk).status == "done"  # a late second delivery changes nothing
    assert len(all_objects()["tracks"]) == 1


def test_fetched_files_obey_the_size_limit_and_content_checks(local_storage, artist_client, web, allow_loopback,
                                                               settings):
    base, routes = web
    settings.UPLOAD_MAX_BYTES = 50_000
    routes["/big.wav"] = (200, {}, make_audio("wav", duration_s=1))
    routes["/text.mp3"] = (200, {}, b"not audio at all\n" * 100)

    big = _fetch(artist_client, f"{base}/big.wav")
    text = _fetch(artist_client, f"{base}/text.mp3")

    assert big["status"] == "failed" and "larger than" in big["error"]
    assert text["status"] == "failed" and "not audio" in text["error"]
    assert text["fetch"]["state"] == "failed" and text["fetch"]["bytes_received"] == 1700
    assert all_objects()["tracks"] == [] and not S3FileRegistry.objects.exists()


def test_listeners_may_not_fetch(local_storage, listener_client, connects):
    assert listener_client.post(URL, {"url": "http://10.0.0.1/"}, format="json").status_code == 403
    assert connects == []


@pytest.fixture
def trickler():
    """A raw HTTP server on 127.0.0.1 that sends its answer one byte at a time, every 0.1 s, for at most 8 s."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    modes: dict = {}

    def serve_one(conn: socket.socket, path: str) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 1000000\r\n"
        if modes.get(path) == "headers":
            stream = head + b"X-Slow: " + b"a" * 10_000  # the header line never ends in time
        else:
            conn.sendall(head + b"\r\n")
            stream = b"\xff" * 10_000
        started = time.monotonic()
        for byte in stream:
            if stop.is_set() or time.monotonic() - started > 8:
                break
            conn.sendall(bytes([byte]))
            time.sleep(0.1)

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                try:
                    request = conn.recv(65536).decode("latin-1")
                    serve_one(conn, request.split(" ")[1] if " " in request else "/")
                except OSError:
                    pass  # the client cut the connection, as it should at its deadline

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", modes
    stop.set()
    thread.join(5)
    listener.close()


@pytest.mark.parametrize("mode", ["body", "headers"])
def test_a_trickling_server_is_cut_at_the_total_deadline(local_storage, artist_client, trickler, allow_loopback,
                                                         settings, mode):
    # given a server that keeps every read alive (a byte every 0.1 s) but would take hours to finish
    base, modes = trickler
    modes["/slow.mp3"] = mode
    settings.URL_FETCH_TIMEOUT_S = 1.5

    # when its URL is uploaded: the request answers at once, the worker's download is cut at 1.5 s
    started = time.monotonic()
    response = artist_client.post(URL, {"url": f"{base}/slow.mp3"}, format="json")
    assert response.status_code == 202 and time.monotonic() - started < 1
    upload_fetch(upload_id=response.json()["id"])
    elapsed = time.monotonic() - started

    # then the upload failed with the reason, after the deadline and well before the server's 8 s
    status = artist_client.get(response.json()["status_url"]).json()
    assert 1.4 < elapsed < 3.5, elapsed
    assert status["status"] == "failed" and "took longer than 1.5 s" in status["error"]
    assert status["fetch"]["state"] == "failed"
    if mode == "body":  # what had arrived is shown
        assert status["fetch"]["bytes_expected"] == 1_000_000 and 5 <= status["fetch"]["bytes_received"] <= 20
    assert all_objects()["tracks"] == []


def test_a_url_upload_whose_task_never_ran_is_fetched_by_the_pipeline_sweep(local_storage, artist_client, web,
                                                                             allow_loopback):
    # given a URL upload whose download task was lost (in this test on_commit never fires: nothing was queued)
    base, routes = web
    data = make_audio("mp3", tags={"title": "Late fetch"})
    routes["/late.mp3"] = (200, {}, data)
    upload_id = artist_client.post(URL, {"url": f"{base}/late.mp3"}, format="json").json()["id"]
    # and one whose worker died mid-download: its claim has not been refreshed for long
    routes["/dead.mp3"] = (200, {}, make_audio("mp3", freq=880))
    dead_id = artist_client.post(URL, {"url": f"{base}/dead.mp3"}, format="json").json()["id"]
    dead = TrackUpload.objects.get(pk=dead_id)
    dead.metadata["fetch"].update(state="downloading", claim="a-dead-worker", bytes_received=123)
    dead.save()
    old = timezone.now() - timedelta(hours=1)

    # when the pipeline's sweep runs: fresh uploads wait, old ones are fetched
    assert upload_sweep_stale(inline=True)["fetches"] == 0
    TrackUpload.objects.filter(pk__in=[upload_id, dead_id]).update(updated_at=old)
    counts = upload_sweep_stale(inline=True)

    # then both are stored, registered and ready for the process step
    assert counts["fetched"] == 2
    for pk in (upload_id, dead_id):
        upload = TrackUpload.objects.get(pk=pk)
        assert upload.metadata["fetch"]["state"] == "stored" and upload.registry_entry is not None
    assert upload_process(upload_id=upload_id).track.title == "Late fetch"


def test_a_live_download_is_not_taken_over(local_storage, artist_client, web, allow_loopback, connects):
    base, routes = web
    routes["/busy.mp3"] = (200, {}, make_audio("mp3"))
    upload_id = artist_client.post(URL, {"url": f"{base}/busy.mp3"}, format="json").json()["id"]
    upload = TrackUpload.objects.get(pk=upload_id)
    upload.metadata["fetch"].update(state="downloading", claim="a-live-worker")
    upload.save()  # just refreshed: the worker is alive

    assert upload_fetch(upload_id=upload_id).metadata["fetch"]["claim"] == "a-live-worker"
    assert connects == [] and upload_sweep_stale(older_than_s=0, inline=True)["fetches"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_status_shows_bytes_received_while_the_download_runs(local_storage, artist_client, allow_loopback):
    # given a server that sends the first half of a song, then waits until the test has looked
    data = make_audio("mp3", duration_s=4)
    half = len(data) // 2
    release = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(data) + data[:half])
            release.wait(10)
            conn.sendall(data[half:])

    threading.Thread(target=serve, daemon=True).start()
    body = artist_client.post(URL, {"url": f"http://127.0.0.1:{listener.getsockname()[1]}/s.mp3"},
                              format="json").json()

    # when the worker's download runs (here in a thread)
    worker = threading.Thread(target=lambda: (upload_fetch(upload_id=body["id"]), connections.close_all()))
    worker.start()
    deadline = time.monotonic() + 10
    seen = None
    while time.monotonic() < deadline:
        seen = artist_client.get(body["status_url"]).json()["fetch"]
        if seen["bytes_received"] > 0:
            break
        time.sleep(0.05)
    release.set()
    worker.join(10)
    listener.close()

    # then the status showed the download under way, then stored
    # (progress is written at most twice a second, so it may lag the bytes read by up to that)
    assert seen["state"] == "downloading" and seen["bytes_expected"] == len(data)
    assert 0 < seen["bytes_received"] <= half
    final = artist_client.get(body["status_url"]).json()
    assert final["fetch"] == {"state": "stored", "bytes_received": len(data), "bytes_expected": len(data)}
    assert final["status"] in ("pending", "processing", "done")
