"""/api/v1/: each app contributes its routes from `<app>/api_urls.py`."""
from django.urls import include, path

v1_patterns = [
    path("", include("accounts.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("playlists.api_urls")),
    path("", include("analytics.api_urls")),
    path("", include("search.api_urls")),
]

urlpatterns = [
    path("v1/", include((v1_patterns, "v1"), namespace="v1")),
]
