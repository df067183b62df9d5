"""Listening over HTTP: record a listen, read my history."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import ListeningHistory
from analytics.signals import listen_recorded
from catalog.models import ProcessingStatus
from tests.catalog.helpers import HUGE_ID, SQL_LIKE, V1, assert_error, client_for
from tests.factories import AlbumFactory, ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def listen_payload(track, **overrides) -> dict:
    payload = {
        "track_id": track.id, "play_duration_ms": 95_000, "completion_percentage": 52.5,
        "platform": "ios", "device_type": "mobile",
    }
    payload.update(overrides)
    return payload


def test_listen_is_recorded_and_announced_after_commit(django_capture_on_commit_callbacks):
    user, track = UserFactory(), TrackFactory()
    received = []

    def receiver(sender, listens, **kwargs):
        received.extend(listen.pk for listen in listens)

    listen_recorded.connect(receiver, dispatch_uid="test-listen-api")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(user).post(f"{V1}/analytics/listen", listen_payload(track), format="json")
    finally:
        listen_recorded.disconnect(dispatch_uid="test-listen-api")

    assert response.status_code == 201, response.content
    listen = ListeningHistory.objects.get()
    assert (listen.user, listen.track, listen.play_duration_ms, listen.completion_percentage) == (user, track, 95_000, 52.5)
    assert (listen.platform, listen.device_type) == ("ios", "mobile")
    assert response.json()["id"] == listen.id and response.json()["track"]["id"] == track.id
    assert received == [listen.pk]


def test_played_at_is_optional_and_kept_when_given():
    user, track = UserFactory(), TrackFactory()
    when = timezone.now() - timedelta(hours=3)
    response = client_for(user).post(
        f"{V1}/analytics/listen/", listen_payload(track, played_at=when.isoformat()), format="json"
    )
    assert response.status_code == 201
    assert ListeningHistory.objects.get().played_at == when


@pytest.mark.parametrize("overrides, field", [
    ({"track_id": None}, "track_id"),
    ({"track_id": "abc"}, "track_id"),
    ({"track_id": 987654}, "track_id"),
    ({"track_id": HUGE_ID}, "track_id"),
    ({"play_duration_ms": -1}, "play_duration_ms"),
    ({"play_duration_ms": 2**40}, "play_duration_ms"),
    ({"completion_percentage": 100.5}, "completion_percentage"),
    ({"completion_percentage": "most"}, "completion_percentage"),
    ({"platform": "gramophone"}, "platform"),
    ({"platform": SQL_LIKE}, "platform"),
    ({"device_type": ""}, "device_type"),
    ({"played_at": "last tuesday"}, "played_at"),
    ({"played_at": "{future}"}, "played_at"),
])
def test_bad_listen_is_400_and_nothing_is_recorded(overrides, field):
    track = TrackFactory()
    if overrides.get("played_at") == "{future}":
        overrides = {"played_at": (timezone.now() + timedelta(hours=1)).isoformat()}
    payload = {k: v for k, v in listen_payload(track, **overrides).items() if v is not None}

    response = client_for(UserFactory()).post(f"{V1}/analytics/listen", payload, format="json")

    assert_error(response, 400, "invalid", {field})
    assert not ListeningHistory.objects.exists()


@pytest.mark.parametrize("missing", ["track_id", "play_duration_ms", "completion_percentage", "platform", "device_type"])
def test_each_required_field_is_named_when_missing(missing):
    payload = listen_payload(TrackFactory())
    del payload[missing]
    assert_error(client_for(UserFactory()).post(f"{V1}/analytics/listen", payload, format="json"), 400, "invalid", {missing})


@pytest.mark.parametrize("status", [ProcessingStatus.PENDING, ProcessingStatus.FAILED])
def test_listening_to_an_unplayable_track_is_refused(status):
    track = TrackFactory(processing_status=status)
    response = client_for(UserFactory()).post(f"{V1}/analytics/listen", listen_payload(track), format="json")
    assert_error(response, 400, "invalid", {"track_id"})
    assert not ListeningHistory.objects.exists()


def test_listen_needs_a_login():
    assert_error(client_for().post(f"{V1}/analytics/listen", listen_payload(TrackFactory()), format="json"), 401)
    assert_error(client_for().get(f"{V1}/me/history"), 401)
    assert not ListeningHistory.objects.exists()


def test_history_is_mine_newest_first():
    me = UserFactory()
    now = timezone.now()
    old = ListenFactory(user=me, played_at=now - timedelta(days=2))
    new = ListenFactory(user=me, played_at=now - timedelta(minutes=1))
    middle = ListenFactory(user=me, played_at=now - timedelta(hours=5))
    ListenFactory()  # someone else's

    response = client_for(me).get(f"{V1}/me/history/")

    assert [row["id"] for row in response.json()["results"]] == [new.id, middle.id, old.id]
    assert response.json()["count"] == 3
    assert client_for(UserFactory()).get(f"{V1}/me/history").json()["results"] == []


@pytest.mark.parametrize("page_size", [5, 50])
def test_history_costs_bounded_queries(page_size, django_assert_max_num_queries):
    me = UserFactory()
    for _ in range(60):
        ListenFactory(user=me, track=TrackFactory(album=AlbumFactory()))
    client = client_for(me)
    with django_assert_max_num_queries(3):  # + the credited artists' prefetch
        response = client.get(f"{V1}/me/history?page_size={page_size}")
    assert len(response.json()["results"]) == page_size
    assert_error(client.get(f"{V1}/me/history?page_size=0"), 400, "invalid", {"page_size"})


def test_a_listen_costs_the_same_few_queries_whatever_the_track_carries(django_capture_on_commit_callbacks,
                                                                         django_assert_max_num_queries):
    from tests.factories import ArtistFactory

    # given a track with an album, a genre and two credited artists
    user, track = UserFactory(), TrackFactory(album=AlbumFactory())
    from catalog.models import TrackArtist

    TrackArtist.objects.create(track=track, artist=track.artist, position=0)
    TrackArtist.objects.create(track=track, artist=ArtistFactory(), position=1)
    client = client_for(user)
    # then recording it (its ClickHouse events included) stays within a fixed number of queries
    with django_assert_max_num_queries(7), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{V1}/analytics/listen", listen_payload(track), format="json")
    assert response.status_code == 201, response.content
    assert [a["id"] for a in response.json()["track"]["artists"]] == [track.artist_id, TrackArtist.objects.get(position=1).artist_id]


def _batch(client, listens):
    return client.post(f"{V1}/analytics/listens", {"listens": listens}, format="json")


def test_a_batch_of_listens_is_recorded_at_once_with_its_events(django_capture_on_commit_callbacks,
                                                                django_assert_max_num_queries):
    user, tracks = UserFactory(), [TrackFactory(album=AlbumFactory()) for _ in range(3)]
    received = []

    def receiver(sender, listens, **kwargs):
        received.append([listen.pk for listen in listens])

    now = timezone.now()
    listens = [listen_payload(tracks[i % 3], played_at=(now - timedelta(minutes=5 * i)).isoformat(), play_duration_ms=200_000)
               for i in range(40)]
    listen_recorded.connect(receiver, dispatch_uid="test-listen-batch")
    try:
        # the same queries for 40 listens as for one: session, lock, overlap probe, insert, tracks (+ credits)
        with django_assert_max_num_queries(8), django_capture_on_commit_callbacks(execute=True):
            response = _batch(client_for(user), listens)
    finally:
        listen_recorded.disconnect(dispatch_uid="test-listen-batch")
    assert response.status_code == 201, response.content
    recorded = response.json()["listens"]
    assert len(recorded) == 40 and [r["track_id"] for r in recorded] == [tracks[i % 3].id for i in range(40)]
    assert received == [[r["id"] for r in recorded]]  # one announcement, so one push to the analytics buffer
    assert ListeningHistory.objects.filter(user=user).count() == 40


@pytest.mark.parametrize("listens, field", [
    ("{wrong-type}", "listens"),
    ([], "listens"),
    ("{101}", "listens"),
    ([{"track_id": "abc"}], "listens.0.track_id"),
    ("{unknown-track}", "listens.1.track_id"),
    ("{bad-platform}", "listens.1.platform"),
    ("{future}", "listens.1.played_at"),
    ("{overlap-each-other}", "listens.1.played_at"),
    ("{overlap-recorded}", "listens.0.played_at"),
    ("{pending}", "listens.1.track_id"),
])
def test_a_bad_batch_names_the_listen_and_records_none(listens, field):
    user, track = UserFactory(), TrackFactory()
    now = timezone.now()
    good = listen_payload(track, played_at=(now - timedelta(hours=2)).isoformat())
    ListenFactory(user=user, track=track, played_at=now - timedelta(hours=5), play_duration_ms=60_000)
    before = ListeningHistory.objects.count()
    listens = {
        "{wrong-type}": "all of them",
        "{101}": [listen_payload(track, played_at=(now - timedelta(minutes=2 * i)).isoformat(), play_duration_ms=60_000)
                  for i in range(101)],
        "{unknown-track}": [good, {**good, "track_id": 987654, "played_at": now.isoformat()}],
        "{bad-platform}": [good, {**good, "platform": SQL_LIKE, "played_at": now.isoformat()}],
        "{future}": [good, {**good, "played_at": (now + timedelta(hours=1)).isoformat()}],
        "{overlap-each-other}": [good, {**good, "played_at": (now - timedelta(hours=2, seconds=-30)).isoformat()}],
        "{overlap-recorded}": [{**good, "played_at": (now - timedelta(hours=5, seconds=10)).isoformat()}],
        "{pending}": [good, {**listen_payload(TrackFactory(processing_status=ProcessingStatus.PENDING)),
                             "played_at": now.isoformat()}],
    }.get(listens, listens) if isinstance(listens, str) else listens

    body = assert_error(_batch(client_for(user), listens), 400, "invalid")
    assert field in body["fields"], body
    assert ListeningHistory.objects.count() == before


def test_a_batch_needs_a_login():
    assert_error(_batch(client_for(), [listen_payload(TrackFactory())]), 401)
    assert not ListeningHistory.objects.exists()


def test_a_track_hidden_after_its_listens_were_cached_takes_no_more(django_capture_on_commit_callbacks):
    """The listened track's row is cached per catalog version: a hide commits a new version, so the next
    listen is refused."""
    from catalog.curation import tracks_hidden_set
    from tests.factories import AdminFactory

    user, track = UserFactory(), TrackFactory()
    client = client_for(user)
    start = timezone.now() - timedelta(hours=2)
    first = client.post(f"{V1}/analytics/listen", listen_payload(track, played_at=start.isoformat()), format="json")
    assert first.status_code == 201, first.content
    with django_capture_on_commit_callbacks(execute=True):
        tracks_hidden_set(actor=AdminFactory(), track_ids=[track.pk], hidden=True)
    later = (start + timedelta(minutes=10)).isoformat()
    refused = client.post(f"{V1}/analytics/listen", listen_payload(track, played_at=later), format="json")
    assert_error(refused, 400, "invalid", fields={"track_id"})
    assert ListeningHistory.objects.count() == 1


def test_a_batch_reads_the_cached_tracks_and_refuses_one_hidden_since(django_capture_on_commit_callbacks,
                                                                      django_assert_max_num_queries):
    """A batch and a single listen share the per-track cache: a second batch loads no track, and a hide
    (a new catalog version) refuses the hidden track's next listen in a batch."""
    from catalog.curation import tracks_hidden_set
    from tests.factories import AdminFactory

    user, tracks = UserFactory(), [TrackFactory(album=AlbumFactory()) for _ in range(3)]
    client, start = client_for(user), timezone.now() - timedelta(hours=3)

    def batch(offset_minutes, chosen):
        return _batch(client, [listen_payload(track, play_duration_ms=60_000,
                                              played_at=(start + timedelta(minutes=offset_minutes + 5 * i)).isoformat())
                               for i, track in enumerate(chosen)])

    assert client.post(f"{V1}/analytics/listen", listen_payload(tracks[0], played_at=start.isoformat(),
                                                                play_duration_ms=60_000), format="json").status_code == 201
    assert batch(10, tracks).status_code == 201  # fills the entries of tracks 1 and 2 beside the single's
    with django_assert_max_num_queries(6), django_capture_on_commit_callbacks(execute=True):
        assert batch(40, tracks).status_code == 201  # two fewer: no tracks, no credits
    with django_capture_on_commit_callbacks(execute=True):
        tracks_hidden_set(actor=AdminFactory(), track_ids=[tracks[1].pk], hidden=True)
    body = assert_error(batch(80, tracks), 400, "invalid")
    assert list(body["fields"]) == ["listens.1.track_id"]
    assert ListeningHistory.objects.count() == 7
