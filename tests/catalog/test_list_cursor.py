"""Catalog lists page by cursor (no OFFSET) through their `next` links; counts and track details are cached for public viewers."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import curation, services
from catalog.models import Track
from tests.factories import AdminFactory, ArtistFactory, TrackFactory

from .helpers import V1, assert_error, client_for, ids

pytestmark = pytest.mark.django_db

ORDERINGS = ["", "popularity", "-popularity", "created", "-created", "title", "-title"]


@pytest.fixture
def catalog():
    artist = ArtistFactory()
    # Many equal sort keys: only the id tiebreak makes the order total.
    return [TrackFactory(artist=artist, popularity=float(i % 3), title="Same" if i % 4 else f"Other {i}") for i in range(23)]


def _walk(client, url: str) -> tuple[list[int], list[dict]]:
    seen, bodies = [], []
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        bodies.append(body)
        url = body["next"]
    return seen, bodies


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_following_next_returns_exactly_the_rows_of_the_numbered_pages(ordering, catalog):
    client = client_for()
    query = f"ordering={ordering}&" if ordering else ""

    walked, bodies = _walk(client, f"{V1}/tracks/?{query}page_size=4")

    numbered = []
    for page in range(1, 7):
        numbered += ids(client.get(f"{V1}/tracks/?{query}page_size=4&page={page}"))
    assert walked == numbered and len(walked) == 23
    assert all("cursor=" in body["next"] for body in bodies[:-1]) and bodies[-1]["next"] is None
    assert {body["count"] for body in bodies} == {23}
    # previous of a cursor page is the numbered page before it
    assert ids(client.get(bodies[3]["previous"])) == ids(client.get(f"{V1}/tracks/?{query}page_size=4&page=3"))
    assert "page=" not in bodies[1]["previous"] and "cursor=" not in bodies[1]["previous"]


def test_a_cursor_page_seeks_instead_of_offset_and_does_not_count_again(catalog):
    client = client_for()
    first = client.get(f"{V1}/tracks/?ordering=-popularity&page_size=5").json()
    second = client.get(first["next"]).json()

    with CaptureQueriesContext(connection) as queries:
        third = client.get(second["next"])

    assert third.status_code == 200 and len(ids(third)) == 5
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any("OFFSET" in s.upper() for s in sql), sql
    assert not any("COUNT(" in s.upper() for s in sql), sql  # the count is cached for this catalog version


def test_the_deep_page_matches_offset(catalog):
    client = client_for()
    _, bodies = _walk(client, f"{V1}/tracks/?ordering=title&page_size=2")
    deep = bodies[9]
    assert deep["results"] == client.get(f"{V1}/tracks/?ordering=title&page_size=2&page=10").json()["results"]


def test_hiding_a_track_changes_the_cached_count_and_the_cached_detail(catalog, django_capture_on_commit_callbacks):
    client = client_for()
    target = catalog[0]
    assert client.get(f"{V1}/tracks/?page_size=5").json()["count"] == 23
    assert client.get(f"{V1}/tracks/{target.id}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        curation.tracks_hidden_set(actor=AdminFactory(), track_ids=[target.id], hidden=True)

    assert client.get(f"{V1}/tracks/?page_size=5").json()["count"] == 22
    assert client.get(f"{V1}/tracks/{target.id}/").status_code == 404


def test_a_track_edit_is_seen_at_once_by_the_cached_detail(catalog, django_capture_on_commit_callbacks):
    client = client_for()
    track = catalog[1]
    assert client.get(f"{V1}/tracks/{track.id}/").json()["title"] == track.title

    with django_capture_on_commit_callbacks(execute=True):
        services.track_update(actor=AdminFactory(), track=track, title="Renamed")

    assert client.get(f"{V1}/tracks/{track.id}/").json()["title"] == "Renamed"


def test_a_second_anonymous_track_detail_is_served_without_the_database(catalog, django_assert_num_queries):
    url = f"{V1}/tracks/{catalog[2].id}/"
    first = client_for().get(url)
    with django_assert_num_queries(0):
        second = client_for().get(url)
    assert second.json() == first.json()


def test_admins_never_share_the_cached_count(catalog):
    client = client_for()
    hidden = TrackFactory(artist=catalog[0].artist, hidden=True)
    assert client.get(f"{V1}/tracks/").json()["count"] == 23
    admin_body = client_for(AdminFactory()).get(f"{V1}/tracks/?page_size=30").json()
    assert admin_body["count"] == Track.objects.count() == 24 and hidden.id in [r["id"] for r in admin_body["results"]]


@pytest.mark.parametrize("cursor", ["zzz", "eyJwIjoyfQ", "e30", "%%%"])
def test_an_unreadable_cursor_is_a_400(cursor, catalog):
    assert_error(client_for().get(f"{V1}/tracks/?cursor={cursor}"), 400, "invalid", {"cursor"})


def test_a_cursor_of_another_ordering_is_a_400(catalog):
    client = client_for()
    by_title = client.get(f"{V1}/tracks/?ordering=title&page_size=3").json()["next"]
    assert_error(client.get(by_title.replace("ordering=title", "ordering=-popularity")), 400, "invalid", {"cursor"})


def test_a_cursor_with_a_value_of_the_wrong_type_is_a_400(catalog):
    import base64
    import json

    raw = base64.urlsafe_b64encode(json.dumps({"p": 2, "o": ["-created_at", "-id"], "k": ["not a date", 3]}).encode()).decode()
    assert_error(client_for().get(f"{V1}/tracks/?ordering=-created&cursor={raw}"), 400, "invalid", {"cursor"})


def test_a_second_anonymous_list_page_is_served_without_the_database(catalog, django_assert_num_queries):
    client = client_for()
    next_url = client.get(f"{V1}/tracks/?ordering=-popularity&page_size=5").json()["next"]
    first = client.get(next_url)
    with django_assert_num_queries(0):
        second = client.get(next_url)
    assert second.json() == first.json()


def test_a_new_track_appears_in_the_cached_list_at_once(catalog, django_capture_on_commit_callbacks):
    client = client_for()
    assert client.get(f"{V1}/tracks/?ordering=-popularity&page_size=5").json()["count"] == 23
    with django_capture_on_commit_callbacks(execute=True):
        track = services.track_update(actor=AdminFactory(), track=catalog[5], title="Now on top")
        Track.objects.filter(pk=track.pk).update(popularity=1000)
        from catalog.cache import catalog_cache_invalidate

        catalog_cache_invalidate()  # as etl.aggregates does after scoring
    assert ids(client.get(f"{V1}/tracks/?ordering=-popularity&page_size=5"))[0] == track.pk
