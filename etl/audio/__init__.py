"""Audio analysis for the pipeline: decoding, measured features, tags, cover art."""
