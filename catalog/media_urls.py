"""Media routes under /api/v1/ (included before the catalog router so `tracks/upload` is not a pk)."""
from django.urls import re_path

from catalog import api_media

urlpatterns = [
    re_path(r"^tracks/upload/?$", api_media.TrackUploadView.as_view(), name="tracks-upload"),
    re_path(r"^tracks/upload-from-url/?$", api_media.TrackUploadFromUrlView.as_view(), name="tracks-upload-from-url"),
    re_path(r"^tracks/(?P<pk>[0-9]+)/stream/?$", api_media.TrackStreamView.as_view(), name="tracks-stream"),
    re_path(r"^tracks/(?P<pk>[0-9]+)/stream-url/?$", api_media.TrackStreamUrlView.as_view(), name="tracks-stream-url"),
    re_path(r"^tracks/(?P<pk>[0-9]+)/lyrics/?$", api_media.TrackLyricsView.as_view(), name="tracks-lyrics"),
    re_path(r"^tracks/(?P<pk>[0-9]+)/download/?$", api_media.TrackDownloadView.as_view(), name="tracks-download"),
    re_path(r"^tracks/(?P<pk>[0-9]+)/cover/?$", api_media.TrackCoverView.as_view(), name="tracks-cover"),
]
