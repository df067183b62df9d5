"""Listening charts: every public track ranked by its listens in a day, week or month window.

The chart's order: tracks heard in the window by their number of listens, ties by popularity
score and id; then the tracks nobody heard in the window, by popularity score and id. Every
public track is in it, so its length is the public catalog's.

Ranking it as one query (every track LEFT JOINed to every listen, grouped) took 42 s at 1M tracks
and 10M listens, past the web's 30 s statement timeout. Here the heard part comes from the
window's listens alone (a range of the played_at index, 3.5 s for a month of 870k listens at 1M,
computed once per window and kept WINDOW_CACHE_S as two packed arrays: 194k tracks are 3 MB),
and the unheard part is a walk of the popularity index with a NOT EXISTS probe per track.
"""
from __future__ import annotations

from array import array
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from .cache import cached
from .models import Track

# Windowed charts move with every listen; they are kept briefly rather than invalidated per listen.
WINDOW_CACHE_S = 60


class WindowChart:
    """A window's chart as a sequence: `count()` and slices of Tracks (with `period_listens`).

    Django's paginator (and so the API's pagination) pages it like a queryset; `ids(start, stop)`
    is the same ranking as (track id, listens) pairs for callers that load the tracks themselves.
    """

    def __init__(self, window: timedelta):
        self._window = window
        self._public = Track.objects.visible_to(None)

    def count(self) -> int:
        return self._public.count()

    def __getitem__(self, key: slice) -> list[Track]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("A chart is read by slices: chart[start:stop].")
        ranked = self.ids(key.start or 0, key.stop)
        from .selectors import with_credits

        found = with_credits(self._public.select_related("artist", "album", "genre")).in_bulk([pk for pk, _ in ranked])
        tracks = []
        for pk, listens in ranked:  # a track hidden since the ranking was cached drops out of this page
            if pk in found:
                found[pk].period_listens = listens
                tracks.append(found[pk])
        return tracks

    def ids(self, start: int, stop: int | None) -> list[tuple[int, int]]:
        """(track id, listens in the window) of chart positions start..stop-1 (stop None: to the end)."""
        since, until, heard_ids, heard_counts = self._heard()
        ranked = list(zip(heard_ids[start:stop], heard_counts[start:stop]))
        wanted = None if stop is None else stop - start
        if wanted is not None and len(ranked) >= wanted:
            return ranked
        skip = max(0, start - len(heard_ids))
        unheard = self._unheard(since, until)[skip: None if wanted is None else skip + wanted - len(ranked)]
        return ranked + [(pk, 0) for pk in unheard]

    def _heard(self) -> tuple[datetime, datetime, array, array]:
        """The window as ranked (since, until) and its heard public tracks in chart order: ids and
        listens, packed; cached per catalog version. The unheard part is read for the same window,
        so a listen arriving after the ranking neither drops a track nor lists it twice."""
        def build() -> tuple[datetime, datetime, array, array]:
            from analytics.models import ListeningHistory

            until = timezone.now()
            since = until - self._window
            rows = (ListeningHistory.objects.filter(played_at__range=(since, until), track__in=self._public.values("pk"))
                    .values("track_id", "track__popularity").annotate(n=Count("pk"))
                    .order_by("-n", "-track__popularity", "track_id").values_list("track_id", "n"))
            ids, counts = array("q"), array("q")
            for pk, listens in rows.iterator(chunk_size=10_000):
                ids.append(pk)
                counts.append(listens)
            return since, until, ids, counts

        return cached("chart-heard", {"window_s": int(self._window.total_seconds())}, build, timeout=WINDOW_CACHE_S)

    def _unheard(self, since: datetime, until: datetime):
        from analytics.models import ListeningHistory

        heard = ListeningHistory.objects.filter(track=OuterRef("pk"), played_at__range=(since, until))
        return self._public.filter(~Exists(heard)).order_by("-popularity", "id").values_list("pk", flat=True)
