"""Build issue 17's benchmark dataset inside PostgreSQL: set-based INSERT ... SELECT, never the ORM row by row.

Shape: ids in order (foreign keys are cheap), names drawn from a Zipf vocabulary (bench/seed_names.py)
in several scripts, ~15 % of tracks with 2-3 credits (position 0 = the main artist), every track
ready with its audio features, dense playlist positions, listens Zipf-skewed over tracks and users
across the last 365 days, and popularity ordered like the listens.

Every track row is written once: tracks, their credits and the listens are staged in temporary
tables first, so the INSERT into `tracks` already carries each row's popularity and search columns
(bench/seed_search.py: the search triggers' expressions, checked against the triggers by the tests).
Updating 1M rows afterwards rewrote the table twice, which took most of an hour. The search triggers
are disabled during the load, and the secondary indexes of the big tables are dropped around it and
rebuilt once.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from .seed_media import StoredAudio, register_seed_audio, store_seed_audio
from .seed_names import RARE_WORD, SEARCH_TERMS, TYPO_ARTIST, vocabulary
from .seed_search import album_search_vector, search_text, track_search_vector

VOCABULARY_SIZE = 20_000
BENCH_PASSWORD = "bench-password"
TRIGGERED_TABLES = ("tracks", "albums", "track_artists", "album_artists")
REINDEXED_TABLES = ("tracks", "track_artists", "playlist_tracks", "listening_history", "albums", "artists", "users")
RESET_TABLES = ("listening_history", "playlist_tracks", "playlists", "favorites", "track_artists", "album_artists",
                "tracks", "albums", "artists", "genres", "subsonic_credentials", "audit_log", "users")


class SeedRefused(Exception):
    """The seed would overwrite data or was asked something impossible; nothing was written."""


@dataclass
class SeedParams:
    tracks: int
    artists: int | None = None
    albums: int | None = None
    users: int | None = None
    listens: int | None = None
    playlists: int | None = None
    big_playlists: int | None = None
    big_playlist_size: int = 5000
    seed: int = 42
    reset: bool = False

    def resolved(self) -> "SeedParams":
        """Fill the unset sizes with the issue's proportions (1M tracks: 100k artists, 200k albums, ...)."""
        if self.tracks < 1:
            raise SeedRefused("--tracks must be at least 1")
        t = self.tracks
        out = SeedParams(**asdict(self))
        out.artists = self.artists if self.artists is not None else max(1, t // 10)
        out.albums = self.albums if self.albums is not None else max(1, t // 5)
        out.users = self.users if self.users is not None else max(1, t // 10)
        out.listens = self.listens if self.listens is not None else t * 10
        out.playlists = self.playlists if self.playlists is not None else max(1, t // 10)
        out.big_playlists = self.big_playlists if self.big_playlists is not None else max(1, t // 50_000)
        out.big_playlist_size = min(self.big_playlist_size, t)
        for name in ("artists", "albums", "users", "listens", "playlists", "big_playlists", "big_playlist_size"):
            if getattr(out, name) < (0 if name == "listens" else 1):
                raise SeedRefused(f"--{name.replace('_', '-')} must be positive")
        if out.big_playlists > out.playlists:
            raise SeedRefused("--big-playlists cannot exceed --playlists")
        return out


@dataclass
class SeedResult:
    params: dict
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    bench_user: dict = field(default_factory=dict)
    big_playlist_ids: list = field(default_factory=list)
    sample: dict = field(default_factory=dict)
    audio: dict = field(default_factory=dict)


def seed_dataset(params: SeedParams, *, clickhouse, report_path: Path | None = None, say=lambda message: None,
                 large_audio_seconds: int | None = None) -> SeedResult:
    """Fill the configured database, storage and ClickHouse (`clickhouse`, a ClickHouseClient) with the dataset.

    Refuses (SeedRefused) when the database holds tracks without reset. `large_audio_seconds`
    shortens the ≈10 MB streaming file (tests); by default it is full length.
    """
    from .seed_clickhouse import load_listens, prepare

    params = params.resolved()
    result = SeedResult(params=asdict(params))
    started = time.perf_counter()

    def phase(name, fn, *args):
        begun = time.perf_counter()
        fn(*args)
        result.seconds[name] = round(time.perf_counter() - begun, 2)
        say(f"  {name}: {result.seconds[name]:.1f} s")

    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM tracks)")
        if cur.fetchone()[0] and not params.reset:
            raise SeedRefused("the database already holds tracks; pass --reset to drop every catalog, account, "
                              "playlist and listening row first")
    phase("clickhouse_migrate", prepare, clickhouse, params.reset)
    audio: list[StoredAudio] = []
    phase("audio", lambda: audio.extend(store_seed_audio(seed=params.seed, large_seconds=large_audio_seconds)))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [((params.seed % 1000) / 1000.0) * 2 - 1])
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cur.execute("SET LOCAL work_mem = '256MB'")  # the staged tables' joins and counts hash in memory
        # Foreign keys are deferred to commit; checked per statement, no check is pending when the
        # search triggers are switched back on (ALTER TABLE refuses with pending trigger events).
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if params.reset:
            phase("reset", _reset, cur)
        indexes = _drop_secondary_indexes(cur)
        for table in TRIGGERED_TABLES:
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        phase("vocabulary", _vocabulary, cur, params)
        phase("artists", _artists, cur, params)
        phase("albums", _albums, cur, params)
        phase("tracks", _stage_tracks, cur, params, audio)
        phase("credits", _stage_credits, cur)
        phase("users", _users, cur, params)
        phase("listens", _stage_listens, cur, params)
        phase("track_rows", _insert_tracks, cur)
        register_seed_audio(cur, audio)
        phase("playlists", _playlists, cur, params)
        phase("listen_rows", _insert_listens, cur)
        for table in TRIGGERED_TABLES:
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        phase("indexes", _recreate_indexes, cur, indexes)
    with transaction.atomic(), connection.cursor() as cur:
        phase("clickhouse_listens", lambda: result.counts.update(clickhouse_events=load_listens(cur.cursor, clickhouse)))
    phase("bench_users", _bench_users, result, params)
    with connection.cursor() as cur:
        phase("analyze", cur.execute, "ANALYZE")
        result.counts = _counts(cur) | result.counts
        result.sample = _sample(cur)
        result.audio = _audio_report(cur, audio)
    phase("cache", _forget_cached_answers)
    result.seconds["total"] = round(time.perf_counter() - started, 2)
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(asdict(result), indent=2, ensure_ascii=False))
    return result


def _reset(cur) -> None:
    cur.execute(f"TRUNCATE {', '.join(RESET_TABLES)} RESTART IDENTITY CASCADE")


def _drop_secondary_indexes(cur) -> list[str]:
    """Drop the big tables' indexes that back no constraint; return their definitions to rebuild them."""
    cur.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
         WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
                [list(REINDEXED_TABLES)])
    rows = cur.fetchall()
    for name, _ in rows:
        cur.execute(f"DROP INDEX {name}")
    return [definition for _, definition in rows]


def _recreate_indexes(cur, definitions: list[str]) -> None:
    for definition in definitions:
        cur.execute(definition)


def _vocabulary(cur, params: SeedParams) -> None:
    cur.execute("CREATE TEMP TABLE seed_vocab (i int PRIMARY KEY, w text NOT NULL) ON COMMIT DROP")
    cur.execute("INSERT INTO seed_vocab SELECT ordinality, w FROM unnest(%s::text[]) WITH ORDINALITY w",
                [vocabulary(VOCABULARY_SIZE, seed=params.seed)])
    # word(): a Zipf pick, P(rank i) ~ 1/i (floor of N^u for a uniform u).
    cur.execute(f"""CREATE FUNCTION pg_temp.word() RETURNS text LANGUAGE sql VOLATILE AS
        $$ SELECT w FROM seed_vocab WHERE i = (SELECT least(floor(power({VOCABULARY_SIZE}, random()))::int, {VOCABULARY_SIZE})) $$""")
    # zipf(n): 1..n, rank 1 the most frequent.
    cur.execute("""CREATE FUNCTION pg_temp.zipf(n bigint) RETURNS bigint LANGUAGE sql VOLATILE AS
        $$ SELECT least(floor(power(n::float8, random()))::bigint, n) $$""")
    cur.execute("INSERT INTO genres (name, description) SELECT g, '' FROM unnest(%s::text[]) g "
                "ON CONFLICT DO NOTHING",
                [["Rock", "Pop", "Jazz", "Classical", "Hip-Hop", "Electronic", "Folk", "Metal", "Blues", "Reggae",
                  "Soul", "Country", "Ambient", "Punk", "Latin", "K-Pop", "Chanson", "Rebetiko", "Raï", "Enka"]])


def _artists(cur, params: SeedParams) -> None:
    cur.execute("""
        INSERT INTO artists (name, bio, country, image, aliases, created_at, updated_at)
        SELECT CASE WHEN g = 1 THEN %s
                    WHEN g %% 7 = 0 THEN initcap(pg_temp.word() || ' ' || pg_temp.word() || ' and the '
                                                 || pg_temp.word() || ' ' || pg_temp.word())
                    WHEN g %% 2 = 0 THEN initcap(pg_temp.word() || ' ' || pg_temp.word())
                    ELSE initcap(pg_temp.word()) END,
               CASE WHEN g %% 3 = 0 THEN 'Plays ' || pg_temp.word() || ' and ' || pg_temp.word() || ' music.' ELSE '' END,
               (ARRAY['', 'GB', 'US', 'FR', 'RU', 'GR', 'JP', 'EG', 'BR', 'DE'])[1 + g %% 10], '', '{}',
               now() - make_interval(days => (g %% 700)::int), now()
          FROM generate_series(1::bigint, %s) g ORDER BY g""", [TYPO_ARTIST, params.artists])


def _albums(cur, params: SeedParams) -> None:
    """Album g belongs to artist (g mod artists), its only credit; so the search columns carry that one name."""
    cur.execute(f"""
        INSERT INTO albums (artist_id, title, release_date, cover_image, created_at, updated_at,
                            search_vector, search_text)
        SELECT s.artist_id, s.title, s.release_date, '', now(), now(),
               {album_search_vector("s.title", "ar.name")}, {search_text("s.title", "ar.name")}
          FROM (SELECT g, a.lo + (g - 1) %% a.n AS artist_id, date '1960-01-01' + (g * 7919 %% 24000)::int AS release_date,
                       initcap(pg_temp.word() || CASE WHEN g %% 2 = 0 THEN ' ' || pg_temp.word() ELSE '' END) AS title
                  FROM generate_series(1::bigint, %s) g, (SELECT min(id) lo, count(*) n FROM artists) a) s
          JOIN artists ar ON ar.id = s.artist_id
         ORDER BY s.g""", [params.albums])
    cur.execute("INSERT INTO album_artists (album_id, artist_id, position) SELECT id, artist_id, 0 FROM albums ORDER BY id")


TRACK_COLUMNS = ("id, artist_id, album_id, genre_id, title, track_number, disc_number, duration_ms, file_path, "
                 "file_size, mime_type, checksum, tempo, energy, valence, loudness_db, feature_vector, "
                 "genre_confidence, audio_format, album_artist_name, processing_status, processing_error, "
                 "created_at, updated_at")


def _stage_tracks(cur, params: SeedParams, audio: list[StoredAudio]) -> None:
    """seed_tracks: track g (id reserved from the table's sequence) belongs to album (g mod albums), its artist is
    the album's (like a tagged upload); its file is audio[g mod n]."""
    files = [[slot, a.key, a.file_size, a.checksum, a.mime_type, a.audio_format, a.duration_ms]
             for slot, a in enumerate(audio)]
    cur.execute("CREATE TEMP TABLE seed_audio (slot int PRIMARY KEY, key text, size bigint, checksum text, "
                "mime text, fmt text, ms int) ON COMMIT DROP")
    cur.execute("INSERT INTO seed_audio SELECT (f->>0)::int, f->>1, (f->>2)::bigint, f->>3, f->>4, f->>5, (f->>6)::int "
                "FROM jsonb_array_elements(%s::jsonb) f", [json.dumps(files)])
    cur.execute("SELECT nextval(pg_get_serial_sequence('tracks', 'id'))")
    first_id = cur.fetchone()[0]
    cur.execute("SELECT setval(pg_get_serial_sequence('tracks', 'id'), %s)", [first_id + params.tracks - 1])
    cur.execute("""
        CREATE TEMP TABLE seed_tracks ON COMMIT DROP AS
        SELECT %s + g - 1 AS id, al.artist_id, al.id AS album_id, ge.lo + g %% ge.n AS genre_id,
               CASE WHEN g %% 97 = 0 THEN initcap(%s || ' ' || pg_temp.word())
                    WHEN g %% 5 = 0 THEN initcap(pg_temp.word() || ' ' || pg_temp.word() || ' ' || pg_temp.word()
                                                 || ' (' || pg_temp.word() || ' ' || pg_temp.word() || ' remix)')
                    ELSE initcap(pg_temp.word() || CASE WHEN g %% 2 = 0 THEN ' ' || pg_temp.word() ELSE '' END) END AS title,
               1 + (g / al_n.n) %% 20 AS track_number, 1 AS disc_number, au.ms AS duration_ms, au.key AS file_path,
               au.size AS file_size, au.mime AS mime_type, au.checksum,
               60 + (g %% 120) AS tempo, (g %% 100) / 100.0 AS energy, (g * 31 %% 100) / 100.0 AS valence,
               -20 + (g %% 15) AS loudness_db,
               ARRAY[(g %% 100) / 100.0, (g * 7 %% 100) / 100.0, (g * 13 %% 100) / 100.0]::float8[] AS feature_vector,
               NULL::float8 AS genre_confidence, au.fmt AS audio_format, ''::text AS album_artist_name,
               'ready'::text AS processing_status, ''::text AS processing_error,
               now() - make_interval(mins => (g %% 500000)::int) AS created_at, now() AS updated_at
          FROM generate_series(1::bigint, %s) g
          CROSS JOIN (SELECT min(id) lo, count(*) n FROM genres) ge
          CROSS JOIN (SELECT count(*) n FROM albums) al_n
          JOIN albums al ON al.id = (SELECT min(id) FROM albums) + (g - 1) %% al_n.n
          JOIN seed_audio au ON au.slot = (g - 1) %% %s
         ORDER BY g""", [first_id, RARE_WORD, params.tracks, len(audio)])
    cur.execute("ALTER TABLE seed_tracks ADD PRIMARY KEY (id)")


def _stage_credits(cur) -> None:
    """seed_credits: position 0 for every track (its own artist); ~15 % get 1-2 featured artists."""
    cur.execute("""
        CREATE TEMP TABLE seed_credits ON COMMIT DROP AS
        SELECT id AS track_id, artist_id, 0 AS position, 'main'::text AS role FROM seed_tracks
        UNION ALL
        SELECT t.id, a.lo + (t.artist_id - a.lo + k * 7 + 1) % a.n, k, 'featured'
          FROM seed_tracks t CROSS JOIN (SELECT min(id) lo, count(*) n FROM artists) a
          CROSS JOIN generate_series(1, 2) k
         WHERE a.n > 2 AND t.id % 20 < 3 AND (k = 1 OR t.id % 2 = 0)""")


def _insert_tracks(cur) -> None:
    """The tracks, each row once with its popularity (its staged listens) and search columns, then their credits."""
    names = "concat_ws(' ', ar.name, cr.credited)"  # the owner's name, then the other credited artists'
    cur.execute(f"""
        INSERT INTO tracks ({TRACK_COLUMNS}, popularity, search_vector, search_text)
        SELECT {", ".join("t." + c.strip() for c in TRACK_COLUMNS.split(","))}, coalesce(p.plays, 0),
               {track_search_vector("t.title", names, "al.title", "ge.name")}, {search_text("t.title", names)}
          FROM seed_tracks t
          LEFT JOIN artists ar ON ar.id = t.artist_id
          LEFT JOIN albums al ON al.id = t.album_id
          LEFT JOIN genres ge ON ge.id = t.genre_id
          LEFT JOIN (SELECT c.track_id, string_agg(a.name, ' ' ORDER BY c.position) AS credited
                       FROM seed_credits c JOIN seed_tracks st ON st.id = c.track_id
                       JOIN artists a ON a.id = c.artist_id
                      WHERE c.artist_id <> st.artist_id GROUP BY c.track_id) cr ON cr.track_id = t.id
          LEFT JOIN (SELECT track_id, count(*)::float8 AS plays FROM seed_listens GROUP BY track_id) p
                 ON p.track_id = t.id
         ORDER BY t.id""")
    cur.execute("INSERT INTO track_artists (track_id, artist_id, position, role) "
                "SELECT track_id, artist_id, position, role FROM seed_credits ORDER BY track_id, position")


def _users(cur, params: SeedParams) -> None:
    password = make_password(BENCH_PASSWORD)  # hashed once: argon2 per user would take hours
    cur.execute("""
        INSERT INTO users (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           role, created_at, country, token_generation)
        SELECT %s, false, 'listener' || g, initcap(pg_temp.word()), initcap(pg_temp.word()),
               'listener' || g || '@bench.example', false, true, 'user',
               now() - make_interval(days => (g %% 730)::int),
               (ARRAY['', '', 'GB', 'US', 'FR', 'RU', 'GR', 'JP', 'EG', 'BR'])[1 + g %% 10], 0
          FROM generate_series(1::bigint, %s) g ORDER BY g""", [password, params.users])


def _playlists(cur, params: SeedParams) -> None:
    """Small playlists (1-40 entries) for everyone; the first `big_playlists` are filled later by the bench user."""
    cur.execute("""
        INSERT INTO playlists (owner_id, title, description, is_public, created_at, updated_at)
        SELECT u.lo + (g - 1) %% u.n, initcap(pg_temp.word() || ' ' || pg_temp.word()), '', g %% 3 <> 0, now(), now()
          FROM generate_series(1::bigint, %s) g, (SELECT min(id) lo, count(*) n FROM users) u ORDER BY g""",
                [params.playlists])
    cur.execute("""
        INSERT INTO playlist_tracks (playlist_id, track_id, position, added_at)
        SELECT p.id, t.lo + (p.id * 7919 + k * 104729) %% t.n, k, now()
          FROM (SELECT id FROM playlists ORDER BY id OFFSET %s) p
          CROSS JOIN (SELECT min(id) lo, count(*) n FROM tracks) t
          CROSS JOIN LATERAL generate_series(0, (p.id %% 40)) k
         ORDER BY p.id, k""", [params.big_playlists])
    cur.execute("""
        INSERT INTO playlist_tracks (playlist_id, track_id, position, added_at)
        SELECT p.id, t.lo + (p.id * 7919 + k * 104729) %% t.n, k, now()
          FROM (SELECT id FROM playlists ORDER BY id LIMIT %s) p
          CROSS JOIN (SELECT min(id) lo, count(*) n FROM tracks) t
          CROSS JOIN generate_series(0, %s - 1) k
         ORDER BY p.id, k""", [params.big_playlists, params.big_playlist_size])


LISTEN_COLUMNS = "user_id, track_id, played_at, play_duration_ms, completion_percentage, platform, device_type"


def _stage_listens(cur, params: SeedParams) -> None:
    """seed_listens: Zipf over tracks (rank = id order) and users, spread over the last 365 days."""
    cur.execute("""
        CREATE TEMP TABLE seed_listens ON COMMIT DROP AS
        SELECT u.lo + pg_temp.zipf(u.n) - 1 AS user_id, t.lo + pg_temp.zipf(t.n) - 1 AS track_id,
               now() - interval '11 minutes' - make_interval(secs => random() * 365 * 86400) AS played_at,
               d.ms AS play_duration_ms, d.ms * 100.0 / 200000 AS completion_percentage,
               (ARRAY['web', 'ios', 'android', 'desktop', 'subsonic'])[1 + g %% 5] AS platform,
               (ARRAY['desktop', 'mobile', 'tablet', 'speaker', 'car'])[1 + g %% 5] AS device_type
          FROM generate_series(1::bigint, %s) g
          CROSS JOIN (SELECT min(id) lo, count(*) n FROM users) u
          CROSS JOIN (SELECT min(id) lo, count(*) n FROM seed_tracks) t
          CROSS JOIN LATERAL (SELECT (g * 7919 %% 200001)::int AS ms) d""", [params.listens])


def _forget_cached_answers() -> None:
    """Empty the var dir's cache: what it holds (catalog answers, playlist rows, users) describes
    the rows the seed replaced, under keys (ids, versions) the new rows would reach again."""
    from django.core.cache import cache

    cache.clear()


def _insert_listens(cur) -> None:
    cur.execute(f"INSERT INTO listening_history ({LISTEN_COLUMNS}) SELECT {LISTEN_COLUMNS} FROM seed_listens")


def _bench_users(result: SeedResult, params: SeedParams) -> None:
    from accounts.models import Role, User
    from accounts.subsonic_credentials import subsonic_credentials_create

    bench = User.objects.create_user(username="bench", email="bench@bench.example", password=BENCH_PASSWORD,
                                      role=Role.USER)
    User.objects.create_user(username="bench-admin", email="bench-admin@bench.example", password=BENCH_PASSWORD,
                             role=Role.ADMIN, is_staff=True)
    issued = subsonic_credentials_create(user=bench)
    with connection.cursor() as cur:
        cur.execute("UPDATE playlists SET owner_id = %s, is_public = true, title = 'Bench big ' || id "
                    "WHERE id IN (SELECT id FROM playlists ORDER BY id LIMIT %s) RETURNING id",
                    [bench.pk, params.big_playlists])
        result.big_playlist_ids = sorted(row[0] for row in cur.fetchall())
    result.bench_user = {"username": "bench", "password": BENCH_PASSWORD, "subsonic_password": issued.password}


def _audio_report(cur, audio: list[StoredAudio]) -> dict:
    """The stored keys, and the most popular track on the large (last) file: what streaming benchmarks request."""
    cur.execute("SELECT id FROM tracks WHERE file_path = %s ORDER BY popularity DESC, id LIMIT 1", [audio[-1].key])
    row = cur.fetchone()
    return {"keys": [a.key for a in audio], "large_key": audio[-1].key, "large_file_size": audio[-1].file_size,
            "large_track_id": row[0] if row else None}


def _counts(cur) -> dict:
    counts = {}
    for key, table in (("tracks", "tracks"), ("artists", "artists"), ("albums", "albums"), ("users", "users"),
                       ("listens", "listening_history"), ("playlists", "playlists"),
                       ("playlist_entries", "playlist_tracks"), ("track_artists", "track_artists")):
        cur.execute(f"SELECT count(*) FROM {table}")
        counts[key] = cur.fetchone()[0]
    return counts


def _sample(cur) -> dict:
    """~200 track ids spread over popularity ranks (log-spaced), plus artists and albums of those tracks."""
    cur.execute("SELECT count(*) FROM tracks")
    total = cur.fetchone()[0]
    ranks = sorted({min(total - 1, int(max(total, 1) ** (i / 199)) - 1) for i in range(200)})
    cur.execute("SELECT id, artist_id, album_id FROM (SELECT id, artist_id, album_id, "
                "row_number() OVER (ORDER BY popularity DESC, id) - 1 AS r FROM tracks) s WHERE r = ANY(%s) ORDER BY r",
                [ranks])
    rows = cur.fetchall()
    return {"track_ids": [r[0] for r in rows], "artist_ids": list(dict.fromkeys(r[1] for r in rows)),
            "album_ids": list(dict.fromkeys(r[2] for r in rows)), "search_terms": dict(SEARCH_TERMS)}
