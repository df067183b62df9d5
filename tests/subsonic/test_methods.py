"""Every non-binary method over HTTP in every transport, each JSON answer validated against the spec."""
from __future__ import annotations

import pytest

from analytics.models import ListeningHistory
from playlists.models import Bookmark, Favorite, Playlist, PlayQueue, Rating, Star

pytestmark = pytest.mark.django_db


def al(album) -> str:
    return f"al-{album.pk}"


def ar(artist) -> str:
    return f"ar-{artist.pk}"


@pytest.mark.parametrize("method, params", [
    ("getLicense", {}), ("getMusicFolders", {}), ("getScanStatus", {}), ("getGenres", {}), ("getIndexes", {}),
    ("getArtists", {}), ("getNowPlaying", {}), ("getStarred", {}), ("getStarred2", {}), ("getPlaylists", {}),
    ("getBookmarks", {}), ("getPlayQueue", {}), ("getRandomSongs", {"size": 3}),
    ("getSongsByGenre", {"genre": "Rock"}), ("getTopSongs", {"artist": "The Abba"}),
    ("getUser", {"username": "sonic"}), ("getLyrics", {"artist": "The Abba", "title": "Dancing Queen"}),
    ("search3", {"query": "dancing"}), ("search2", {"query": "dancing"}), ("search3", {"query": ""}),
    ("getAlbumList2", {"type": "newest"}), ("getAlbumList", {"type": "alphabeticalByName"}),
])
def test_read_methods_every_way(subsonic, library, method, params):
    answers = subsonic.every_way(method, params)
    assert answers[0] == answers[-1] or method in ("getRandomSongs",)


def test_browsing_by_id(subsonic, library):
    abba, bach = library["artists"]
    arrival = library["albums"][0]
    song = library["tracks"][0]
    artist = subsonic.every_way("getArtist", {"id": ar(abba)})[0]["artist"]
    assert [a["name"] for a in artist["album"]] == ["Arrival", "Voulez-Vous"] and artist["albumCount"] == 2
    album = subsonic.every_way("getAlbum", {"id": al(arrival)})[0]["album"]
    assert album["songCount"] == 2 and album["year"] == 1976 and album["genre"] == "Rock"
    assert [s["track"] for s in album["song"]] == [1, 2]
    got = subsonic.every_way("getSong", {"id": str(song.pk)})[0]["song"]
    assert got["id"] == str(song.pk) and got["albumId"] == al(arrival) and got["artistId"] == ar(abba)
    assert got["isrc"] == ["SEAYD7601010"] and got["artists"] == [{"id": ar(abba), "name": "The Abba"}]
    assert got["duration"] == 180 and got["suffix"] == "mp3" and got["bpm"] == 100
    directory = subsonic.every_way("getMusicDirectory", {"id": ar(bach)})[0]["directory"]
    assert [c["title"] for c in directory["child"]] == ["Goldberg", "Loose Prelude"]
    directory = subsonic.every_way("getMusicDirectory", {"id": al(arrival)})[0]["directory"]
    assert len(directory["child"]) == 2
    info = subsonic.every_way("getArtistInfo2", {"id": ar(abba)})[0]["artistInfo2"]
    assert isinstance(info["similarArtist"], list)
    subsonic.every_way("getArtistInfo", {"id": ar(abba)})
    assert "Arrival" in subsonic.every_way("getAlbumInfo2", {"id": al(arrival)}, schema="getAlbumInfo")[0]["albumInfo"]["notes"]
    subsonic.every_way("getAlbumInfo", {"id": al(arrival)})
    similar = subsonic.every_way("getSimilarSongs2", {"id": str(song.pk)})[0]["similarSongs2"]["song"]
    assert similar and str(song.pk) not in {s["id"] for s in similar}
    subsonic.every_way("getSimilarSongs", {"id": ar(abba)})
    lyrics = subsonic.every_way("getLyricsBySongId", {"id": str(song.pk)})[0]["lyricsList"]["structuredLyrics"]
    assert lyrics[0]["synced"] is True and lyrics[0]["line"][1] == {"start": 3500, "value": "You can jive"}
    assert lyrics[1]["synced"] is False


def test_lists_are_arrays_even_empty_or_single(subsonic, library):
    assert subsonic.json("getStarred2")["starred2"] == {"artist": [], "album": [], "song": []}
    assert subsonic.json("getPlaylists")["playlists"] == {"playlist": []}
    result = subsonic.json("search3", {"query": "goldberg"})["searchResult3"]
    assert result["artist"] == [] and [a["name"] for a in result["album"]] == ["Goldberg"]
    assert [s["title"] for s in result["song"]] == ["Aria"]  # one element: still an array
    genres = subsonic.json("getGenres")["genres"]["genre"]
    assert {g["value"]: (g["songCount"], g["albumCount"]) for g in genres} == {"Rock": (3, 2), "Jazz": (1, 1)}
    assert subsonic.json("getMusicFolders")["musicFolders"]["musicFolder"] == [{"id": 1, "name": "Music"}]


def test_hidden_tracks_and_others_private_playlists_never_appear(subsonic, library):
    hidden = library["hidden"]
    subsonic.error("getSong", {"id": str(hidden.pk)}, code=70)
    subsonic.error("stream", {"id": str(hidden.pk)}, code=70)
    everything = subsonic.json("search3", {"query": "", "songCount": 500})["searchResult3"]
    assert str(hidden.pk) not in {s["id"] for s in everything["song"]}
    assert len(everything["song"]) == 5 and len(everything["album"]) == 3 and len(everything["artist"]) == 2
    goldberg = subsonic.json("getAlbum", {"id": al(library["albums"][2])})["album"]
    assert [s["title"] for s in goldberg["song"]] == ["Aria"]
    subsonic.error("getPlaylist", {"id": f"pl-{library['private_playlist'].pk}"}, code=70)
    subsonic.error("deletePlaylist", {"id": f"pl-{library['private_playlist'].pk}"}, code=70)


def test_unknown_ids_and_missing_parameters(subsonic, library):
    for method, param in [("getAlbum", "id"), ("getArtist", "id"), ("getSong", "id"), ("getMusicDirectory", "id"),
                          ("getPlaylist", "id"), ("getLyricsBySongId", "id"), ("getTopSongs", "artist"),
                          ("getSongsByGenre", "genre"), ("getAlbumList2", "type"), ("star", "id"), ("scrobble", "id"),
                          ("setRating", "id"), ("createBookmark", "id"), ("getUser", "username")]:
        subsonic.error(method, {}, code=10)
    for method, value in [("getAlbum", "al-99999"), ("getAlbum", "12"), ("getArtist", "ar-x"), ("getSong", "al-1"),
                          ("getSong", "-1"), ("getPlaylist", "pl-99999"), ("star", "99999")]:
        subsonic.error(method, {"id": value}, code=70)
    subsonic.error("getAlbumList2", {"type": "bogus"}, code=10)
    subsonic.error("getAlbumList2", {"type": "newest", "size": "ten"}, code=10)
    subsonic.error("getAlbumList2", {"type": "newest", "size": "501"}, code=10)
    subsonic.error("getAlbumList2", {"type": "byYear", "fromYear": "1970"}, code=10)


def test_album_list_types_and_paging(subsonic, library):
    arrival, voulez, goldberg = library["albums"]
    names = lambda kind, **extra: [a["name"] for a in subsonic.json("getAlbumList2", {"type": kind, **extra})["albumList2"]["album"]]  # noqa: E731
    assert names("alphabeticalByName") == ["Arrival", "Goldberg", "Voulez-Vous"]
    assert names("alphabeticalByName", size=1, offset=1) == ["Goldberg"]
    assert names("alphabeticalByArtist") == ["Goldberg", "Arrival", "Voulez-Vous"]
    assert names("byYear", fromYear=1975, toYear=1980) == ["Arrival", "Voulez-Vous"]
    assert names("byYear", fromYear=1980, toYear=1700) == ["Voulez-Vous", "Arrival", "Goldberg"]
    assert names("byGenre", genre="jazz") == ["Goldberg"]
    assert sorted(names("random")) == ["Arrival", "Goldberg", "Voulez-Vous"]
    assert names("starred") == [] and names("highest") == [] and names("frequent") == [] and names("recent") == []
    subsonic.json("star", {"albumId": al(voulez)})
    subsonic.json("setRating", {"id": al(goldberg), "rating": 4})
    subsonic.json("scrobble", {"id": str(library["tracks"][0].pk)})
    assert names("starred") == ["Voulez-Vous"] and names("highest") == ["Goldberg"]
    assert names("frequent") == ["Arrival"] and names("recent") == ["Arrival"]
    assert len(names("newest")) == 3
    assert subsonic.json("getAlbumList", {"type": "starred"})["albumList"]["album"][0]["isDir"] is True


def test_star_unstar_and_rating(subsonic, library, listener):
    song, abba, arrival = library["tracks"][0], library["artists"][0], library["albums"][0]
    for way_answer in subsonic.every_way("star", {"id": str(song.pk), "albumId": al(arrival), "artistId": ar(abba)}):
        assert way_answer["status"] == "ok"
    assert Favorite.objects.filter(user=listener, track=song).count() == 1  # the web app's like
    assert Star.objects.filter(user=listener).count() == 2
    starred = subsonic.json("getStarred2")["starred2"]
    assert [s["id"] for s in starred["song"]] == [str(song.pk)] and starred["song"][0]["starred"].endswith("Z")
    assert [a["id"] for a in starred["album"]] == [al(arrival)] and [a["id"] for a in starred["artist"]] == [ar(abba)]
    subsonic.every_way("setRating", {"id": str(song.pk), "rating": 5})
    assert subsonic.json("getSong", {"id": str(song.pk)})["song"]["userRating"] == 5
    subsonic.json("setRating", {"id": str(song.pk), "rating": 0})
    assert "userRating" not in subsonic.json("getSong", {"id": str(song.pk)})["song"]
    subsonic.error("setRating", {"id": str(song.pk), "rating": 6}, code=10)
    subsonic.error("setRating", {"id": str(library["hidden"].pk), "rating": 3}, code=70)
    assert not Rating.objects.filter(user=listener).exists()
    subsonic.every_way("unstar", {"id": [str(song.pk), al(arrival), ar(abba)]})
    assert not Favorite.objects.filter(user=listener).exists() and not Star.objects.filter(user=listener).exists()
    subsonic.error("star", {"id": str(library["hidden"].pk)}, code=70)


def test_playlist_round_trip(subsonic, library, listener):
    a, b, c = (str(t.pk) for t in library["tracks"][:3])
    created = subsonic.json("createPlaylist", {"name": "Road trip", "songId": [a, b]})["playlist"]
    assert created["name"] == "Road trip" and [e["id"] for e in created["entry"]] == [a, b]
    pid = created["id"]
    assert pid.startswith("pl-") and created["songCount"] == 2 and created["owner"] == "sonic"
    subsonic.every_way("getPlaylist", {"id": pid})
    subsonic.every_way("updatePlaylist", {"playlistId": pid, "name": "Road trip 2", "public": "true", "comment": "go"})
    subsonic.json("updatePlaylist", {"playlistId": pid, "songIdToAdd": [c], "songIndexToRemove": ["0"]})
    playlist = subsonic.json("getPlaylist", {"id": pid})["playlist"]
    assert [e["id"] for e in playlist["entry"]] == [b, c] and playlist["public"] is True and playlist["comment"] == "go"
    replaced = subsonic.json("createPlaylist", {"playlistId": pid, "songId": [c, a, c]})["playlist"]
    assert [e["id"] for e in replaced["entry"]] == [c, a, c] and replaced["name"] == "Road trip 2"
    assert [p["id"] for p in subsonic.json("getPlaylists")["playlists"]["playlist"]] == [pid]
    # a hidden song or a bad index changes nothing
    subsonic.error("updatePlaylist", {"playlistId": pid, "songIdToAdd": [str(library["hidden"].pk)]}, code=70)
    subsonic.error("updatePlaylist", {"playlistId": pid, "songIndexToRemove": ["7"]}, code=70)
    assert len(subsonic.json("getPlaylist", {"id": pid})["playlist"]["entry"]) == 3
    subsonic.json("createPlaylist", {"name": "Empty"})
    subsonic.json("deletePlaylist", {"id": pid})
    assert not Playlist.objects.filter(pk=int(pid[3:])).exists()
    subsonic.error("createPlaylist", {}, code=10)


def test_scrobble_records_one_listen_and_now_playing(subsonic, library, listener, client):
    song = library["tracks"][0]
    subsonic.json("scrobble", {"id": str(song.pk), "submission": "false"})
    entry = subsonic.json("getNowPlaying")["nowPlaying"]["entry"]
    assert [(e["id"], e["username"], e["playerName"]) for e in entry] == [(str(song.pk), "sonic", "pytest")]
    assert not ListeningHistory.objects.exists()  # now playing counts no play
    for way_answer in subsonic.every_way("scrobble", {"id": str(song.pk)}):
        assert way_answer["status"] == "ok"
    listens = list(ListeningHistory.objects.filter(user=listener))
    assert len(listens) == 1 and listens[0].platform == "subsonic"  # the re-sent scrobbles counted once
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(listener)
    history = api.get("/api/v1/me/history").json()
    assert [(item["track"]["id"], item["platform"]) for item in history["results"]] == [(song.pk, "subsonic")]


def test_scrobble_with_times_records_each(subsonic, library, listener):
    import time

    a, b = library["tracks"][0], library["tracks"][1]
    now_ms = int(time.time() * 1000)
    subsonic.json("scrobble", {"id": [str(a.pk), str(b.pk)], "time": [str(now_ms - 900_000), str(now_ms - 600_000)]})
    assert ListeningHistory.objects.filter(user=listener).count() == 2
    subsonic.error("scrobble", {"id": [str(a.pk)], "time": ["1", "2"]}, code=10)
    subsonic.error("scrobble", {"id": str(a.pk), "time": "soon"}, code=10)


def test_bookmarks(subsonic, library, listener):
    song = library["tracks"][0]
    subsonic.every_way("createBookmark", {"id": str(song.pk), "position": 61_000, "comment": "chorus"})
    assert Bookmark.objects.filter(user=listener).count() == 1
    marks = subsonic.json("getBookmarks")["bookmarks"]["bookmark"]
    assert marks[0]["position"] == 61_000 and marks[0]["entry"]["id"] == str(song.pk) and marks[0]["comment"] == "chorus"
    subsonic.error("createBookmark", {"id": str(song.pk), "position": "-5"}, code=10)
    subsonic.every_way("deleteBookmark", {"id": str(song.pk)})
    assert subsonic.json("getBookmarks")["bookmarks"]["bookmark"] == []


def test_play_queue_is_the_web_players_queue(subsonic, library, listener):
    from rest_framework.test import APIClient

    a, b, c = (t.pk for t in library["tracks"][:3])
    subsonic.every_way("savePlayQueue", {"id": [str(a), str(b), str(c)], "current": str(b), "position": 42_000})
    api = APIClient()
    api.force_authenticate(listener)
    shared = api.get("/api/v1/me/play-queue").json()
    assert shared["track_ids"] == [a, b, c] and shared["current_index"] == 1 and shared["position_ms"] == 42_000
    api.put("/api/v1/me/play-queue", {"track_ids": [c, a], "current_index": 0, "position_ms": 5_000}, format="json")
    queue = subsonic.every_way("getPlayQueue")[0]["playQueue"]
    assert [e["id"] for e in queue["entry"]] == [str(c), str(a)] and queue["current"] == str(c)
    assert queue["position"] == 5_000 and queue["username"] == "sonic"
    subsonic.error("savePlayQueue", {"id": [str(library["hidden"].pk)]}, code=70)
    subsonic.error("savePlayQueue", {"id": [str(a)], "current": str(b)}, code=10)
    assert PlayQueue.objects.get(user=listener).entries.count() == 2


def test_get_user_and_scan(subsonic, library, listener):
    user = subsonic.json("getUser", {"username": "sonic"})["user"]
    assert user["adminRole"] is False and user["streamRole"] is True and user["folder"] == [1]
    subsonic.error("getUser", {"username": "someone"}, code=50)
    subsonic.error("startScan", code=50)
    assert subsonic.json("getScanStatus")["scanStatus"]["count"] == 5


def test_get_indexes_if_modified_since(subsonic, library):
    indexes = subsonic.json("getIndexes")["indexes"]
    assert [i["name"] for i in indexes["index"]] == ["A", "B"]  # "The Abba" files under A
    later = subsonic.json("getIndexes", {"ifModifiedSince": indexes["lastModified"]})["indexes"]
    assert later["index"] == []


def test_playlist_totals_count_only_playable_entries(subsonic, library, listener):
    from playlists.models import PlaylistTrack
    from tests.factories import PlaylistFactory

    playlist = PlaylistFactory(owner=listener, title="Mixed")
    PlaylistTrack.objects.create(playlist=playlist, track=library["tracks"][0], position=0)
    PlaylistTrack.objects.create(playlist=playlist, track=library["hidden"], position=1)
    listed = subsonic.json("getPlaylists")["playlists"]["playlist"]
    shown = subsonic.json("getPlaylist", {"id": f"pl-{playlist.pk}"})["playlist"]
    assert listed[0]["songCount"] == shown["songCount"] == len(shown["entry"]) == 1
    assert listed[0]["duration"] == shown["duration"] == 180
