"""Issue 18: ALAC, AIFF and WavPack uploads end as tracks with their tags, and stream as something browsers play."""
from __future__ import annotations

import io
import urllib.parse

import av
import pytest
from rest_framework.test import APIClient

from catalog.transcode import transcode_key
from etl.models import UploadStatus
from etl.services import upload_process
from jonquils.storage import bucket_storage, local_copy, object_stat
from tests.audio import make_audio, make_image
from tests.storage.conftest import all_objects
from tests.storage.helpers import post_upload
from tests.storage.test_streaming import fetch

pytestmark = pytest.mark.django_db

TAGS = {"title": "Lossless Dawn", "artist": "Tag Artist", "album": "Spring", "tracknumber": "2", "date": "2021",
        "albumartist": "Various Artists", "compilation": "1", "synced": [("First line", 500), ("Second line", 1500)],
        "replaygain_track_gain": "-6.50 dB", "replaygain_track_peak": "0.988", "replaygain_album_gain": "-7.25 dB",
        "replaygain_album_peak": "1.012"}
MIME = {"alac": "audio/mp4", "aiff": "audio/aiff", "wavpack": "audio/x-wavpack"}


@pytest.mark.parametrize("fmt", ["alac", "aiff", "wavpack"])
def test_a_lossless_upload_is_tagged_analysed_streamed_as_flac_and_downloads_unchanged(storage_backend, settings,
                                                                                      artist_client, fmt):
    settings.STREAM_S3_REDIRECT = False
    # given a tagged file with cover art, uploaded through the API
    data = make_audio(fmt, duration_s=3, tags=TAGS, cover=make_image(500, 500))
    response = post_upload(artist_client, data, filename=f"song.{fmt}", content_type="application/octet-stream")
    assert response.status_code == 202, response.content
    assert response.json()["format"] == fmt

    # when it is processed
    upload = upload_process(upload_id=response.json()["id"])

    # then it is a track with its tags, features and cover
    assert upload.status == UploadStatus.DONE, upload.error_message
    track = upload.track
    assert (track.title, track.track_number, track.album.title, track.mime_type) == \
        ("Lossless Dawn", 2, "Spring", MIME[fmt])
    assert track.audio_format == fmt and 2900 <= track.duration_ms <= 3100
    assert track.album_artist_name == "Various Artists" and track.is_compilation is True
    assert (track.replay_gain_track_db, track.replay_gain_track_peak) == (-6.5, 0.988)
    assert (track.replay_gain_album_db, track.replay_gain_album_peak) == (-7.25, 1.012)
    assert track.lyrics == "First line\nSecond line"
    assert track.synced_lyrics == "[00:00.50]First line\n[00:01.50]Second line"
    assert track.tempo is not None and track.energy is not None and track.feature_vector
    assert len(all_objects()["covers"]) == 3

    detail = artist_client.get(f"/api/v1/tracks/{track.pk}").json()
    assert detail["replay_gain"] == {"track_gain_db": -6.5, "track_peak": 0.988, "album_gain_db": -7.25,
                                     "album_peak": 1.012}
    assert (detail["album_artist_name"], detail["is_compilation"], detail["has_lyrics"]) == ("Various Artists", True, True)
    assert detail["audio_format"] == fmt
    lyrics = artist_client.get(f"/api/v1/tracks/{track.pk}/lyrics").json()
    assert lyrics["synced"] == [{"start_ms": 500, "text": "First line"}, {"start_ms": 1500, "text": "Second line"}]

    # the stream (no format asked, as an <audio> element) is a FLAC transcode, cached and seekable
    status, headers, body = fetch(artist_client, f"/api/v1/tracks/{track.pk}/stream", {"Accept": "*/*"})
    assert status == 200 and headers["Content-Type"] == "audio/flac"
    with av.open(io.BytesIO(body)) as media:
        assert media.streams.audio[0].codec_context.name == "flac"
        assert 2.9 < sum(frame.samples for frame in media.decode(audio=0)) / 44100 < 3.1
    assert object_stat(bucket_storage("temp"), transcode_key(checksum=track.checksum, fmt="flac", bitrate=None))
    status, headers, part = fetch(artist_client, f"/api/v1/tracks/{track.pk}/stream", {"Range": "bytes=1000-"})
    assert status == 206 and part == body[1000:]
    assert headers["Content-Range"] == f"bytes 1000-{len(body) - 1}/{len(body)}"

    # the signed URL for <audio> carries the same choice; the original still downloads byte for byte
    signed = artist_client.get(f"/api/v1/tracks/{track.pk}/stream-url").json()
    assert signed["transcoded"] is True and signed["format"] == "flac" and signed["content_type"] == "audio/flac"
    query = urllib.parse.parse_qs(urllib.parse.urlparse(signed["url"]).query)
    assert query["format"] == ["flac"]
    status, _, played = fetch(APIClient(), signed["url"].split("testserver", 1)[1])
    assert (status, played) == (200, body)
    status, _, raw = fetch(artist_client, f"/api/v1/tracks/{track.pk}/stream?format=raw")
    assert (status, raw) == (200, data)
    status, _, original = fetch(artist_client, f"/api/v1/tracks/{track.pk}/download")
    assert (status, original) == (200, data)
    with local_copy(bucket_storage("tracks"), track.file_path) as path:
        assert path.read_bytes() == data


def test_a_24_bit_aiff_stays_24_bit_in_its_flac_stream(local_storage, artist_client, tmp_path):
    import numpy as np
    import soundfile

    path = tmp_path / "deep.aiff"
    soundfile.write(path, (0.3 * np.sin(np.linspace(0, 2000, 96000))).astype(np.float32), 48000,
                    subtype="PCM_24", format="AIFF")
    upload = upload_process(upload_id=post_upload(artist_client, path.read_bytes(), filename="deep.aiff").json()["id"])
    assert upload.status == UploadStatus.DONE, upload.error_message

    status, _, body = fetch(artist_client, f"/api/v1/tracks/{upload.track_id}/stream")

    with av.open(io.BytesIO(body)) as media:
        context = media.streams.audio[0].codec_context
        assert (context.name, context.sample_rate, context.format.name) == ("flac", 48000, "s32")


def test_an_mp4_with_another_codec_is_still_refused_clearly(local_storage, artist_client):
    # MP4 holding neither AAC nor ALAC: an MP3 stream muxed into M4A
    buffer = io.BytesIO()
    with av.open(io.BytesIO(make_audio("mp3", duration_s=1))) as src, av.open(buffer, "w", format="mp4") as dst:
        out = dst.add_stream_from_template(src.streams.audio[0])
        for packet in src.demux(src.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = out
                dst.mux(packet)
    response = post_upload(artist_client, buffer.getvalue(), filename="odd.m4a")
    assert response.status_code == 400
    assert "holds mp3float audio, which is not accepted" in " ".join(response.json()["fields"]["file"])
    assert all_objects()["tracks"] == []
