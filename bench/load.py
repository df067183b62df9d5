"""A small HTTP/1.1 load generator that runs in its own process, so the server keeps its cores.

`run_load()` starts `python -m bench.load`, hands it the requests as JSON on stdin and reads a
`LoadResult` back. Inside, `concurrency` asyncio clients (uvloop when installed) each hold one
keep-alive connection and cycle through the request list from their own offset, so a list of
200 track ids is spread over all of them. Two modes:

- `duration_s`: closed-loop load for that long after `warmup_s`; only requests that finish inside
  the window count (requests/s, p50/p95/p99, bytes/s, errors by status).
- `once=True`: every request exactly once (e.g. a library sync of 2,000 pages); the result's
  `seconds` is the wall time of the whole list.

A response counts as an error when its status is not in the request's `expect` (2xx and 304 by
default) or the connection fails; errors are counted by status ("conn" for connection failures)
and their latencies are left out of the percentiles.
"""
from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

DEFAULT_EXPECT = (200, 201, 202, 204, 206, 304)
ERROR_BODY_CHARS = 300  # of an error answer's body, kept for the row's notes


@dataclass
class RequestSpec:
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # sent as UTF-8; JSON bodies need a Content-Type header
    expect: tuple[int, ...] = DEFAULT_EXPECT


@dataclass
class LoadResult:
    concurrency: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    bytes: int
    mb_per_s: float
    errors: dict[str, int]
    error_sample: str = ""

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def run_load(base_url: str, requests: list[RequestSpec], *, concurrency: int = 8, duration_s: float = 10.0,
             warmup_s: float = 1.0, once: bool = False, timeout_s: float = 60.0) -> LoadResult:
    """Run the load from a separate Python process and return what it measured."""
    if not requests:
        raise ValueError("run_load needs at least one request")
    spec = {"base_url": base_url, "requests": [asdict(r) for r in requests], "concurrency": concurrency,
            "duration_s": duration_s, "warmup_s": warmup_s, "once": once, "timeout_s": timeout_s}
    budget = (duration_s + warmup_s + timeout_s + 30) if not once else None
    done = subprocess.run([sys.executable, "-m", "bench.load"], input=json.dumps(spec), capture_output=True,
                          text=True, timeout=budget)
    if done.returncode != 0:
        raise RuntimeError(f"bench.load failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return LoadResult(**json.loads(done.stdout))


# --- the client process -------------------------------------------------------------------------


class _Connection:
    def __init__(self, host: str, port: int, timeout_s: float):
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.error_body = ""

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, int]:
        """Send one request; return (status, body bytes). Reconnects when the server closed."""
        reused = self.writer is not None
        if not reused:
            await self._connect()
        try:
            self.writer.write(raw)
            return await asyncio.wait_for(self._response(), self.timeout_s)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            # A keep-alive connection the server closed while idle: retry once on a new one.
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            await self.close()
            await self._connect()
            self.writer.write(raw)
            return await asyncio.wait_for(self._response(), self.timeout_s)

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, limit=1 << 20), self.timeout_s)

    async def _response(self) -> tuple[int, int]:
        reader = self.reader
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        size = 0
        self.error_body = ""
        if "content-length" in headers:
            remaining = int(headers["content-length"])
            while remaining:
                chunk = await reader.read(min(remaining, 1 << 20))
                if not chunk:
                    raise ConnectionError("the server closed mid-body")
                if status >= 400 and size < ERROR_BODY_CHARS:  # what the error said, for the row's notes
                    self.error_body += chunk[:ERROR_BODY_CHARS - size].decode("utf-8", "replace")
                remaining -= len(chunk)
                size += len(chunk)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                length = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if length == 0:
                    await reader.readuntil(b"\r\n")
                    break
                await reader.readexactly(length + 2)
                size += length
        elif status not in (204, 304) and headers.get("connection", "").lower() == "close":
            size = len(await reader.read())
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, size


def _raw(spec: dict, host_header: str) -> bytes:
    body = (spec.get("body") or "").encode()
    headers = {"Host": host_header, "User-Agent": "jonquils-bench", "Accept-Encoding": "identity", **spec["headers"]}
    if body or spec["method"] in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(body))
    head = f"{spec['method']} {spec['path']} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


def _percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, math.ceil(share * len(sorted_values)) - 1))
    return sorted_values[index]


async def _drive(spec: dict) -> dict:
    url = urlsplit(spec["base_url"])
    host, port = url.hostname, url.port or 80
    prepared = [(_raw(r, url.netloc), set(r["expect"])) for r in spec["requests"]]
    concurrency, once = spec["concurrency"], spec["once"]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    sample: list[str] = []
    straddled: list[float] = []
    transferred = 0
    start = time.perf_counter()
    window_start = start if once else start + spec["warmup_s"]
    window_end = math.inf if once else window_start + spec["duration_s"]
    cursor = iter(range(len(prepared))) if once else None

    async def client(offset: int) -> None:
        nonlocal transferred
        connection = _Connection(host, port, spec["timeout_s"])
        turn = offset
        try:
            while True:
                if once:
                    index = next(cursor, None)
                    if index is None:
                        return
                else:
                    if time.perf_counter() >= window_end:
                        return
                    index = turn % len(prepared)
                    turn += 1
                raw, expect = prepared[index]
                began = time.perf_counter()
                try:
                    status, size = await connection.request(raw)
                    outcome = None if status in expect else str(status)
                    if outcome is not None and len(sample) < 3:
                        sample.append(f"{status}: {connection.error_body}")
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
                    await connection.close()
                    outcome, size = "conn", 0
                    if len(sample) < 3:
                        sample.append(f"{type(exc).__name__}: {exc}")
                finished = time.perf_counter()
                if window_start <= began and finished <= window_end:
                    if outcome is None:
                        latencies.append((finished - began) * 1000)
                        transferred += size
                    else:
                        errors[outcome] = errors.get(outcome, 0) + 1
                elif window_start <= began:
                    straddled.append((finished - began) * 1000)  # began in the window, ended after it
        finally:
            await connection.close()

    await asyncio.gather(*(client(i * max(1, len(prepared) // concurrency)) for i in range(concurrency)))
    seconds = (time.perf_counter() - start) if once else spec["duration_s"]
    latencies.sort()
    done = len(latencies)
    if not done and straddled:
        # Not one request fit in the window: say so (and how long they took) instead of a silent row of zeros.
        errors[f"slower than the {spec['duration_s']:g} s window"] = len(straddled)
        sample.append(f"{len(straddled)} requests took {min(straddled):,.0f}–{max(straddled):,.0f} ms")
    return {"concurrency": concurrency, "requests": done, "seconds": round(seconds, 3),
            "rps": round(done / seconds, 2) if seconds else 0.0,
            "p50_ms": round(_percentile(latencies, 0.50), 2), "p95_ms": round(_percentile(latencies, 0.95), 2),
            "p99_ms": round(_percentile(latencies, 0.99), 2), "bytes": transferred,
            "mb_per_s": round(transferred / seconds / 1e6, 2) if seconds else 0.0, "errors": errors,
            "error_sample": "; ".join(sample)}


def main() -> None:
    spec = json.loads(sys.stdin.read())
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is in requirements, plain asyncio still works
        runner = asyncio.run
    print(json.dumps(runner(_drive(spec))))


if __name__ == "__main__":
    main()
