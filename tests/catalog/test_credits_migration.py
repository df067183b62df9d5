"""catalog 0004 credits every existing track and album to its current artist; search 0002 then finds them."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("catalog", "0003_track_lyrics_replay_gain_format"), ("search", "0001_search_columns")]


def test_existing_tracks_and_albums_are_credited_to_their_artist_and_stay_findable():
    # given a catalog as it was before credits existed
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Artist, Album, Track = (old.get_model("catalog", name) for name in ("Artist", "Album", "Track"))
    seal = Artist.objects.create(name="Seal")
    album = Album.objects.create(artist=seal, title="Seal II")
    kiss = Track.objects.create(artist=seal, album=album, title="Kiss from a Rose", processing_status="ready")
    loose = Track.objects.create(artist=Artist.objects.create(name="Crazy Horse"), title="Loose", processing_status="ready")

    # when the migrations run
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # then every row is credited, in position 0, as main
    from catalog.models import AlbumArtist, TrackArtist
    from catalog.selectors import track_display_artist

    assert set(TrackArtist.objects.values_list("track_id", "artist_id", "position", "role")) == {
        (kiss.pk, seal.pk, 0, "main"), (loose.pk, loose.artist_id, 0, "main")}
    assert list(AlbumArtist.objects.values_list("album_id", "artist_id", "position")) == [(album.pk, seal.pk, 0)]
    from catalog.models import Track as CurrentTrack

    assert track_display_artist(CurrentTrack.objects.get(pk=kiss.pk)) == "Seal"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tracks WHERE search_vector @@ to_tsquery('simple', 'seal')")
        assert [row[0] for row in cursor.fetchall()] == [kiss.pk]
