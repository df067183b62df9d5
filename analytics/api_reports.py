"""Analytics reading endpoints (thin): validate the period, check the role, call a selector, cache briefly."""
from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django_redis.exceptions import ConnectionInterrupted
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdminRole, user_can_view_artist_analytics, user_can_view_user_analytics
from catalog.models import Artist, Track
from jonquils.exceptions import UnavailableError

from . import selectors
from .clickhouse import ClickHouseUnavailable
from .periods import period_from_query
from .report_serializers import (
    PERIOD_PARAMETERS,
    ArtistReportSerializer,
    PlatformReportSerializer,
    TrackReportSerializer,
    UserReportSerializer,
)


logger = logging.getLogger("analytics.reports")

ANALYTICS_DOWN = OpenApiResponse(description="The analytics store (ClickHouse) or its cache cannot answer right now.")


# What django-redis raises when Redis cannot be reached (it re-raises the redis-py error).
CACHE_DOWN = (ConnectionInterrupted, redis.RedisError, OSError)


def _unavailable(reason: str) -> UnavailableError:
    return UnavailableError(f"Analytics are unavailable right now: {reason}", code="analytics_unavailable")


def _cached(key: str, compute):
    """Serve a report from the cache for ANALYTICS_CACHE_SECONDS; ClickHouse or the cache down → 503.

    Without the cache every report would hit ClickHouse uncached (hundreds of ms each) while
    the event buffer, in the same Redis, is not draining either: refuse clearly instead.
    """
    try:
        value = cache.get(key)
    except CACHE_DOWN as exc:
        logger.warning("analytics report cache unavailable: %s", exc)
        raise _unavailable("the report cache (Redis) cannot be reached.") from exc
    if value is None:
        try:
            value = compute()
        except ClickHouseUnavailable as exc:
            raise _unavailable(str(exc)) from exc
        try:
            cache.set(key, value, timeout=settings.ANALYTICS_CACHE_SECONDS)
        except CACHE_DOWN as exc:  # computed already: answer it
            logger.warning("could not cache an analytics report: %s", exc)
    return value


class _ReportView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = None


@extend_schema(parameters=PERIOD_PARAMETERS, responses={200: UserReportSerializer, 503: ANALYTICS_DOWN})
class UserAnalyticsView(_ReportView):
    def get(self, request, user_id: str):
        user_id = int(user_id)  # the route's regex admits digits only
        if not user_can_view_user_analytics(request.user, user_id):
            raise PermissionDenied("You may only see your own listening analytics.")
        period = period_from_query(request.query_params)
        get_object_or_404(get_user_model(), pk=user_id)
        return Response(_cached(f"analytics:user:{user_id}:{period.cache_key()}",
                                lambda: selectors.user_listening_report(user_id=user_id, period=period)))


@extend_schema(parameters=PERIOD_PARAMETERS, responses={200: TrackReportSerializer, 503: ANALYTICS_DOWN})
class TrackAnalyticsView(_ReportView):
    def get(self, request, track_id: int):
        track = get_object_or_404(Track.objects.select_related("artist"), pk=track_id)
        if not user_can_view_artist_analytics(request.user, track.artist):
            raise PermissionDenied("Only the track's artist and admins see its analytics.")
        period = period_from_query(request.query_params)
        return Response(_cached(f"analytics:track:{track_id}:{period.cache_key()}",
                                lambda: selectors.track_report(track=track, period=period)))


@extend_schema(parameters=PERIOD_PARAMETERS, responses={200: ArtistReportSerializer, 503: ANALYTICS_DOWN})
class ArtistAnalyticsView(_ReportView):
    def get(self, request, artist_id: int):
        artist = get_object_or_404(Artist, pk=artist_id)
        if not user_can_view_artist_analytics(request.user, artist):
            raise PermissionDenied("Only the artist and admins see this artist's analytics.")
        period = period_from_query(request.query_params)
        return Response(_cached(f"analytics:artist:{artist_id}:{period.cache_key()}",
                                lambda: selectors.artist_report(artist=artist, period=period)))


@extend_schema(parameters=PERIOD_PARAMETERS, responses={200: PlatformReportSerializer, 503: ANALYTICS_DOWN})
class PlatformAnalyticsView(_ReportView):
    permission_classes = [IsAuthenticated, IsAdminRole]

    def get(self, request):
        period = period_from_query(request.query_params)
        return Response(_cached(f"analytics:platform:{period.cache_key()}",
                                lambda: selectors.platform_report(period=period)))
