"""The Range parser: anything a client sends gives 206, 416 or the whole body, never a 500."""
from __future__ import annotations

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from catalog.streaming import MAX_RANGE_HEADER, Unsatisfiable, parse_range
from tests.audio import make_audio
from tests.storage.test_streaming import client, fetch, proxied_mode, stored_track  # noqa: F401 - fixtures

HUGE = "9" * 5000
ZEROS_THEN_ONE = "0" * 60 + "1"


@pytest.fixture
def song() -> bytes:
    return make_audio("mp3", duration_s=2)


@pytest.mark.django_db
@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=²-", 200),             # superscript two: str.isdigit() says yes, int() says no
    ("bytes=1-³", 200),
    ("bytes=٣-", 200),             # Arabic-Indic three: int() would read it as 3
    ("bytes=-²", 200),
    (f"bytes={HUGE}-", 200),       # over the header cap: ignored, never converted
    (f"bytes=0-{HUGE}", 200),
    (f"bytes=-{HUGE}", 200),
    (f"bytes={'9' * 40}-", 416),   # a well-formed start far past the end
    (f"bytes=-{'9' * 40}", 206),   # a suffix longer than the file: all of it
    (f"bytes=0-{'9' * 40}", 206),  # an end past the end: clamped
    (f"bytes={ZEROS_THEN_ONE}-", 206),  # leading zeros are digits too: starts at byte 1
    ("bytes=0-\u00a05", 200),      # a non-ASCII space
    ("bytes=\x00-", 200),
])
def test_odd_ranges_answer_206_416_or_the_whole_body(proxied_mode, client, song, header, expected):
    track = stored_track(song)
    status, headers, body = fetch(client, f"/api/v1/tracks/{track.pk}/stream", {"Range": header})
    assert status == expected, header
    if status == 200:
        assert body == song
    elif status == 416:
        assert headers["Content-Range"] == f"bytes */{len(song)}"
    else:
        start, end = map(int, headers["Content-Range"].removeprefix("bytes ").split("/")[0].split("-"))
        assert body == song[start:end + 1] and end == len(song) - 1


def test_leading_zeros_and_long_positions_are_read_exactly():
    assert parse_range(f"bytes={ZEROS_THEN_ONE}-", 10) == (1, 9)
    assert parse_range(f"bytes=0-{'9' * 40}", 10) == (0, 9)
    assert parse_range(f"bytes=-{'9' * 40}", 10) == (0, 9)
    with pytest.raises(Unsatisfiable):
        parse_range(f"bytes={'9' * 40}-", 10)
    assert parse_range("bytes=" + "0" * MAX_RANGE_HEADER + "-", 10) is None  # over the cap: ignored


def _check(result, size: int) -> None:
    if result is not None:
        start, end = result
        assert 0 <= start <= end < size


@hypothesis_settings(max_examples=600, deadline=None)
@given(header=st.text(max_size=300), size=st.integers(min_value=0, max_value=2**40))
def test_any_text_parses_to_a_range_inside_the_body_or_none_or_unsatisfiable(header, size):
    try:
        _check(parse_range(header, size), size)
    except Unsatisfiable:
        pass


digits = st.text(alphabet=st.characters(categories=["Nd", "No"]), max_size=25) | st.from_regex(r"\A[0-9]{0,30}\Z")


@hypothesis_settings(max_examples=600, deadline=None)
@given(first=digits, last=digits, size=st.integers(min_value=0, max_value=10**6),
       unit=st.sampled_from(["bytes", "BYTES", "Bytes"]), pad=st.sampled_from(["", " ", "\t"]))
def test_range_shaped_headers_match_the_rfc(first, last, size, unit, pad):
    header = f"{pad}{unit}={first}-{last}{pad}"
    ascii_only = all(c in "0123456789" for c in first + last)
    try:
        result = parse_range(header, size)
    except Unsatisfiable:
        assert ascii_only
        assert (first and int(first) >= size) or (not first and last and (int(last) == 0 or size == 0))
        return
    if not ascii_only or not (first or last):
        assert result is None
        return
    if not first:
        assert result == (max(0, size - int(last)), size - 1)
    elif last and int(last) < int(first):
        assert result is None
    else:
        assert result == (int(first), min(int(last) if last else size - 1, size - 1))
