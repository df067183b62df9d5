"""The listener pages under concurrent load, next to a constant template through the same stack.

The bench user is logged in once (`Client.force_login` in `bench.queries`, which stores the
session in the stack's own session backend) and every request sends that session cookie.
The floor is the site's HTML 404 page (templates/404.html, rendered for any unknown non-API
path): the same middleware, session and base layout, no catalog query of its own.
"""
from __future__ import annotations

from urllib.parse import quote

from ..load import RequestSpec
from ..queries import QueryProbe, count_queries
from ..report import Section
from .common import COLUMNS, Endpoint, Target, fetch, load_words, measure_table

DETAIL = Target(floor_share=0.5)
LIST = Target(floor_share=0.25)


def _paths(stack) -> list[tuple[str, str, str, Target | None, tuple[int, ...]]]:
    """(key, name, path, target, expected statuses) of each row, the floor first."""
    sample = stack.seed["sample"]
    playlist = stack.seed["big_playlist_ids"][0]
    common = sample["search_terms"]["common"]
    return [
        ("floor", "floor: HTML 404 page (constant template)", "/bench-floor", None, (404,)),
        ("home", "home", "/", LIST, (200,)),
        ("search", f"search “{common}”", f"/search?q={quote(common)}", LIST, (200,)),
        ("artist", "artist", f"/artists/{sample['artist_ids'][0]}", DETAIL, (200,)),
        ("album", "album", f"/albums/{sample['album_ids'][0]}", DETAIL, (200,)),
        ("playlist", "playlist (the big one)", f"/playlists/{playlist}", LIST, (200,)),
    ]


def run(stack, *, smoke: bool, duration_s: float) -> list[Section]:
    paths = _paths(stack)
    measured = count_queries(stack, [QueryProbe(key, path, auth="session") for key, _, path, _, _ in paths],
                             session_cookie=True)
    cookie = {"Cookie": measured["cookie"]}
    rows = []
    for key, name, path, target, expect in paths:
        spec = RequestSpec(path, headers=cookie, expect=expect)
        status, body = fetch(stack.base_url, spec)
        if status not in expect or b"<html" not in body.lower():
            raise RuntimeError(f"page {path} answered {status} (expected {expect}, HTML): {body[:300]!r}")
        if key != "floor" and b'action="/accounts/logout"' not in body:  # base.html's logout form: a logged-in page
            raise RuntimeError(f"page {path} was served to an anonymous visitor: the session cookie was refused")
        rows.append(Endpoint(name, [spec], target, key, is_floor=key == "floor"))
    section = Section(
        "Listener pages under concurrent load", COLUMNS,
        intro=(f"{rows[0].concurrency} keep-alive clients, {load_words(duration_s, smoke)}, logged in as the bench user "
               "(one session cookie). Artist and album pages share the detail target, the others the list target. "
               "SQL queries: first / repeated request in a separate Django process."))
    measure_table(stack, section, rows, measured["queries"], smoke=smoke, duration_s=duration_s)
    return [section]
