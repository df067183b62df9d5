"""/api/v1/: each app contributes its routes from `<app>/api_urls.py`."""
from django.urls import include, path

v1_patterns = [
    # apps add: path("", include("catalog.api_urls")), ...
    path("", include("analytics.report_urls")),  # analytics reports (issue 7)
]

urlpatterns = [
    path("v1/", include((v1_patterns, "v1"), namespace="v1")),
]
