"""Audio by content: format detection and decoding (`probe`), tags and cover art (`tags`), lyrics (`lyrics`)."""
from .lyrics import parse_lrc, split_lyrics
from .probe import (
    ACCEPTED,
    FORMATS,
    AudioFormat,
    AudioInfo,
    AudioRejected,
    analysis_windows,
    decode_for_analysis,
    decode_fully,
    probe_audio,
    sniff_container,
)
from .tags import artist_credits, clean_text, embedded_cover, read_tags, read_tags_and_cover, split_featured

__all__ = ["ACCEPTED", "FORMATS", "AudioFormat", "AudioInfo", "AudioRejected", "analysis_windows", "clean_text", "decode_for_analysis",
           "decode_fully", "embedded_cover", "parse_lrc", "probe_audio", "read_tags", "read_tags_and_cover", "sniff_container",
           "split_featured", "split_lyrics", "artist_credits"]
