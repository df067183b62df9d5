"""Routes under /api/v1/search/; each answers with and without a trailing slash."""
from django.urls import re_path

from .api import SEARCH_VIEWS, CatalogTrackSearchView, ClickView, SuggestView

urlpatterns = [
    re_path(r"^search/suggest/?$", SuggestView.as_view(), name="search-suggest"),
    re_path(r"^search/click/?$", ClickView.as_view(), name="search-click"),
    # One route, operation and result schema per kind (not one {kind} parameter with four shapes).
    *[re_path(rf"^search/{kind}/?$", view.as_view(), name=f"search-{kind}") for kind, view in SEARCH_VIEWS.items()],
    # The catalog's track search is the same service (issue 4 names this path).
    re_path(r"^tracks/search/?$", CatalogTrackSearchView.as_view(), name="tracks-search"),
]
