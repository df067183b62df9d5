"""Serve stored audio the way players expect: ranges, validators, conditional requests, tokens.

`object_response` answers one GET/HEAD for one object of a bucket: on S3 a 302 to a presigned
URL (unless settings.STREAM_S3_REDIRECT is off), otherwise the bytes themselves, streamed in
64 KiB chunks, with single-range support (206/416), ETag/Last-Modified, If-None-Match,
If-Modified-Since, If-Match and If-Range. A request for several ranges gets the whole body
(RFC 9110 lets a server ignore Range). Behind nginx a local object is either a 302 to a
secure_link URL (STREAM_SECURE_LINK_PREFIX: nginx checks the signature and sends every Range
itself, the local twin of a presigned URL) or handed over with X-Accel-Redirect
(STREAM_X_ACCEL_PREFIX) once the caller's permission check passed. Stream tokens let an <audio> element authenticate with
a URL alone: signed, bound to one user and one track, expiring, and to the user's credentials
(password hash and sign-out counter), so a password change or a logout revokes them.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import http_date, parse_http_date_safe
from rest_framework import authentication, exceptions

from catalog.media import media_open_range
from jonquils.metrics import counted_stream
from jonquils.storage import ObjectStat, is_s3, presigned_url

STREAM_TOKEN_SALT = "jonquils.stream-token"


# --- ranges -------------------------------------------------------------------------------------

class Unsatisfiable(Exception):
    pass


# One range of the `bytes` unit, ASCII digits only ([0-9], never \d: str.isdigit() and \d accept
# "²" or Arabic-Indic digits, which int() then refuses or misreads). Anything else is ignored.
_BYTE_RANGE = re.compile(r"[ \t]*bytes[ \t]*=[ \t]*([0-9]*)[ \t]*-[ \t]*([0-9]*)[ \t]*", re.IGNORECASE | re.ASCII)
# A Range header longer than this is no player's: ignored (whole body) without being parsed.
MAX_RANGE_HEADER = 200
# Positions with more significant digits than this exceed any object (10**18 bytes is an exabyte),
# so they are compared as "beyond the end" instead of being converted.
_MAX_DIGITS = 18
_BEYOND = 10**_MAX_DIGITS


def _position(digits: str) -> int:
    significant = digits.lstrip("0")
    return _BEYOND if len(significant) > _MAX_DIGITS else int(significant or "0")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return (start, end) inclusive for one satisfiable byte range, None to serve the whole body.

    Raises Unsatisfiable for a well-formed range that selects nothing of a `size`-byte body.
    What cannot be parsed (another unit, several ranges, non-ASCII digits, an oversized
    header) is ignored, as RFC 9110 asks: the whole body is served.
    """
    if not header or len(header) > MAX_RANGE_HEADER:
        return None
    match = _BYTE_RANGE.fullmatch(header)
    if match is None:
        return None  # malformed, another unit or several ranges
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = _position(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = _position(first)
    end = _position(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


# --- validators ---------------------------------------------------------------------------------

def _etag_list(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _weak_match(etag: str, header: str) -> bool:
    bare = etag.removeprefix("W/")
    return header.strip() == "*" or any(tag.removeprefix("W/") == bare for tag in _etag_list(header))


def _if_range_holds(value: str, *, etag: str, modified: int) -> bool:
    value = value.strip()
    if value.startswith(('"', "W/")):
        return not value.startswith("W/") and value == etag  # strong comparison only
    date = parse_http_date_safe(value)
    return date is not None and date == modified


@dataclass(frozen=True)
class Served:
    """What is served: an object of a storage and how to describe it."""

    storage: object
    key: str
    stat: ObjectStat
    content_type: str
    etag_value: str


def _common_headers(response: HttpResponse, *, etag: str, modified: datetime) -> HttpResponse:
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified.timestamp())
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _x_accel_location(storage, key: str) -> str | None:
    """The nginx internal URI of a local object when STREAM_X_ACCEL_PREFIX is set (behind nginx), else None."""
    prefix = settings.STREAM_X_ACCEL_PREFIX
    relative = _media_relative(storage, key) if prefix else None
    return None if relative is None else prefix.rstrip("/") + "/" + relative


def _media_relative(storage, key: str) -> str | None:
    """The object's path under MEDIA_ROOT ('/'-separated, URL-quoted) for a local bucket, else None."""
    if is_s3(storage):
        return None
    relative = os.path.relpath(storage.path(key), settings.MEDIA_ROOT)
    if relative.startswith(".."):
        return None  # outside the tree nginx serves: let Django send it
    return quote(relative.replace(os.sep, "/"))


# What the `types` block of deploy/nginx/secure-link.conf.template sends for
# each extension (nginx's own mime.types knows no flac or opus and calls m4a audio/x-m4a).
SECURE_LINK_TYPES = {".mp3": "audio/mpeg", ".flac": "audio/flac", ".m4a": "audio/mp4", ".ogg": "audio/ogg",
                     ".opus": "audio/ogg", ".wav": "audio/wav", ".aif": "audio/aiff", ".aiff": "audio/aiff",
                     ".wv": "audio/x-wavpack", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                     ".webp": "image/webp"}


def secure_link_url(storage, key: str, content_type: str, *, now: float | None = None) -> str | None:
    """A URL nginx's secure_link location serves by itself for STREAM_PRESIGNED_TTL_S, or None.

    nginx checks `md5` = base64url(MD5("<expires><uri> <secret>")) and `expires` (the
    secure_link_md5 line of deploy/nginx/secure-link.conf.template), then sends the file and every
    Range of it by sendfile. Only for a local object whose extension gives nginx the same type the
    app would send (a player must get the Content-Type it was promised).
    """
    prefix, secret = settings.STREAM_SECURE_LINK_PREFIX, settings.STREAM_SECURE_LINK_SECRET
    relative = _media_relative(storage, key) if prefix and secret else None
    guessed = SECURE_LINK_TYPES.get(os.path.splitext(key)[1].lower())
    if relative is None or guessed is None or guessed != content_type.split(";")[0].strip().lower():
        return None
    expires = int(now if now is not None else time.time()) + settings.STREAM_PRESIGNED_TTL_S
    uri = f"{prefix.rstrip('/')}/{relative}"
    digest = hashlib.md5(f"{expires}{uri} {secret}".encode(), usedforsecurity=False).digest()
    signature = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return f"{uri}?md5={signature}&expires={expires}"


def _redirect(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    return response


def object_response(request, served: Served, *, allow_redirect: bool = True) -> HttpResponse:
    """Answer a GET or HEAD for one stored object (see the module docstring)."""
    storage, stat = served.storage, served.stat
    if allow_redirect and is_s3(storage) and settings.STREAM_S3_REDIRECT:
        return _redirect(presigned_url(storage, served.key, expire_s=settings.STREAM_PRESIGNED_TTL_S,
                                       content_type=served.content_type))
    link = secure_link_url(storage, served.key, served.content_type) if allow_redirect else None
    if link is not None:
        return _redirect(link)

    etag = f'"{served.etag_value}"'
    accel = _x_accel_location(storage, served.key)
    if accel:
        # Permission was checked by the caller; nginx serves the bytes (Range, 206, conditionals) from disk.
        response = HttpResponse(content_type=served.content_type)
        response["X-Accel-Redirect"] = accel
        response["X-Accel-Buffering"] = "no"
        return _common_headers(response, etag=etag, modified=stat.modified_at)
    modified = int(stat.modified_at.timestamp())
    meta = request.META
    if_match = meta.get("HTTP_IF_MATCH")
    if if_match and if_match.strip() != "*" and etag not in _etag_list(if_match):
        return _common_headers(HttpResponse(status=412), etag=etag, modified=stat.modified_at)
    if_none_match = meta.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if _weak_match(etag, if_none_match):
            return _common_headers(HttpResponse(status=304), etag=etag, modified=stat.modified_at)
    else:
        since = parse_http_date_safe(meta.get("HTTP_IF_MODIFIED_SINCE") or "")
        if since is not None and modified <= since:
            return _common_headers(HttpResponse(status=304), etag=etag, modified=stat.modified_at)

    range_header = meta.get("HTTP_RANGE")
    if_range = meta.get("HTTP_IF_RANGE")
    if range_header and if_range and not _if_range_holds(if_range, etag=etag, modified=modified):
        range_header = None  # the client's copy is stale: send the whole current body
    try:
        byte_range = parse_range(range_header, stat.size)
    except Unsatisfiable:
        response = _common_headers(HttpResponse(status=416), etag=etag, modified=stat.modified_at)
        response["Content-Range"] = f"bytes */{stat.size}"
        return response

    start, end = byte_range if byte_range else (0, stat.size - 1)
    length = max(0, end - start + 1)
    status = 206 if byte_range else 200
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=served.content_type)
    else:
        # The first chunk is read here, so a vanished object or a failing storage becomes an
        # error answer (MediaMissing / StorageUnavailable) instead of a cut-off 200.
        response = StreamingHttpResponse(counted_stream(media_open_range(storage, served.key, start, end)),
                                         status=status, content_type=served.content_type)
    response["Content-Length"] = str(length)
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{stat.size}"
    return _common_headers(response, etag=etag, modified=stat.modified_at)


# --- stream tokens ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StreamGrant:
    """What a stream token allows: one track, for the user it names."""

    track_id: int


def _credentials_digest(user) -> str:
    """What a link is bound to: the password hash and the sign-out counter (as Django's reset tokens do)."""
    return salted_hmac(STREAM_TOKEN_SALT, f"{user.pk}:{user.password}:{user.token_generation}",
                       algorithm="sha256").hexdigest()[:32]


def stream_token_make(*, user, track_id: int) -> str:
    """A signed link for one user and one track; a password change or a sign-out revokes it."""
    return signing.dumps({"u": user.pk, "t": track_id, "k": _credentials_digest(user)},
                         salt=STREAM_TOKEN_SALT, compress=False)


def stream_token_read(token: str) -> tuple[int, int, str]:
    """Return (user_id, track_id, credentials digest) of an unexpired token; raise signing.BadSignature otherwise."""
    payload = signing.loads(token, salt=STREAM_TOKEN_SALT, max_age=settings.STREAM_TOKEN_TTL_S)
    if (not isinstance(payload, dict) or not isinstance(payload.get("u"), int) or not isinstance(payload.get("t"), int)
            or not isinstance(payload.get("k"), str)):
        raise signing.BadSignature("malformed stream token")
    return payload["u"], payload["t"], payload["k"]


_LINK_REFUSED = "This stream link has expired or is not valid; ask for a new one."


class StreamTokenAuthentication(authentication.BaseAuthentication):
    """`?token=` from stream_token_make: authenticates the user, for the one track it names."""

    def authenticate(self, request):
        token = request.query_params.get("token")
        if not token:
            return None
        try:
            user_id, track_id, digest = stream_token_read(token)
        except signing.BadSignature as exc:  # includes SignatureExpired
            raise exceptions.AuthenticationFailed(_LINK_REFUSED) from exc
        from accounts.user_cache import user_by_id

        user = user_by_id(user_id)  # dropped from the cache on sign-out and on a password change
        if user is None or not user.is_active or not constant_time_compare(digest, _credentials_digest(user)):
            # signed out or password changed since the link was made
            raise exceptions.AuthenticationFailed(_LINK_REFUSED)
        return user, StreamGrant(track_id=track_id)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
