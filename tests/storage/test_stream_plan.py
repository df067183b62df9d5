"""catalog.stream_plan.stream_plan_for: which format a request gets (no storage involved)."""
import pytest

from catalog.models import Track
from catalog.stream_plan import NotAcceptable, StreamPlan, stream_plan_for

FIREFOX = "audio/webm,audio/ogg,audio/wav,audio/*;q=0.9,application/ogg;q=0.7,video/*;q=0.6,*/*;q=0.5"


def track(fmt: str, mime: str, **fields) -> Track:
    return Track(audio_format=fmt, mime_type=mime, file_path=f"x.{fmt}", **fields)


ALAC, FLAC, MP3, OPUS = (track("alac", "audio/mp4"), track("flac", "audio/flac"),
                         track("mp3", "audio/mpeg", file_size=320_000 * 10 // 8, duration_ms=10_000),
                         track("opus", "audio/ogg"))


@pytest.mark.parametrize(("item", "accept", "expected"), [
    (ALAC, None, StreamPlan("flac")),                    # nothing said: what every browser plays
    (ALAC, "*/*", StreamPlan("flac")),                   # Chromium's and Safari's <audio>
    (track("aiff", "audio/aiff"), "*/*", StreamPlan("flac")),
    (track("wavpack", "audio/x-wavpack"), None, StreamPlan("flac")),
    (FLAC, "*/*", StreamPlan()), (MP3, None, StreamPlan()),
    (OPUS, "*/*", StreamPlan("mp3", 192)),              # Safari has no Ogg
    (OPUS, FIREFOX, StreamPlan()),                       # Firefox names audio/ogg
    (ALAC, FIREFOX, StreamPlan("opus", 192)),            # ... and prefers it to the audio/* (FLAC)
    (ALAC, 'audio/mp4; codecs="alac", audio/flac;q=0.5', StreamPlan()),  # an Apple client
    (ALAC, "audio/mp4, audio/flac;q=0.5", StreamPlan("flac")),  # plain audio/mp4 means AAC
    (ALAC, "audio/mpeg", StreamPlan("mp3", 192)),
    (FLAC, "audio/ogg, audio/flac;q=0", StreamPlan("opus", 192)),
    (MP3, "application/json", StreamPlan()),             # an API client's default header: ignored
])
def test_accept_decides_when_no_format_is_asked(item, accept, expected):
    assert stream_plan_for(item, accept=accept) == expected


def test_a_requested_format_wins_and_raw_is_the_original():
    assert stream_plan_for(ALAC, requested_format="raw", accept="audio/flac") == StreamPlan()
    assert stream_plan_for(FLAC, requested_format="flac") == StreamPlan()
    assert stream_plan_for(ALAC, requested_format="flac") == StreamPlan("flac")
    assert stream_plan_for(MP3, requested_format="mp3") == StreamPlan()
    assert stream_plan_for(MP3, requested_format="mp3", bitrate=96) == StreamPlan("mp3", 96)
    assert stream_plan_for(ALAC, requested_format="opus", max_bitrate=100) == StreamPlan("opus", 96)


def test_max_bitrate_transcodes_only_originals_above_it():
    assert stream_plan_for(MP3, max_bitrate=320) == StreamPlan()
    assert stream_plan_for(MP3, max_bitrate=128) == StreamPlan("mp3", 128)
    assert stream_plan_for(ALAC, max_bitrate=64) == StreamPlan("mp3", 64)


def test_nothing_acceptable_is_a_clear_406():
    with pytest.raises(NotAcceptable, match="audio/flac, audio/ogg"):
        stream_plan_for(ALAC, accept="audio/webm")
    with pytest.raises(NotAcceptable, match="Unknown stream format"):
        stream_plan_for(ALAC, requested_format="wma")
