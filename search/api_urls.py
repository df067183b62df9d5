"""Routes under /api/v1/search/; each answers with and without a trailing slash."""
from django.urls import re_path

from .api import ClickView, SearchView, SuggestView

urlpatterns = [
    re_path(r"^search/suggest/?$", SuggestView.as_view(), name="search-suggest"),
    re_path(r"^search/click/?$", ClickView.as_view(), name="search-click"),
    re_path(r"^search/(?P<kind>tracks|artists|albums|playlists)/?$", SearchView.as_view(), name="search"),
    # The catalog's track search is the same service (issue 4 names this path).
    re_path(r"^tracks/search/?$", SearchView.as_view(), {"kind": "tracks"}, name="tracks-search"),
]
