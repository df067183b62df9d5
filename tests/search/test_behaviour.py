"""The behaviour users expect, as a table: query -> expected top results, on every backend."""
from __future__ import annotations

import pytest

from search.selectors import hits_hydrate
from search.services import search_request_build, search_run
from tests.factories import AdminFactory, UserFactory

TABLE = [
    # (entity, query, expected names at the top, in this order)
    ("artist", "beyonce", ["Beyoncé"]),
    ("artist", "BEYONCÉ", ["Beyoncé"]),
    ("artist", "ac dc", ["AC/DC"]),
    ("artist", "acdc", ["AC/DC"]),
    ("artist", "AC-DC", ["AC/DC"]),
    ("artist", "beatles the", ["The Beatles"]),
    ("artist", "beatels", ["The Beatles"]),
    ("artist", "metalica", ["Metallica"]),
    ("artist", "metall", ["Metallica"]),
    ("artist", "Кино", ["Кино"]),
    ("artist", "кино", ["Кино"]),
    ("artist", "thunder", ["Thunder", "Someone Else"]),  # name outranks bio, despite popularity
    ("track", "sandman enter", ["Enter Sandman"]),
    ("track", "metallica", ["Enter Sandman"]),
    ("track", "yesterday", ["Yesterday by The Beatles", "Yesterday by Cover Band"]),  # popularity breaks the tie
    ("track", "группа", ["Группа крови"]),
    ("track", "hells bels", ["Hells Bells"]),
    ("album", "black", ["Back in Black"]),
    ("album", "abbey", ["Abbey Road"]),
    ("playlist", "road trip", ["Road Trip", "Mix"]),  # title outranks description, despite popularity
]


def _name(entity: str, obj) -> str:
    if entity == "artist":
        return obj.name
    if entity == "track" and obj.title == "Yesterday":
        return f"{obj.title} by {obj.artist.name}"
    return obj.title


@pytest.mark.django_db
@pytest.mark.parametrize(("entity", "query", "expected"), TABLE, ids=[f"{e}:{q}" for e, q, _ in TABLE])
def test_query_finds_expected_top_results(catalog, entity, query, expected):
    hits = search_run(request=search_request_build(entity=entity, query=query), announce=False)
    names = [_name(entity, obj) for _, obj in hits_hydrate(hits=hits)]
    assert names[: len(expected)] == expected, names


@pytest.mark.django_db
def test_one_letter_finds_by_prefix(catalog):
    hits = search_run(request=search_request_build(entity="artist", query="m"), announce=False)
    assert "Metallica" in [obj.name for _, obj in hits_hydrate(hits=hits)]


@pytest.mark.django_db
def test_private_playlists_are_found_only_by_their_owner(catalog):
    def titles(user):
        request = search_request_build(entity="playlist", query="road", user=user)
        return [obj.title for _, obj in hits_hydrate(hits=search_run(request=request, announce=False), user=user)]

    assert "Secret Road Songs" not in titles(None)
    assert "Secret Road Songs" not in titles(UserFactory())
    assert "Secret Road Songs" in titles(catalog["owner"])
    assert "Secret Road Songs" in titles(AdminFactory())  # as through the API's playlist list
