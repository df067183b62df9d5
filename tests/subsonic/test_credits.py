"""Credited artists through Subsonic: OpenSubsonic `artists`, `albumArtists`, `displayArtist`, and an
artist's albums and songs where they are credited (catalog.selectors is the one place)."""
from __future__ import annotations

import pytest

from tests.catalog.test_credits import feat  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db


def _by_name(items):
    return [item["name"] for item in items]


def test_song_and_album_carry_every_credited_artist_in_order(subsonic, feat):  # noqa: F811
    song = subsonic.json("getSong", {"id": str(feat["track"].pk)})["song"]
    assert _by_name(song["artists"]) == ["Café Tacvba", "Ana Tijoux", "Mon Laferte"]
    assert song["displayArtist"] == "Café Tacvba feat. Ana Tijoux & Mon Laferte"
    assert song["artistId"] == f"ar-{feat['main'].pk}"
    assert _by_name(song["albumArtists"]) == ["Various Artists"]
    album = subsonic.json("getAlbum", {"id": f"al-{feat['album'].pk}"})["album"]
    assert _by_name(album["artists"]) == ["Various Artists"] and album["displayArtist"] == "Various Artists"
    assert _by_name(album["song"][0]["artists"]) == ["Café Tacvba", "Ana Tijoux", "Mon Laferte"]


def test_a_featured_artist_has_the_track_as_a_top_song_and_is_found_by_search(subsonic, feat):  # noqa: F811
    top = subsonic.json("getTopSongs", {"artist": "Ana Tijoux"})["topSongs"]["song"]
    assert [s["title"] for s in top] == ["Eres"]
    found = subsonic.json("search3", {"query": "Tijoux"})["searchResult3"]
    assert "Eres" in [s["title"] for s in found["song"]]


def test_lists_of_credited_songs_cost_a_fixed_number_of_queries(subsonic, feat, django_assert_max_num_queries):  # noqa: F811
    from tests.catalog.test_credits import credited_track

    for index in range(30):
        credited_track(feat["main"], (feat["ana"], "featured"), title=f"Song {index}", album=feat["album"])
    with django_assert_max_num_queries(12):
        album = subsonic.json("getAlbum", {"id": f"al-{feat['album'].pk}"})["album"]
    assert len(album["song"]) == 31
    assert all(len(s["artists"]) >= 2 for s in album["song"])
