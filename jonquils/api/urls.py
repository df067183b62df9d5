"""/api/v1/: each app contributes its routes from `<app>/api_urls.py`."""
from django.urls import include, path

v1_patterns = [
    # apps add: path("", include("catalog.api_urls")), ...
    # storage issue: media routes first, so that `tracks/upload` never reaches a `tracks/{pk}` route
    path("", include("catalog.media_urls")),
    path("", include("etl.api_urls")),
]

urlpatterns = [
    path("v1/", include((v1_patterns, "v1"), namespace="v1")),
]
