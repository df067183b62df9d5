"""Signal receivers: turn domain events into buffered analytics events (enqueue only)."""
from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from playlists.signals import track_added_to_playlist, track_liked
from search.signals import search_performed, search_result_clicked

from . import buffer
from .events import credited_artist_ids, listen_events, record_event, record_search, record_search_click, record_user_event
from .signals import listen_recorded


@receiver(listen_recorded, dispatch_uid="analytics.listen_to_clickhouse")
def listen_to_clickhouse(sender, listens, **kwargs):
    """Queue the listens' play (and complete/skip) events in one push; sent after their commit."""
    buffer.push_quietly([event for listen in listens for event in listen_events(listen)])


@receiver(user_logged_in, dispatch_uid="analytics.login_to_clickhouse")
def login_to_clickhouse(sender, request, user, **kwargs):
    record_user_event(user_id=user.pk, action="login")


def _user_id(user) -> int | None:
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None


@receiver(search_performed, dispatch_uid="analytics.search_to_clickhouse")
def search_to_clickhouse(sender, user, query, results_count, entity, **kwargs):
    record_search(query=query, results_count=results_count, user_id=_user_id(user))


@receiver(search_result_clicked, dispatch_uid="analytics.search_click_to_clickhouse")
def search_click_to_clickhouse(sender, user, query, entity, result_id, **kwargs):
    record_search_click(query=query, clicked_result_id=result_id, user_id=_user_id(user))


@receiver(track_liked, dispatch_uid="analytics.like_to_clickhouse")
def like_to_clickhouse(sender, user, track, **kwargs):
    record_event(action="like", track_id=track.pk, artist_id=track.artist_id, user_id=_user_id(user),
                 artist_ids=credited_artist_ids(track))


@receiver(track_added_to_playlist, dispatch_uid="analytics.playlist_add_to_clickhouse")
def playlist_add_to_clickhouse(sender, user, track, playlist, **kwargs):
    record_event(action="add_to_playlist", track_id=track.pk, artist_id=track.artist_id, user_id=_user_id(user),
                 artist_ids=credited_artist_ids(track))
