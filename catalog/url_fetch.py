"""Fetch a URL for the server without letting it reach inside the network (SSRF guard).

Rules: http/https only; the host name is resolved once and the connection goes to that very
address (no second lookup a DNS rebinding could change); every address must be public
(`ipaddress.is_global`, not multicast), IPv4-mapped IPv6 is judged as the IPv4 it carries, and a
6to4, Teredo or NAT64 address is refused when the IPv4 it embeds would be;
redirects are followed by hand and each hop is checked again; size is capped, and time by one
deadline over the whole download (URL_FETCH_TIMEOUT_S), however slowly the server trickles.
settings.URL_FETCH_ALLOWED_NETWORKS lists networks allowed although not public (empty by default).
"""
from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings

REDIRECTS = {301, 302, 303, 307, 308}
# Instance metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, ECS tasks, Alibaba): refused even if allow-listed.
METADATA_ADDRESSES = {ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2",
                                                        "100.100.100.200")}
CHUNK = 16 * 1024
# A server silent for this long is given up on, even with time left before the total deadline.
READ_TIMEOUT_S = 10.0


class FetchRefused(ValueError):
    """The URL may not be fetched, or the fetch failed; the message says why."""


@dataclass
class Fetched:
    file: tempfile._TemporaryFileWrapper
    size: int
    sha256: str
    filename: str
    url: str


def _allowed_networks() -> list:
    return [ipaddress.ip_network(net, strict=False) for net in settings.URL_FETCH_ALLOWED_NETWORKS]


NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries and routes to: 6to4, Teredo (server and client), NAT64."""
    carried = []
    if ip.sixtofour is not None:
        carried.append(("6to4", ip.sixtofour))
    if ip.teredo is not None:
        carried.extend(("Teredo", v4) for v4 in ip.teredo)
    if any(ip in net for net in NAT64_NETWORKS):
        carried.append(("NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return carried


def address_refusal(address: str) -> str | None:
    """Why an IP address may not be contacted, or None when it may."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        # A 6to4, Teredo or NAT64 address reaches the IPv4 host it embeds: judge that host too.
        for form, v4 in _embedded_ipv4(ip):
            reason = address_refusal(str(v4))
            if reason:
                return f"{ip} is a {form} address embedding {v4}, and {reason}"
    if any(ip in net for net in _allowed_networks()):
        return None
    for label, flag in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                        ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                        ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return f"{ip} is a {label} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def _resolve(host: str, port: int) -> str:
    """Resolve once; refuse if ANY address of the name is not public (no mixing games)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchRefused(f"The host {host} cannot be resolved.") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise FetchRefused(f"The URL points at an address the server may not contact ({reason}).")
    if not addresses:
        raise FetchRefused(f"The host {host} has no address.")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self.raw_sock = self.io_sock = None

    def connect(self):
        self.sock = self.raw_sock = self.io_sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address
        self.raw_sock = self.io_sock = None

    def connect(self):
        self.raw_sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(self.raw_sock, server_hostname=self.host)  # certificate checked for the name
        self.io_sock = self.sock


class _Deadline:
    """The total deadline of one fetch: remaining time, and a watchdog that cuts a connection at it.

    Per-read socket timeouts alone cannot bound a server that trickles a byte every few seconds
    (each read succeeds); the watchdog shuts the socket down at the deadline, which ends any
    blocked connect, TLS handshake, header or body read at once.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return self.remaining() <= 0

    def refusal(self) -> FetchRefused:
        return FetchRefused(f"The download took longer than {self.seconds:g} s and was stopped.")

    def watch(self, conn) -> threading.Timer:
        def cut() -> None:
            sock = conn.raw_sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        timer = threading.Timer(max(self.remaining(), 0), cut)
        timer.daemon = True
        timer.start()
        return timer


def check_url(url: str) -> tuple[str, str, int, str]:
    """Validate scheme and host, resolve once; return (scheme, host, port, address)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused("Only http and https URLs can be fetched.")
    if not parts.hostname:
        raise FetchRefused("The URL has no host.")
    if parts.username or parts.password:
        raise FetchRefused("URLs with credentials are not fetched.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchRefused("The URL has an invalid port.") from exc
    host = parts.hostname
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    if literal:
        reason = address_refusal(host)
        if reason:
            raise FetchRefused(f"The URL points at an address the server may not contact ({reason}).")
        return parts.scheme, host, port, host
    return parts.scheme, host, port, _resolve(host, port)


def _filename(url: str, response: http.client.HTTPResponse) -> str:
    disposition = response.getheader("Content-Disposition") or ""
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename*" and "''" in value:
            return unquote(value.split("''", 1)[1])
        if key.lower() == "filename" and value:
            return value.strip('"')
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "download"


def fetch_url(url: str, *, max_bytes: int, on_progress: Callable[[int, int | None], None] | None = None,
              timeout_s: float | None = None) -> Fetched:
    """Download a URL into a temporary file under the guard and one total deadline; the caller closes `file`.

    The deadline (`timeout_s`, default URL_FETCH_TIMEOUT_S) covers every hop, connect, headers
    and body together; `on_progress(bytes_received, bytes_expected)` is called after each chunk.
    """
    deadline = _Deadline(settings.URL_FETCH_TIMEOUT_S if timeout_s is None else timeout_s)
    for _hop in range(settings.URL_FETCH_MAX_REDIRECTS + 1):
        scheme, host, port, address = check_url(url)
        if deadline.passed():
            raise deadline.refusal()
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        conn = cls(host, port, address=address, timeout=max(0.01, min(deadline.remaining(), READ_TIMEOUT_S)))
        watchdog = deadline.watch(conn)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("GET", path, headers={"User-Agent": "JONQUILS-fetch/1", "Accept": "audio/*, */*"})
            response = conn.getresponse()
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchRefused("The server answered a redirect without a location.")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchRefused(f"The server answered HTTP {response.status}; the file could not be fetched.")
            declared = response.getheader("Content-Length")
            expected = int(declared) if declared and declared.isdigit() else None
            if expected is not None and expected > max_bytes:
                raise FetchRefused(f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
            return _download(conn, response, url=url, max_bytes=max_bytes, deadline=deadline,
                             expected=expected, on_progress=on_progress)
        except (OSError, http.client.HTTPException) as exc:
            if deadline.passed():
                raise deadline.refusal() from exc
            raise FetchRefused(f"The file could not be fetched ({exc}).") from exc
        finally:
            watchdog.cancel()
            conn.close()
    raise FetchRefused(f"Too many redirects (more than {settings.URL_FETCH_MAX_REDIRECTS}).")


def _download(conn, response, *, url: str, max_bytes: int, deadline: _Deadline, expected: int | None,
              on_progress) -> Fetched:
    """Read the body in small chunks, each read bounded by a socket timeout and the deadline."""
    handle = tempfile.NamedTemporaryFile(prefix="jonquils-fetch-")  # noqa: SIM115 - returned to the caller
    digest, size = hashlib.sha256(), 0
    try:
        while True:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise deadline.refusal()
            # conn.sock is detached once the response owns the connection; io_sock stays the one read from
            conn.io_sock.settimeout(max(0.01, min(remaining, READ_TIMEOUT_S)))
            chunk = response.read1(CHUNK)  # whatever one receive gives, not a full CHUNK
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused(f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
            digest.update(chunk)
            handle.write(chunk)
            if on_progress is not None:
                on_progress(size, expected)
        if deadline.passed():
            raise deadline.refusal()
        if expected is not None and size < expected:
            raise FetchRefused(f"The server closed the connection after {size} of {expected} bytes.")
        handle.flush()
    except BaseException:
        handle.close()
        raise
    return Fetched(file=handle, size=size, sha256=digest.hexdigest(), filename=_filename(url, response), url=url)
