"""/api/v1/analytics/… reading endpoints (the listen/history endpoints live in api_urls.py)."""
from django.urls import path, re_path

from . import api_reports

urlpatterns = [
    re_path(r"^analytics/user/(?P<user_id>[0-9]+)/?$", api_reports.UserAnalyticsView.as_view(), name="analytics-user"),
    re_path(r"^analytics/track/(?P<track_id>[0-9]+)/?$", api_reports.TrackAnalyticsView.as_view(), name="analytics-track"),
    re_path(r"^analytics/artist/(?P<artist_id>[0-9]+)/?$", api_reports.ArtistAnalyticsView.as_view(),
            name="analytics-artist"),
    re_path(r"^analytics/platform/?$", api_reports.PlatformAnalyticsView.as_view(), name="analytics-platform"),
]
