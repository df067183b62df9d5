"""The listen service's bounds: played_at within a window, and no more listening than time has passed."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from analytics.models import ListeningHistory
from tests.catalog.helpers import V1, assert_error, client_for
from tests.factories import TrackFactory, UserFactory


def listen(track, **overrides) -> dict:
    payload = {"track_id": track.id, "play_duration_ms": 180_000, "completion_percentage": 100.0,
               "platform": "web", "device_type": "desktop"}
    payload.update(overrides)
    return payload


@pytest.mark.django_db
@pytest.mark.parametrize("age, accepted", [
    (timedelta(days=29, hours=23), True),
    (timedelta(days=30, minutes=5), False),
    (timedelta(days=365 * 46), False),  # 1980: the listen that once stopped the drain for everyone
])
def test_played_at_may_be_late_but_not_older_than_the_window(age, accepted, settings):
    settings.LISTEN_MAX_AGE_DAYS = 30
    user, track = UserFactory(), TrackFactory()
    response = client_for(user).post(f"{V1}/analytics/listen",
                                     listen(track, played_at=(timezone.now() - age).isoformat()), format="json")
    if accepted:
        assert response.status_code == 201, response.content
    else:
        body = assert_error(response, 400, "invalid", {"played_at"})
        assert "at most 30 days late" in body["fields"]["played_at"][0]
    assert ListeningHistory.objects.count() == (1 if accepted else 0)


@pytest.mark.django_db
def test_played_at_in_the_future_beyond_the_clock_skew_is_refused(settings):
    settings.LISTEN_MAX_CLOCK_SKEW_S = 300
    user, track = UserFactory(), TrackFactory()
    client = client_for(user)
    ahead = client.post(f"{V1}/analytics/listen",
                        listen(track, played_at=(timezone.now() + timedelta(minutes=10)).isoformat()), format="json")
    assert "future" in assert_error(ahead, 400, "invalid", {"played_at"})["fields"]["played_at"][0]
    skewed = client.post(f"{V1}/analytics/listen",
                         listen(track, played_at=(timezone.now() + timedelta(minutes=2)).isoformat()), format="json")
    assert skewed.status_code == 201
    assert ListeningHistory.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db
def test_1200_listens_in_a_minute_are_refused_after_the_first_few():
    # given one account that reports listens as fast as it can, 20 a second for a minute
    user, track = UserFactory(), TrackFactory()
    client = client_for(user)
    start = timezone.now() - timedelta(minutes=2)
    statuses = []
    for i in range(1200):
        played_at = start + timedelta(milliseconds=50 * i)
        response = client.post(f"{V1}/analytics/listen",
                               listen(track, play_duration_ms=30_000, played_at=played_at.isoformat()), format="json")
        statuses.append(response.status_code)
        if response.status_code != 201:
            body = assert_error(response, 400, "invalid", {"played_at"})
    # then: 30 s listens fit in that minute three times (29 s apart with the 1 s tolerance), the
    # other 1,197 are refused with the reason
    assert [i for i, status in enumerate(statuses) if status == 201] == [0, 580, 1160]
    assert statuses.count(400) == 1197
    assert "cannot listen longer than the time that has passed" in body["fields"]["played_at"][0]
    assert ListeningHistory.objects.filter(user=user).count() == 3


@pytest.mark.django_db
def test_empty_listens_still_cost_time(settings):
    settings.LISTEN_MIN_SPAN_MS = 5_000
    user, track = UserFactory(), TrackFactory()
    client = client_for(user)
    start = timezone.now() - timedelta(minutes=1)
    accepted = sum(
        client.post(f"{V1}/analytics/listen",
                    listen(track, play_duration_ms=0, completion_percentage=0.0,
                           played_at=(start + timedelta(seconds=i)).isoformat()), format="json").status_code == 201
        for i in range(60)
    )
    # one a second for a minute, each counted as at least 5 s (overlap tolerance 1 s): one in every 4 s passes
    assert accepted == 15
    assert ListeningHistory.objects.count() == 15


@pytest.mark.django_db
def test_an_offline_batch_with_past_timestamps_that_do_not_overlap_is_accepted():
    # given a listen recorded just now
    user, tracks = UserFactory(), TrackFactory.create_batch(3)
    client = client_for(user)
    assert client.post(f"{V1}/analytics/listen", listen(tracks[0]), format="json").status_code == 201

    # when the phone comes back online with yesterday's plays, back to back, sent newest first
    yesterday = timezone.now() - timedelta(days=1)
    for k in range(10, 0, -1):
        response = client.post(f"{V1}/analytics/listen",
                               listen(tracks[k % 3], play_duration_ms=180_000,
                                      played_at=(yesterday + timedelta(minutes=3 * k)).isoformat()), format="json")
        assert response.status_code == 201, response.content

    # then all are kept; the same batch sent again overlaps itself and is refused, nothing added
    assert ListeningHistory.objects.filter(user=user).count() == 11
    again = client.post(f"{V1}/analytics/listen",
                        listen(tracks[1], played_at=(yesterday + timedelta(minutes=3)).isoformat()), format="json")
    assert_error(again, 400, "invalid", {"played_at"})
    # a small overlap (a crossfade, clocks a little apart) is tolerated: this one ends 0.5 s into the first
    edge = client.post(f"{V1}/analytics/listen",
                       listen(tracks[1], play_duration_ms=60_000,
                              played_at=(yesterday + timedelta(seconds=0.5)).isoformat()), format="json")
    assert edge.status_code == 201, edge.content
    assert ListeningHistory.objects.filter(user=user).count() == 12


@pytest.mark.django_db
def test_other_listeners_do_not_count():
    track = TrackFactory()
    played_at = (timezone.now() - timedelta(minutes=1)).isoformat()
    for user in UserFactory.create_batch(3):
        assert client_for(user).post(f"{V1}/analytics/listen", listen(track, played_at=played_at),
                                     format="json").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_listens_do_not_both_pass():
    # given one user posting the same three-minute listen from 8 threads at once
    user, track = UserFactory(), TrackFactory()
    played_at = (timezone.now() - timedelta(seconds=30)).isoformat()
    barrier = threading.Barrier(8)
    statuses = []

    def post():
        try:
            barrier.wait(timeout=30)
            statuses.append(client_for(user).post(f"{V1}/analytics/listen", listen(track, played_at=played_at),
                                                  format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then exactly one is recorded, the others are told why
    assert sorted(statuses) == [201] + [400] * 7
    assert ListeningHistory.objects.filter(user=user).count() == 1
