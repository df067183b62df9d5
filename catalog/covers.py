"""Cover art: refuse hostile images, store JPEG thumbnails (64/300/600) in the `covers` bucket.

Keys are generated from the track id (`tracks/<id>/<size>.jpg`), never from a filename.
Pillow reads only the header on open, so an image claiming more than COVER_MAX_PIXELS is
refused before a single pixel is decoded (a decompression bomb costs nothing).
"""
from __future__ import annotations

import io
import tempfile
import warnings

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from jonquils.storage import bucket_storage, delete_prefix, object_stat, save_file


class CoverRejected(ValueError):
    """The image is not usable cover art; the message says why."""


def open_cover(data: bytes) -> Image.Image:
    """Open and check an image; return it fully loaded in RGB, or raise CoverRejected."""
    limit = settings.COVER_MAX_PIXELS
    if not data:
        raise CoverRejected("The cover image is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limit:
                raise CoverRejected(
                    f"The cover image claims {width}×{height} pixels, more than the {limit:,} allowed; "
                    "use an image of at most a few thousand pixels a side."
                )
            if image.format not in ("JPEG", "PNG", "GIF", "WEBP", "BMP"):
                raise CoverRejected(f"Cover images must be JPEG, PNG, GIF, WebP or BMP, not {image.format}.")
            image.load()
    except CoverRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise CoverRejected(f"The cover image is a decompression bomb and was refused ({exc}).") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise CoverRejected(f"The cover is not a readable image ({exc}).") from exc
    return image.convert("RGB")


def cover_key(track_id: int, size: int) -> str:
    return f"tracks/{track_id}/{size}.jpg"


def cover_store_for_track(*, track_id: int, data: bytes) -> list[str]:
    """Write the thumbnails of one track (replacing older ones) and return their keys."""
    image = open_cover(data)
    storage = bucket_storage("covers")
    delete_prefix(storage, f"tracks/{track_id}/")
    keys = []
    for size in settings.COVER_SIZES:
        thumb = image.copy()
        thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
        with tempfile.NamedTemporaryFile(suffix=".jpg") as handle:
            thumb.save(handle, format="JPEG", quality=85, optimize=True)
            handle.flush()
            keys.append(save_file(storage, cover_key(track_id, size), handle.name, content_type="image/jpeg"))
    return keys


def cover_exists(*, track_id: int, size: int) -> bool:
    return object_stat(bucket_storage("covers"), cover_key(track_id, size)) is not None
