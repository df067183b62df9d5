"""Domain signals of collecting music, sent after the write commits (analytics records them).

track_liked:             user, track
track_added_to_playlist: user (who added it), track, playlist
"""
from django.dispatch import Signal

track_liked = Signal()
track_added_to_playlist = Signal()
