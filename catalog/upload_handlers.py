"""A multipart upload handler that refuses oversized bodies early and hashes while it writes.

Bytes go straight to a temporary file on disk (never held whole in memory). A body whose
declared length exceeds the limit is refused before one byte of it is read; a file that grows
past the limit while streaming is refused at that chunk, and its temporary file is deleted.
"""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError

MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers, small form fields


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The upload is too large."


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class LimitedHashingUploadHandler(TemporaryFileUploadHandler):
    """Write each file part to a temporary file, SHA-256 it, and enforce per-field size limits."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limits = {"file": settings.UPLOAD_MAX_BYTES, "cover": settings.UPLOAD_COVER_MAX_BYTES}
        self.body_limit = settings.UPLOAD_MAX_BYTES + settings.UPLOAD_COVER_MAX_BYTES + MULTIPART_OVERHEAD
        self._digest = None
        self._received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.body_limit:
            raise UploadTooLarge(
                f"The upload is {_mb(content_length)}; files may be at most {_mb(settings.UPLOAD_MAX_BYTES)}."
            )
        return None

    def new_file(self, field_name, *args, **kwargs):
        if field_name not in self.limits:
            raise ParseError(f"Unexpected file field {field_name!r}; send the audio as `file` (and art as `cover`).")
        super().new_file(field_name, *args, **kwargs)
        self._digest, self._received = hashlib.sha256(), 0

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        limit = self.limits[self.field_name]
        if self._received > limit:
            self.file.close()  # deletes the temporary file
            what = "cover image" if self.field_name == "cover" else "file"
            raise UploadTooLarge(f"The {what} is larger than the {_mb(limit)} limit.")
        self._digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self._digest.hexdigest()
        return uploaded
