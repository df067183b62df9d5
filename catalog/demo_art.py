"""Artwork for the demo catalog, made with Pillow and no network: a diagonal gradient with initials."""
from __future__ import annotations

import colorsys
import hashlib
import io
import unicodedata

from PIL import Image, ImageDraw, ImageFont


def initials(name: str) -> str:
    """Up to two initials of a name's words (letters or digits, in any script)."""
    letters = [word[0] for word in name.split() if word and word[0].isalnum()]
    return "".join(letters[:2]).upper() or "?"


def _colours(seed_text: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    digest = hashlib.sha256(seed_text.encode()).digest()
    hue = digest[0] / 255
    shift = 0.12 + digest[1] / 255 * 0.25
    first = colorsys.hsv_to_rgb(hue, 0.65, 0.85)
    second = colorsys.hsv_to_rgb((hue + shift) % 1.0, 0.75, 0.35)
    return tuple(round(c * 255) for c in first), tuple(round(c * 255) for c in second)


def _font(size: int) -> tuple[ImageFont.FreeTypeFont, bool]:
    """DejaVu Sans Bold when the system has it (covers Latin, Cyrillic, Greek...), else Pillow's own font (ASCII)."""
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size), True
    except OSError:
        return ImageFont.load_default(size=size), False


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or "#"


def artwork(name: str, *, size: int = 600, fmt: str = "JPEG") -> bytes:
    """A square image: a gradient chosen by the name (stable across runs) and its initials in the middle."""
    first, second = _colours(name)
    # The gradient runs along x + y, from the first colour (top left) to the second (bottom right).
    ramp = Image.linear_gradient("L").resize((size, size))
    diagonal = Image.blend(ramp, ramp.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_TOP_BOTTOM), 0.5)
    image = Image.composite(Image.new("RGB", (size, size), second), Image.new("RGB", (size, size), first), diagonal)
    draw = ImageDraw.Draw(image)
    font, unicode_font = _font(size // 3)
    text = initials(name) if unicode_font else _ascii(initials(name))
    offset = size / 120
    draw.text((size / 2 + offset, size / 2 + offset), text, font=font, anchor="mm", fill=(0, 0, 0))  # a soft shadow
    draw.text((size / 2, size / 2), text, font=font, anchor="mm", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format=fmt, quality=88)
    return out.getvalue()
