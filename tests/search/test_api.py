"""The search endpoints: validation, filters, paging, visibility, suggest, click and search signals."""
from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from search.signals import search_performed, search_result_clicked
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/search/{}"


@pytest.fixture
def api():
    return APIClient()


def _titles(response) -> list[str]:
    return [r.get("title") or r.get("name") for r in response.json()["results"]]


@pytest.mark.parametrize("path", ["/api/v1/search/tracks", "/api/v1/search/tracks/"])
def test_paths_answer_with_and_without_slash(api, catalog, path):
    response = api.get(path, {"q": "sandman"})
    assert response.status_code == 200
    assert _titles(response) == ["Enter Sandman"]


@pytest.mark.parametrize("path", ["/api/v1/tracks/search", "/api/v1/tracks/search/"])
def test_the_catalog_track_search_is_the_same_service(api, catalog, path):
    params = {"q": "hels bels", "page_size": 5}
    assert api.get(path, params).json() == api.get(SEARCH.format("tracks"), params).json()
    assert _titles(api.get(path, params))[0] == "Hells Bells"


def test_result_shape_of_a_track(api, catalog):
    result = api.get(SEARCH.format("tracks"), {"q": "hells bells"}).json()["results"][0]
    assert result["entity"] == "track"
    assert result["title"] == "Hells Bells"
    assert result["artist"]["name"] == "AC/DC"
    assert result["album"]["title"] == "Back in Black"
    assert result["genre"] == "Rock"
    assert set(result) >= {"id", "score", "popularity", "duration_ms", "tempo", "energy"}


@pytest.mark.parametrize("q", ["", "   "])
def test_empty_query_is_a_clear_400(api, catalog, q):
    response = api.get(SEARCH.format("tracks"), {"q": q})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["fields"]["q"] == ["Type something to search for."]


def test_missing_query_is_a_clear_400(api, catalog):
    response = api.get(SEARCH.format("artists"))
    assert response.status_code == 400
    assert "q" in response.json()["fields"]


def test_ten_thousand_characters_are_refused_as_too_long(api, catalog):
    response = api.get(SEARCH.format("tracks"), {"q": "a" * 10_000})
    assert response.status_code == 400
    assert "too long" in response.json()["fields"]["q"][0]


def test_two_hundred_characters_are_accepted(api, catalog):
    assert api.get(SEARCH.format("tracks"), {"q": "love " * 40}).status_code == 200


def test_one_letter_works_by_prefix(api, catalog):
    response = api.get(SEARCH.format("artists"), {"q": "k"})
    assert response.status_code == 200
    assert "Кино" not in _titles(response)  # a Latin k is not a Cyrillic к
    assert "Metallica" in _titles(api.get(SEARCH.format("artists"), {"q": "M"}))


@pytest.mark.parametrize("q", [
    "'; DROP TABLE tracks; --",
    "1' OR '1'='1",
    '{"query": {"match_all": {}}}',
    "title:* OR artist:*~",
    "%_\\",
    "🎸🎸",
    "!!!",
])
def test_sql_and_query_dsl_looking_strings_are_just_text(api, catalog, q):
    response = api.get(SEARCH.format("tracks"), {"q": q})
    assert response.status_code == 200, response.content
    assert isinstance(response.json()["results"], list)  # matched as words, if at all
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracks")
        assert cursor.fetchone()[0] == 11  # nothing was dropped


@pytest.mark.parametrize("q", ["🎸🎸", "!!!", "«»", "...", "~*"])
def test_a_query_without_letters_or_digits_finds_nothing(api, catalog, q):
    response = api.get(SEARCH.format("tracks"), {"q": q})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_quotes_and_operators_are_searched_as_words(api, catalog):
    assert _titles(api.get(SEARCH.format("tracks"), {"q": '"sandman"'})) == ["Enter Sandman"]
    # "-" is no NOT operator and "*" no wildcard: the title still matches.
    assert _titles(api.get(SEARCH.format("tracks"), {"q": "sandman* -enter"})) == ["Enter Sandman"]


@pytest.mark.parametrize(("params", "field"), [
    ({"year_min": "nineteen"}, "year_min"),
    ({"tempo_max": "fast"}, "tempo_max"),
    ({"energy_min": "2"}, "energy_min"),
    ({"artist": "acdc"}, "artist"),
    ({"year_min": "2000", "year_max": "1990"}, "year_min"),
    ({"page_size": "1000"}, "page_size"),
])
def test_filters_of_the_wrong_type_are_400_in_the_error_format(api, catalog, params, field):
    response = api.get(SEARCH.format("tracks"), {"q": "a", **params})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert field in body["fields"]


def test_filters_narrow_the_results(api, catalog):
    def get(q, **params):
        return _titles(api.get(SEARCH.format("tracks"), {"q": q, **params}))

    assert get("yesterday", genre="pop") == ["Yesterday", "Yesterday"]
    assert get("yesterday", genre="Rock") == []
    assert get("bells", genre=str(catalog["rock"].id)) == ["Hells Bells"]
    # "rock" is the genre of five tracks (weight C in the vector)
    assert set(get("rock")) == {"Hells Bells", "Come Together", "Enter Sandman", "Группа крови", "Storm"}
    assert get("rock", tempo_min=100, tempo_max=110) == ["Hells Bells"]
    assert set(get("rock", energy_min=0.9)) == {"Hells Bells", "Enter Sandman"}
    assert get("rock", year_min=1979, year_max=1981) == ["Hells Bells"]
    assert get("rock", artist=catalog["beatles"].id) == ["Come Together"]
    assert _titles(api.get(SEARCH.format("albums"), {"q": "a", "year_max": 1970})) == ["Abbey Road"]
    assert _titles(api.get(SEARCH.format("artists"), {"q": "the", "genre": "pop"})) == ["The Beatles"]


def test_paging_follows_the_ranking(api, catalog):
    first = api.get(SEARCH.format("tracks"), {"q": "yesterday", "page_size": 1}).json()
    second = api.get(SEARCH.format("tracks"), {"q": "yesterday", "page_size": 1, "page": 2}).json()
    assert first["count"] == 2
    assert first["results"][0]["artist"]["name"] == "The Beatles"
    assert second["results"][0]["artist"]["name"] == "Cover Band"
    assert first["next"] and not second["next"]


def test_private_playlists_only_for_their_owner(api, catalog):
    assert "Secret Road Songs" not in _titles(api.get(SEARCH.format("playlists"), {"q": "road"}))
    api.force_authenticate(catalog["owner"])
    assert "Secret Road Songs" in _titles(api.get(SEARCH.format("playlists"), {"q": "road"}))


def test_suggest_mixes_entities_from_the_first_letters(api, catalog):
    response = api.get("/api/v1/search/suggest", {"q": "bea"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert {"entity": "artist", "label": "The Beatles"}.items() <= results[0].items()
    assert {r["entity"] for r in results} >= {"artist", "track"}  # the Beatles' tracks, via the artist name
    abbey = api.get("/api/v1/search/suggest/", {"q": "abb"}).json()["results"]
    assert ("album", "Abbey Road") in [(r["entity"], r["label"]) for r in abbey]


def test_suggest_refuses_an_empty_query(api, catalog):
    assert api.get("/api/v1/search/suggest", {"q": ""}).status_code == 400


def test_searches_are_announced_after_commit(api, catalog, django_capture_on_commit_callbacks):
    received = []
    search_performed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-search")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            api.force_authenticate(catalog["owner"])
            api.get(SEARCH.format("artists"), {"q": "metall"})
    finally:
        search_performed.disconnect(dispatch_uid="test-search")
    assert len(received) == 1
    assert received[0]["user"] == catalog["owner"]
    assert (received[0]["query"], received[0]["results_count"], received[0]["entity"]) == ("metall", 1, "artist")


def test_click_is_announced(api, catalog, django_capture_on_commit_callbacks):
    received = []
    search_result_clicked.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-click")
    track = catalog["tracks"]["sandman"]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            api.force_authenticate(catalog["owner"])
            response = api.post("/api/v1/search/click", {"query": "sandman", "entity": "track", "result_id": track.id}, format="json")
    finally:
        search_result_clicked.disconnect(dispatch_uid="test-click")
    assert response.status_code == 204
    assert received == [{"signal": search_result_clicked, "sender": received[0]["sender"], "user": catalog["owner"],
                         "query": "sandman", "entity": "track", "result_id": track.id}]


@pytest.mark.parametrize("body", [
    {"query": "x", "entity": "song", "result_id": 1},
    {"query": "x", "entity": "track", "result_id": "one"},
    {"query": "x", "entity": "track"},
])
def test_bad_clicks_are_400_and_announce_nothing(api, catalog, body, django_capture_on_commit_callbacks):
    received = []
    search_result_clicked.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-bad-click")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/v1/search/click/", body, format="json")
    finally:
        search_result_clicked.disconnect(dispatch_uid="test-bad-click")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert received == []


def test_a_page_costs_a_fixed_number_of_queries(api, catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # + the credited artists' prefetch
        api.get(SEARCH.format("tracks"), {"q": "e"})


def test_every_kind_answers_exactly_the_fields_its_schema_lists(api, catalog):
    """The typed result schemas (search.serializers) describe what hit_to_dict really sends."""
    from search.serializers import HIT_SERIALIZERS

    api.force_authenticate(catalog["owner"])
    for kind, query in (("tracks", "hells"), ("artists", "beatles"), ("albums", "abbey"), ("playlists", "road")):
        results = api.get(SEARCH.format(kind), {"q": query}).json()["results"]
        assert results, kind
        serializer = HIT_SERIALIZERS[kind[:-1]]
        for result in results:
            assert set(result) == set(serializer().fields), kind
            checked = serializer(data=result)
            assert checked.is_valid(), (kind, checked.errors)


def test_a_repeated_search_is_one_cache_read_and_still_announced(api, catalog, django_capture_on_commit_callbacks,
                                                                  django_assert_max_num_queries):
    received = []
    search_performed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-search-cached")
    try:
        api.force_authenticate(UserFactory())
        with django_capture_on_commit_callbacks(execute=True):
            first = api.get(SEARCH.format("tracks"), {"q": "yesterday"}).json()
        with django_assert_max_num_queries(0), django_capture_on_commit_callbacks(execute=True):
            again = api.get(SEARCH.format("tracks"), {"q": "yesterday"}).json()
    finally:
        search_performed.disconnect(dispatch_uid="test-search-cached")
    assert again == first and len(first["results"]) == 2
    assert [(r["query"], r["results_count"]) for r in received] == [("yesterday", 2), ("yesterday", 2)]


def test_a_cached_search_follows_edits_and_hides(api, catalog, django_capture_on_commit_callbacks):
    from catalog.curation import tracks_hidden_set
    from catalog.services import track_update
    from tests.factories import AdminFactory

    admin = AdminFactory()
    api.force_authenticate(UserFactory())

    def titles(q):
        return [r["title"] for r in api.get(SEARCH.format("tracks"), {"q": q}).json()["results"]]

    assert titles("sandman") == ["Enter Sandman"] == titles("sandman")
    with django_capture_on_commit_callbacks(execute=True):
        track_update(actor=admin, track=catalog["tracks"]["sandman"], title="Enter Sandman (Live)")
    assert titles("sandman") == ["Enter Sandman (Live)"]
    with django_capture_on_commit_callbacks(execute=True):
        tracks_hidden_set(actor=admin, track_ids=[catalog["tracks"]["sandman"].pk], hidden=True)
    assert titles("sandman") == []


def test_a_cached_playlist_search_never_shows_someone_elses_private_playlist(api, catalog):
    owner = catalog["owner"]

    def titles(user):
        api.force_authenticate(user)
        return [r["title"] for r in api.get(SEARCH.format("playlists"), {"q": "road"}).json()["results"]]

    assert "Secret Road Songs" in titles(owner)
    assert "Secret Road Songs" not in titles(UserFactory()) and "Secret Road Songs" not in titles(None)
    assert "Secret Road Songs" in titles(owner)
