"""The search columns of seeded tracks and albums, computed in the seed's own INSERT ... SELECT.

The database's BEFORE triggers (search/migrations/0002_credited_artists.py) are the rule for every
row the service writes. The seed cannot let them run: a trigger fills one row at a time with four
lookups, and running it afterwards (`UPDATE tracks SET title = title`) rewrote the whole 1M-row
table a second time. That took 2,191 s of the 1M seed, because the table no longer fits the
embedded PostgreSQL's shared_buffers. So the seed writes each row once, with its columns computed
by these expressions. They are the triggers' expressions, word for word, over the same functions.
`tests/bench/test_seed.py` runs the triggers over a seeded catalog and asserts that they change
nothing, so this copy cannot drift from the rule unnoticed.
"""
from __future__ import annotations

WORDS = "public.jonquils_search_words"
FOLD = "public.jonquils_fold"


def track_search_vector(title: str, artist_names: str, album_title: str, genre_name: str) -> str:
    """search_tracks_fill()'s NEW.search_vector over SQL expressions (artist_names: owner + credited, space-joined)."""
    return (f"setweight(to_tsvector('simple'::regconfig, {WORDS}({title})), 'A')"
            f" || setweight(to_tsvector('simple'::regconfig, {WORDS}(coalesce({artist_names}, ''))), 'B')"
            f" || setweight(to_tsvector('simple'::regconfig, {FOLD}(coalesce({album_title}, ''))), 'B')"
            f" || setweight(to_tsvector('simple'::regconfig, {FOLD}(coalesce({genre_name}, ''))), 'C')")


def album_search_vector(title: str, artist_names: str) -> str:
    """search_albums_fill()'s NEW.search_vector."""
    return (f"setweight(to_tsvector('simple'::regconfig, {WORDS}({title})), 'A')"
            f" || setweight(to_tsvector('simple'::regconfig, {WORDS}(coalesce({artist_names}, ''))), 'B')")


def search_text(title: str, artist_names: str) -> str:
    """NEW.search_text of both triggers: the folded title and artists, for trigram matching."""
    return f"{FOLD}({title} || ' ' || coalesce({artist_names}, ''))"
