"""/api/v1/: each app contributes its routes from `<app>/api_urls.py`."""
from django.urls import include, path

v1_patterns = [
    # apps add: path("", include("catalog.api_urls")), ...
    # --- catalog, playlists, listening (branch api-catalog)
    path("", include("catalog.api_urls")),
    path("", include("playlists.api_urls")),
    path("", include("analytics.api_urls")),
    # --- end api-catalog
]

urlpatterns = [
    path("v1/", include((v1_patterns, "v1"), namespace="v1")),
]
