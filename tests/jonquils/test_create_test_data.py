import io

import mutagen
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from accounts.models import Role, User
from analytics.models import ListeningHistory
from catalog.models import Album, Artist, Genre, ProcessingStatus, Track
from playlists.models import Favorite, Playlist, PlaylistTrack

pytestmark = pytest.mark.django_db


def _counts():
    return {model.__name__: model.objects.count()
            for model in (User, Genre, Artist, Album, Track, Playlist, PlaylistTrack, Favorite, ListeningHistory)}


def test_builds_a_realistic_catalog_with_real_audio_and_is_idempotent():
    out = io.StringIO()
    call_command("create_test_data", stdout=out)
    first = _counts()

    # every role is present, artists own their profiles
    assert set(User.objects.values_list("role", flat=True)) >= {Role.USER, Role.ARTIST}
    assert Artist.objects.filter(user__role=Role.ARTIST).count() == 2
    assert first["Genre"] >= 5 and first["Track"] >= 15 and first["ListeningHistory"] > 100
    assert Artist.objects.filter(name="Полярная Ночь").exists()  # unicode names survive

    # every track is playable: its object exists and is real audio of the stated length
    for track in Track.objects.all():
        assert track.processing_status == ProcessingStatus.READY
        with default_storage.open(track.file_path) as handle:
            data = handle.read()
        assert len(data) == track.file_size
        audio = mutagen.File(io.BytesIO(data))
        assert audio is not None and abs(audio.info.length * 1000 - track.duration_ms) < 200

    # every track has a cover at each size the cover endpoint serves (the pages show them)
    from catalog.covers import cover_exists

    assert all(cover_exists(track_id=track.pk, size=size) for track in Track.objects.all() for size in (64, 300, 600))

    # playlists keep dense positions and may repeat a track
    for playlist in Playlist.objects.all():
        positions = list(playlist.entries.values_list("position", flat=True))
        assert positions == list(range(len(positions)))

    # a second run changes nothing
    call_command("create_test_data", stdout=io.StringIO())
    assert _counts() == first
    assert "password" in out.getvalue()
