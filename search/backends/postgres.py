"""PostgreSQL backend: weighted full-text (tsvector) for words and prefixes, pg_trgm for typos.

One SQL statement per entity:
1. candidates from the GIN tsvector index. For tracks, at most SEARCH_CANDIDATE_LIMIT title
   matches and as many matches anywhere, each taken by popularity: ranking all 300k
   matches of a common word costs ~175 ms at 1M rows, ranking 1,000 candidates < 5 ms.
   Artists, albums and playlists have no popularity column: name matches first, then
   matches anywhere, each at most SEARCH_RANK_POOL rows ranked by ts_rank.
2. only when step 1 found fewer than SEARCH_FUZZY_BELOW rows: typo candidates from the
   GIN trigram index (`word_similarity` over the folded title + artist), at most
   SEARCH_RANK_POOL of them: a typo near a common word ("nigth") matches 150k rows at
   1M tracks, and ordering them all by similarity cost ~1 s.
3. score: 1 + ts_rank (weights A title, B artist/album, C description) for word matches,
   word_similarity (< 1) for typo-only matches; ties (score rounded to 4 places) go to
   the more popular row.
The search columns are kept by the database (migration search 0001), so index_tracks()
has nothing to do here.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from .base import Hit, SearchFilters, SearchRequest, SearchScope

_POPULARITY = {  # over the candidate rows `c` (no second visit of the table)
    "track": "c.popularity",
    "artist": "(SELECT coalesce(sum(p.popularity), 0) FROM tracks p WHERE p.artist_id = c.id)",
    "album": "(SELECT coalesce(sum(p.popularity), 0) FROM tracks p WHERE p.album_id = c.id)",
    "playlist": "(SELECT count(*) FROM playlist_tracks p WHERE p.playlist_id = c.id)",
}
_TABLE = {"track": "tracks", "artist": "artists", "album": "albums", "playlist": "playlists"}


def tsquery_text(words: tuple[str, ...], *, weight: str = "") -> str:
    """Every word must match (any order); the last one may be a prefix of a longer word."""
    quoted = [f"'{w}':{weight}" if weight else f"'{w}'" for w in words[:-1]]
    quoted.append(f"'{words[-1]}':*{weight}")
    return " & ".join(quoted)


@dataclass
class _Where:
    sql: list[str]
    params: dict


def _scope(entity: str, scope: SearchScope) -> _Where:
    """The pre-filter of search.backends.base.SearchScope (the rule is visible_to, applied at loading)."""
    if scope.sees_all:
        return _Where([], {})
    if entity == "track":
        own = " OR e.artist_id = %(scope_artist_id)s" if scope.artist_id is not None else ""
        return _Where([f"((e.processing_status = 'ready' AND NOT e.hidden){own})"], {"scope_artist_id": scope.artist_id})
    if entity == "playlist":
        return _Where(["(e.is_public OR e.owner_id = %(scope_user_id)s)"], {"scope_user_id": scope.user_id})
    return _Where([], {})  # artists and albums: few are hidden, visible_to drops them at loading


def _filters(entity: str, filters: SearchFilters, scope: SearchScope) -> _Where:
    scoped = _scope(entity, scope)
    where, params = list(scoped.sql), dict(scoped.params)
    if entity == "track":
        if filters.genre_id is not None:
            where.append("e.genre_id = %(genre_id)s")
        if filters.genre_name:
            where.append("e.genre_id IN (SELECT g.id FROM genres g WHERE lower(g.name) = lower(%(genre_name)s))")
        if filters.artist_id is not None:  # credited in any role
            where.append("(e.artist_id = %(artist_id)s OR EXISTS (SELECT 1 FROM track_artists c"
                         " WHERE c.track_id = e.id AND c.artist_id = %(artist_id)s))")
        for column in ("tempo", "energy"):
            if getattr(filters, f"{column}_min") is not None:
                where.append(f"e.{column} >= %({column}_min)s")
            if getattr(filters, f"{column}_max") is not None:
                where.append(f"e.{column} <= %({column}_max)s")
        if filters.year_min is not None or filters.year_max is not None:
            where.append(
                "EXISTS (SELECT 1 FROM albums y WHERE y.id = e.album_id"
                " AND extract(year FROM y.release_date) BETWEEN coalesce(%(year_min)s, -1) AND coalesce(%(year_max)s, 99999))"
            )
    elif entity == "album":
        if filters.artist_id is not None:
            where.append("(e.artist_id = %(artist_id)s OR EXISTS (SELECT 1 FROM album_artists c"
                         " WHERE c.album_id = e.id AND c.artist_id = %(artist_id)s))")
        if filters.year_min is not None or filters.year_max is not None:
            where.append("extract(year FROM e.release_date) BETWEEN coalesce(%(year_min)s, -1) AND coalesce(%(year_max)s, 99999)")
    elif entity == "artist":
        if filters.genre_id is not None or filters.genre_name:
            where.append(
                "EXISTS (SELECT 1 FROM tracks g WHERE g.artist_id = e.id AND (g.genre_id = %(genre_id)s"
                " OR g.genre_id IN (SELECT n.id FROM genres n WHERE lower(n.name) = lower(%(genre_name)s))))"
            )
    params.update({k: v for k, v in vars(filters).items()})
    return _Where(where or ["TRUE"], params)


def build_search_sql(request: SearchRequest, *, candidates: int, fuzzy_below: int) -> tuple[str, dict]:
    """Return the SQL and parameters of one search (see the module docstring)."""
    entity = request.entity
    table = _TABLE[entity]
    where = _filters(entity, request.filters, request.scope)
    cond = " AND ".join(where.sql)
    params = {
        **where.params,
        "tsq": tsquery_text(request.words),
        "tsq_title": tsquery_text(request.words, weight="A"),
        "folded": request.folded,
        "k": candidates,
        "fuzzy_below": fuzzy_below,
        "limit": request.limit,
        "pool": max(settings.SEARCH_RANK_POOL, candidates),
    }
    cols = "e.id, e.search_vector, e.search_text, " + ("e.popularity" if entity == "track" else "0::float8 AS popularity")
    if entity == "track":
        # Title matches first, so a common word cannot push them out of the candidates.
        fts = (
            f"(SELECT {cols} FROM {table} e WHERE e.search_vector @@ to_tsquery('simple', %(tsq_title)s) AND {cond}"
            f" ORDER BY e.popularity DESC LIMIT %(k)s)"
            f" UNION ALL (SELECT {cols} FROM {table} e WHERE e.search_vector @@ to_tsquery('simple', %(tsq)s) AND {cond}"
            f" ORDER BY e.popularity DESC LIMIT %(k)s)"
        )
    else:
        # No popularity column to walk: rank at most SEARCH_RANK_POOL matches (name matches
        # first), not every match of a common word (11k artists for "love": 9.6 ms -> ~1 ms).
        rank = "ts_rank(p.search_vector, to_tsquery('simple', %(tsq)s)) DESC"
        fts = " UNION ALL ".join(
            f"(SELECT p.* FROM (SELECT {cols} FROM {table} e WHERE e.search_vector @@ to_tsquery('simple', %({q})s)"
            f" AND {cond} LIMIT %(pool)s) p ORDER BY {rank} LIMIT %(k)s)"
            for q in ("tsq_title", "tsq")
        )
    # Trigrams need three characters; below that, prefixes do the work.
    # LATERAL on the count: the typo scan runs only when words found too little, and is
    # never planned in parallel (starting workers cost ~25 ms even when the scan is skipped).
    fuzzy = (
        f"SELECT f.* FROM (SELECT count(*) AS n FROM fts) found CROSS JOIN LATERAL (SELECT p.* FROM ("
        f"SELECT {cols} FROM {table} e WHERE found.n < %(fuzzy_below)s AND %(folded)s <%% e.search_text AND {cond}"
        f" LIMIT %(pool)s) p ORDER BY word_similarity(%(folded)s, p.search_text) DESC LIMIT %(k)s) f"
        if len(request.folded) >= 3 else f"SELECT {cols} FROM {table} e WHERE FALSE"
    )
    # The candidates carry what scoring needs: the table is not visited a second time.
    sql = f"""
WITH fts AS ({fts}), fuzzy AS ({fuzzy}),
candidates AS (SELECT DISTINCT ON (id) * FROM (SELECT * FROM fts UNION ALL SELECT * FROM fuzzy) u ORDER BY id),
scored AS (
  SELECT c.id,
         CASE WHEN c.search_vector @@ to_tsquery('simple', %(tsq)s)
              THEN 1 + ts_rank(c.search_vector, to_tsquery('simple', %(tsq)s))
              ELSE word_similarity(%(folded)s, c.search_text) END AS score,
         {_POPULARITY[entity]} AS popularity
  FROM candidates c
)
SELECT id, score, popularity FROM scored
ORDER BY round(score::numeric, 4) DESC, popularity DESC, id
LIMIT %(limit)s"""
    return sql, params


class PostgresBackend:
    name = "postgres"
    needs_sync = False

    def search(self, request: SearchRequest) -> list[Hit]:
        if not request.words:
            return []
        sql, params = build_search_sql(
            request, candidates=request.candidates or settings.SEARCH_CANDIDATE_LIMIT, fuzzy_below=settings.SEARCH_FUZZY_BELOW
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [Hit(entity=request.entity, id=row[0], score=float(row[1]), popularity=float(row[2])) for row in rows]

    def index_tracks(self, *, track_ids: list[int] | None = None) -> int:
        """Nothing to send: the database keeps the search columns current (triggers)."""
        return 0

    def index_objects(self, *, entity: str, ids: list[int]) -> int:
        """Nothing to send: the database keeps the search columns current (triggers)."""
        return 0

    def ping(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM (SELECT 1 FROM artists WHERE search_vector @@ 'ping'::tsquery LIMIT 1) s")
            cursor.fetchone()
        return {"backend": self.name}


def set_trigram_threshold(sender, connection, **kwargs) -> None:
    """connection_created receiver: the `<%` operator reads its threshold from the session."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(settings.SEARCH_TRGM_THRESHOLD)])
