"""Your music: favourites, listening history (newest first, keyset-paged), your playlists."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from jonquils.pages import wants_fragment
from playlists import selectors as playlist_selectors

from .selectors.history import listening_history_page, recently_played_tracks


def _render(request, template, fragment, target, context):
    response = render(request, fragment if wants_fragment(request, target) else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_safe
def library(request):
    context = {
        "favorites": playlist_selectors.favorites_page(user=request.user, cursor=None, size=8),
        "recent": recently_played_tracks(user=request.user, limit=8),
        "playlists": playlist_selectors.playlists_owned(user=request.user, limit=12),
    }
    return _render(request, "analytics/library.html", None, None, context)


@login_required
@require_safe
def favourites(request):
    page = playlist_selectors.favorites_page(user=request.user, cursor=request.GET.get("after"))
    return _render(request, "analytics/favourites.html", "analytics/partials/_favourite_page.html", "favourite-more",
                   {"page": page})


@login_required
@require_safe
def history(request):
    page = listening_history_page(user=request.user, cursor=request.GET.get("after"))
    return _render(request, "analytics/history.html", "analytics/partials/_history_page.html", "history-more",
                   {"page": page})
