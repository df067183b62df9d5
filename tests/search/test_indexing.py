"""The database keeps the search columns: folding in SQL equals folding in Python, triggers follow renames."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from hypothesis import given, settings as hsettings, strategies as st

from search.folding import compact, fold, search_words
from search.selectors import hits_hydrate
from search.services import index_tracks, search_health, search_request_build, search_run
from tests.factories import AdminFactory, AlbumFactory, ArtistFactory, GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db

SAMPLES = [
    "AC/DC", "Beyoncé", "КИНО", "Ёлка", "R.E.M.", "Guns N' Roses", "Motörhead", "Sigur Rós", "Ærøskøbing",
    "Straße", "ΟΔΟΣ", "Ｆｕｌｌ ｗｉｄｔｈ", "ﬁre", "½ Life", "Rock-n-Roll", "  many   spaces  ", "tab\there",
    "Don’t Stop", "Łódź", "Đorđe", "Þór", "naïve café", "Œuvre", "A&B", "C++", "x_y", "Émile — «Zola»",
    "Tiësto", "Mötley Crüe", "Sinéad O'Connor", "Curaçao", "İstanbul", "Ñandú", "Hồ Chí Minh", "東京事変", "🎸 guitar",
]


def _sql(function: str, values: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(v) FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n", [values])
        return [row[0] for row in cursor.fetchall()]


def test_sql_folding_equals_python_folding_on_known_names():
    assert _sql("jonquils_fold", SAMPLES) == [fold(s) for s in SAMPLES]
    assert _sql("jonquils_compact", SAMPLES) == [compact(s) for s in SAMPLES]
    assert _sql("jonquils_search_words", SAMPLES) == [search_words(s) for s in SAMPLES]


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x052F, exclude_categories=["Cs", "Cc"]),
                        max_size=30), min_size=1, max_size=20))
def test_sql_folding_equals_python_folding_on_any_latin_greek_cyrillic_text(values):
    assert _sql("jonquils_fold", values) == [fold(v) for v in values]


@pytest.mark.parametrize(("raw", "folded"), [
    ("AC/DC", "ac dc"), ("Beyoncé", "beyonce"), ("КИНО", "кино"), ("R.E.M.", "rem"), ("Guns N' Roses", "guns n roses"),
    ("Straße", "strasse"), ("Ærøskøbing", "aeroskobing"), ("Ёлка", "елка"),
])
def test_folding_rules(raw, folded):
    assert fold(raw) == folded


def _found(entity: str, query: str) -> list[str]:
    # These rows are written past the services (raw saves, plain SQL: the triggers are under test),
    # so nothing drops the cached rankings; each search here asks the index itself.
    cache.clear()
    hits = search_run(request=search_request_build(entity=entity, query=query), announce=False)
    return [getattr(obj, "title", None) or obj.name for _, obj in hits_hydrate(hits=hits)]


def test_renaming_an_artist_album_or_genre_updates_the_tracks_that_carry_the_name():
    artist = ArtistFactory(name="Prince")
    album = AlbumFactory(artist=artist, title="Purple Rain")
    genre = GenreFactory(name="Funk")
    TrackFactory(artist=artist, album=album, genre=genre, title="When Doves Cry")
    assert _found("track", "prince") == ["When Doves Cry"]

    artist.name = "The Artist"
    artist.save()
    album.title = "Lovesexy"
    album.save()
    genre.name = "Minneapolis Sound"
    genre.save()

    assert _found("track", "prince") == []
    assert _found("track", "artist the") == ["When Doves Cry"]
    assert _found("track", "lovesexy") == ["When Doves Cry"]
    assert _found("track", "minneapolis") == ["When Doves Cry"]
    assert _found("album", "the artist") == ["Lovesexy"]


def test_rows_written_by_plain_sql_are_searchable_without_application_code():
    artist = ArtistFactory(name="Bulk Loader")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracks (artist_id, title, file_path, mime_type, checksum, popularity, processing_status,"
            " processing_error, created_at, updated_at)"
            " SELECT %s, 'Café Number ' || g, '', '', '', g, 'ready', '', now(), now() FROM generate_series(1, 3) g",
            [artist.id],
        )
        cursor.execute("INSERT INTO artists (name, bio, country, image, created_at, updated_at)"
                       " VALUES ('Sigur Rós', '', '', '', now(), now()) RETURNING id")
        # An artist is found once one of their tracks is ready (Artist.visible_to).
        cursor.execute(
            "INSERT INTO tracks (artist_id, title, file_path, mime_type, checksum, popularity, processing_status,"
            " processing_error, created_at, updated_at) VALUES (%s, 'Hoppípolla', '', '', '', 1, 'ready', '', now(), now())",
            [cursor.fetchone()[0]],
        )
    assert _found("track", "cafe number") == ["Café Number 3", "Café Number 2", "Café Number 1"]  # by popularity
    assert _found("artist", "sigur ros") == ["Sigur Rós"]


def test_pending_and_failed_tracks_are_not_found():
    TrackFactory(title="Unfinished Symphony", processing_status="pending")
    TrackFactory(title="Unfinished Business", processing_status="failed")
    TrackFactory(title="Unfinished Sympathy")
    assert _found("track", "unfinished") == ["Unfinished Sympathy"]


def test_index_tracks_is_a_no_op_on_postgresql():
    track = TrackFactory(title="Already Searchable")
    assert index_tracks(track_ids=[track.id]) == 0
    assert _found("track", "already searchable") == ["Already Searchable"]


def test_health_names_the_backend():
    info = search_health()
    assert info["backend"] == "postgres"
    assert info["query_ms"] >= 0


def test_health_endpoint_lists_search(client):
    client.force_login(AdminFactory())  # the details are for staff
    body = client.get("/health").json()
    assert body["components"]["search"]["ok"] is True
    assert body["components"]["search"]["backend"] == "postgres"


@pytest.mark.slow
def test_index_task_runs_in_a_real_worker(celery_worker_process):
    from search.tasks import index_tracks_task

    # On PostgreSQL the task has nothing to send (and so needs no committed row).
    assert index_tracks_task.delay([1, 2, 3]).get(timeout=60) == 0
