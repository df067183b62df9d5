"""jonquils.db.lookups.IdIn: `= ANY(array)` answers exactly what `__in` answers, with one parameter."""
from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from jonquils.db.lookups import IdIn
from jonquils.subsonic.serializers import Annotations
from playlists.models import Favorite, Star
from tests.factories import FavoriteFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

BIGINT_MAX = 2**63 - 1


def test_it_matches_what_in_matches_with_one_parameter():
    user = UserFactory()
    Star.objects.bulk_create([Star(user=user, kind="album", item_id=pk) for pk in (3, 5, 8, BIGINT_MAX)])
    stars = Star.objects.filter(user=user)
    for ids in ([5], [3, 8, 13], list(range(0, 5000)), [BIGINT_MAX, -1], []):
        expected = set(stars.filter(item_id__in=ids).values_list("item_id", flat=True))
        with CaptureQueriesContext(connection) as captured:
            found = set(stars.filter(IdIn(F("item_id"), ids)).values_list("item_id", flat=True))
        assert found == expected, ids
        sql = captured[0]["sql"]
        assert "ANY(" in sql and "item_id\" IN (" not in sql, sql[:300]


def test_it_reads_a_foreign_key_column_and_any_iterable():
    user, tracks = UserFactory(), [TrackFactory() for _ in range(3)]
    FavoriteFactory(user=user, track=tracks[1])
    asked = (t.pk for t in tracks)  # a generator: read once, when the filter is built
    assert list(Favorite.objects.filter(IdIn(F("track_id"), asked)).values_list("track_id", flat=True)) == [tracks[1].pk]


def test_subsonic_marks_of_a_long_list_page_are_the_users_own_only():
    user, other = UserFactory(), UserFactory()
    Star.objects.bulk_create([Star(user=user, kind="album", item_id=7), Star(user=other, kind="album", item_id=8)])
    marks = Annotations.load_ids(user=user, ids={"album": set(range(1, 501))})  # a 500-album list page
    assert set(marks.starred) == {("album", 7)}
