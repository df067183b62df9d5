"""The analytics reading endpoints: roles, period validation (400 in the one error format), cache, outage."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from analytics import events
from tests.factories import AdminFactory, ArtistFactory, ArtistUserFactory, UserFactory

from .conftest import D0, at, flush

pytestmark = pytest.mark.django_db

WEEK = {"from": D0.isoformat(), "to": (D0 + timedelta(days=6)).isoformat()}


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_listener_sees_their_own_report_not_anothers(dataset):
    u1, u2 = dataset["u1"], dataset["u2"]
    own = _client(u1).get(f"/api/v1/analytics/user/{u1.pk}", WEEK)
    assert own.status_code == 200
    assert (own.json()["plays"], own.json()["listening_time_ms"]) == (4, 370_000)
    other = _client(u1).get(f"/api/v1/analytics/user/{u2.pk}/", WEEK)
    assert other.status_code == 403
    assert other.json()["error"] == "permission_denied"


def test_admin_sees_any_user_and_a_missing_user_is_404(dataset):
    admin = AdminFactory()
    assert _client(admin).get(f"/api/v1/analytics/user/{dataset['u2'].pk}", WEEK).json()["plays"] == 2
    missing = _client(admin).get("/api/v1/analytics/user/999999", WEEK)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")


def test_track_and_artist_reports_belong_to_the_artist_and_admins(dataset):
    t1, artist_a, artist_user = dataset["t1"], dataset["artist_a"], dataset["artist_user"]
    response = _client(artist_user).get(f"/api/v1/analytics/track/{t1.pk}", WEEK)
    assert response.status_code == 200
    body = response.json()
    assert (body["plays"], body["unique_listeners"], body["completion_rate"], body["skip_rate"]) == (3, 2, 0.6667, 0.0)
    assert body["platforms"] == {"web": 2, "ios": 1}
    assert _client(artist_user).get(f"/api/v1/analytics/artist/{artist_a.pk}", WEEK).json()["plays"] == 4

    stranger = ArtistUserFactory()
    ArtistFactory(user=stranger)
    for url in (f"/api/v1/analytics/track/{t1.pk}", f"/api/v1/analytics/artist/{artist_a.pk}",
                f"/api/v1/analytics/track/{dataset['t3'].pk}"):
        assert _client(stranger).get(url, WEEK).status_code == 403
        assert _client(dataset["u1"]).get(url, WEEK).status_code == 403
    assert _client(AdminFactory()).get(f"/api/v1/analytics/artist/{dataset['artist_b'].pk}", WEEK).json()["plays"] == 2
    assert _client(AdminFactory()).get("/api/v1/analytics/track/999999", WEEK).status_code == 404


def test_platform_is_for_admins_only(dataset):
    assert _client(dataset["u1"]).get("/api/v1/analytics/platform", WEEK).status_code == 403
    assert _client().get("/api/v1/analytics/platform", WEEK).status_code in (401, 403)
    response = _client(AdminFactory()).get("/api/v1/analytics/platform/", {**WEEK, "granularity": "week"})
    assert response.status_code == 200
    assert response.json()["plays_over_time"] == [{"date": D0.isoformat(), "plays": 6}]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-03-09", "to": "2026-03-02"}, "from", "on or before"),
        ({"from": "2026-13-01"}, "from", "ISO date"),
        ({"to": "yesterday"}, "to", "ISO date"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "to", "at most 366 days"),
        ({"granularity": "hour"}, "granularity", "day, week, month"),
    ],
)
def test_bad_periods_are_400_with_the_field(db, clickhouse, params, field, message):
    admin = AdminFactory()
    for url in ("/api/v1/analytics/platform", f"/api/v1/analytics/user/{admin.pk}"):
        response = _client(admin).get(url, params)
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "invalid"
        assert message in " ".join(body["fields"][field])


def test_reports_are_cached_briefly(dataset, settings):
    from django.core.cache import cache

    u1 = dataset["u1"]
    url = f"/api/v1/analytics/user/{u1.pk}"
    assert _client(u1).get(url, WEEK).json()["plays"] == 4
    events.record_event(action="play", track_id=dataset["t1"].pk, artist_id=dataset["t1"].artist_id, user_id=u1.pk,
                        timestamp=at(4, 10))
    flush()
    assert _client(u1).get(url, WEEK).json()["plays"] == 4  # served from the cache
    cache.clear()
    assert _client(u1).get(url, WEEK).json()["plays"] == 5


def test_default_period_is_the_last_30_days(db, clickhouse):
    user = UserFactory()
    body = _client(user).get(f"/api/v1/analytics/user/{user.pk}").json()
    assert body["period"]["granularity"] == "day"
    assert len(body["plays_over_time"]) == 30
