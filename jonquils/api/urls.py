"""/api/v1/: each app contributes its routes from `<app>/api_urls.py`.

Order matters where paths overlap: the media routes (`tracks/upload`, ...) and the search
service's `tracks/search` come before the `tracks/{id}` routes of the catalog.
"""
from django.urls import include, path

v1_patterns = [
    path("", include("accounts.api_urls")),
    path("", include("catalog.media_urls")),
    path("", include("etl.api_urls")),
    path("", include("search.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("playlists.api_urls")),
    path("", include("analytics.api_urls")),
    path("", include("analytics.report_urls")),
]

urlpatterns = [
    path("v1/", include((v1_patterns, "v1"), namespace="v1")),
]
