"""Helpers of the storage tests: hand-made multipart bodies, lazily generated huge bodies."""
from __future__ import annotations

import uuid

UPLOAD_URL = "/api/v1/tracks/upload"


def multipart(parts: list[tuple[str, str | None, str, bytes]]) -> tuple[bytes, str]:
    """Encode (field, filename, content type, bytes) parts exactly as given (no client-side clean-up)."""
    boundary = f"jonquils{uuid.uuid4().hex}"
    body = bytearray()
    for field, filename, content_type, data in parts:
        body += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{field}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"Content-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode("utf-8")
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def post_upload(client, data: bytes, filename: str = "song.mp3", *, content_type: str = "audio/mpeg",
                cover: bytes | None = None):
    parts = [("file", filename, content_type, data)]
    if cover is not None:
        parts.append(("cover", "cover.png", "image/png", cover))
    body, ctype = multipart(parts)
    return client.generic("POST", UPLOAD_URL, body, content_type=ctype)


class GeneratedBody:
    """A file-like request body of `size` bytes made on the fly; counts how much the server read."""

    def __init__(self, size: int, boundary: str = "jonquilsbig"):
        self.head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp3\"\r\n"
                     "Content-Type: audio/mpeg\r\n\r\n").encode()
        self.size = size
        self.position = 0
        self.content_type = f"multipart/form-data; boundary={boundary}"

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.size - self.position
        size = min(size, self.size - self.position)
        start = self.position
        self.position += size
        head_part = self.head[start:start + size] if start < len(self.head) else b""
        return head_part + b"\xff" * (size - len(head_part))

    def readline(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else 65536)
