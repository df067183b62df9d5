"""Lyrics as files carry them: plain text, or LRC (`[mm:ss.xx]line`) when they are synced.

`split_lyrics` turns one tag text into (plain, synced LRC or ""); `sylt_to_lrc` turns ID3's
binary SYLT frame into LRC; `parse_lrc` gives the timed lines a player (or Subsonic's
getLyricsBySongId) needs. Texts keep their line breaks: lyrics are not cleaned like titles.
"""
from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 100_000
_STAMP = re.compile(r"\[(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?\]")
_TIMED_LINE = re.compile(r"^\s*(?:\[\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?\]\s*)+")
_META_LINE = re.compile(r"^\s*\[(ar|ti|al|au|by|re|ve|length|offset|#|la|tool):[^\]]*\]\s*$", re.IGNORECASE)
_OFFSET = re.compile(r"^\s*\[offset:\s*([+-]?\d+)\s*\]\s*$", re.IGNORECASE | re.MULTILINE)


def clean_lyrics(text: str | None) -> str:
    """NFC, one kind of line break, no trailing spaces, no control characters, bounded length."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ch.isprintable())
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")[:MAX_CHARS]


def is_lrc(text: str) -> bool:
    """True when at least half of the non-empty, non-metadata lines start with a timestamp."""
    lines = [line for line in text.split("\n") if line.strip() and not _META_LINE.match(line)]
    timed = sum(1 for line in lines if _TIMED_LINE.match(line))
    return bool(lines) and timed * 2 >= len(lines)


def lrc_to_plain(text: str) -> str:
    """The words of an LRC text: timestamps and metadata lines dropped, lines in time order."""
    return "\n".join(line for _, line in parse_lrc(text)).strip("\n")


def split_lyrics(text: str | None) -> tuple[str, str]:
    """Return (plain lyrics, synced LRC) of one tag value; LRC input gives both."""
    text = clean_lyrics(text)
    if not text:
        return "", ""
    if is_lrc(text):
        return lrc_to_plain(text), text
    return text, ""


def _ms(minutes: str, seconds: str, fraction: str | None) -> int:
    fraction = fraction or "0"
    fraction_ms = int(fraction) * (10 ** (3 - len(fraction)))  # ".5" is 500 ms, ".05" 50, ".005" 5
    return (int(minutes) * 60 + int(seconds)) * 1000 + fraction_ms


def parse_lrc(text: str) -> list[tuple[int, str]]:
    """Timed lines (start in ms, text) of an LRC text, sorted; `[offset:±ms]` applied (positive = earlier)."""
    offset_match = _OFFSET.search(text or "")
    offset = int(offset_match.group(1)) if offset_match else 0
    lines: list[tuple[int, str]] = []
    for raw in (text or "").split("\n"):
        if _META_LINE.match(raw):
            continue
        head = _TIMED_LINE.match(raw)
        if not head:
            continue
        words = raw[head.end():].strip()
        words = _STAMP.sub("", words).strip()  # enhanced LRC word stamps <mm:ss.xx> are rare; inline [..] dropped
        for stamp in _STAMP.finditer(head.group(0)):
            lines.append((max(0, _ms(*stamp.groups()) - offset), words))
    lines.sort(key=lambda item: item[0])
    return lines


def format_stamp(ms: int) -> str:
    minutes, rest = divmod(max(0, int(ms)), 60_000)
    return f"[{minutes:02d}:{rest // 1000:02d}.{(rest % 1000) // 10:02d}]"


def sylt_to_lrc(entries: list[tuple[str, int]], *, in_ms: bool) -> str:
    """LRC of an ID3 SYLT frame's (text, time) pairs; "" when its times are MPEG frames (not convertible)."""
    if not in_ms:
        return ""
    lines = []
    for text, at in entries:
        words = clean_lyrics(text).replace("\n", " ").strip()
        lines.append(f"{format_stamp(at)}{words}")
    return "\n".join(lines)[:MAX_CHARS]
