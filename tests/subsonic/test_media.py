"""stream (Range on the original, maxBitRate, format=raw, timeOffset), download, getCoverArt."""
from __future__ import annotations

import io

import av
import pytest
from PIL import Image

from analytics.models import ListeningHistory
from tests.factories import AdminFactory

from .media_helpers import stored_track

pytestmark = pytest.mark.django_db


def _bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_stream_original_with_range_and_no_play_counted(subsonic):
    track = stored_track(title="Ranged")
    whole = subsonic.raw("stream", {"id": str(track.pk)}, fmt=None)
    assert whole.status_code == 200 and whole["Content-Type"] == "audio/mpeg"
    body = _bytes(whole)
    assert len(body) == track.file_size
    for way in (("GET", ".view"), ("POST-form", "")):
        part = subsonic.raw("stream", {"id": str(track.pk), "format": "raw"}, way=way, fmt=None,
                            headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{track.file_size}"
        assert _bytes(part) == body[100:200]
    assert not ListeningHistory.objects.exists()


def _decoded(data: bytes) -> tuple[str, float, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return stream.codec_context.name, samples / stream.codec_context.sample_rate, stream.bit_rate or 0


@pytest.mark.slow
def test_max_bitrate_transcodes_to_audio_near_that_bitrate(subsonic):
    track = stored_track(title="Lossless", fmt="wav", duration_s=6)
    response = subsonic.raw("stream", {"id": str(track.pk), "maxBitRate": 128}, fmt=None)
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    data = _bytes(response)
    codec, seconds, _ = _decoded(data)
    assert codec.startswith("mp3") and abs(seconds - 6) < 0.2
    kbps = len(data) * 8 / seconds / 1000
    assert 110 < kbps < 140, kbps
    # a finished transcode answers Range too, and timeOffset starts later in the same stream
    part = subsonic.raw("stream", {"id": str(track.pk), "maxBitRate": 128}, fmt=None, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and _bytes(part) == data[:100]
    later = _bytes(subsonic.raw("stream", {"id": str(track.pk), "maxBitRate": 128, "timeOffset": 3}, fmt=None))
    codec, seconds, _ = _decoded(later)
    assert codec.startswith("mp3") and 2.5 < seconds < 3.5
    raw = subsonic.raw("stream", {"id": str(track.pk), "format": "raw", "maxBitRate": 128}, fmt=None)
    assert raw["Content-Type"] == "audio/wav" and len(_bytes(raw)) == track.file_size


def test_download_is_the_original_for_the_artist_and_admins_only(subsonic):
    track = stored_track(title="Keep")
    subsonic.error("download", {"id": str(track.pk)}, code=50)
    admin = AdminFactory()
    from accounts.subsonic_credentials import subsonic_credentials_create

    issued = subsonic_credentials_create(user=admin)
    response = subsonic.raw("download", {"id": str(track.pk)}, fmt=None,
                            auth={"u": admin.username, "p": issued.password})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert len(_bytes(response)) == track.file_size


def test_cover_art_of_song_album_artist_and_playlist(subsonic, listener):
    track = stored_track(title="Covered", cover=True)
    playlist = subsonic.json("createPlaylist", {"name": "With cover", "songId": str(track.pk)})["playlist"]
    for cover_id in (str(track.pk), f"al-{track.album_id}", f"ar-{track.artist_id}", playlist["id"]):
        response = subsonic.raw("getCoverArt", {"id": cover_id, "size": 100}, fmt=None)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", cover_id
        image = Image.open(io.BytesIO(_bytes(response)))
        assert image.size == (300, 300)  # the smallest stored size at least as big as asked
    big = Image.open(io.BytesIO(_bytes(subsonic.raw("getCoverArt", {"id": str(track.pk)}, fmt=None))))
    assert big.size == (600, 600)
    bare = stored_track(title="Bare")
    subsonic.error("getCoverArt", {"id": str(bare.pk)}, code=70)


def test_binary_methods_answer_in_every_transport(subsonic):
    from .conftest import WAYS

    track = stored_track(title="Everywhere", cover=True)
    admin = AdminFactory()
    from accounts.subsonic_credentials import subsonic_credentials_create

    admin_auth = {"u": admin.username, "p": subsonic_credentials_create(user=admin).password}
    for way in WAYS:
        stream = subsonic.raw("stream", {"id": str(track.pk)}, way=way, fmt=None)
        assert stream.status_code == 200 and stream["Content-Type"] == "audio/mpeg", way
        assert len(_bytes(stream)) == track.file_size
        cover = subsonic.raw("getCoverArt", {"id": f"al-{track.album_id}", "size": 64}, way=way, fmt=None)
        assert cover.status_code == 200 and cover["Content-Type"] == "image/jpeg", way
        download = subsonic.raw("download", {"id": str(track.pk)}, way=way, fmt=None, auth=admin_auth)
        assert download.status_code == 200 and len(_bytes(download)) == track.file_size, way
