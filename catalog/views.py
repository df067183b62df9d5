"""Listener pages of the catalog: home, browse, artist, album, genre, track; the favourite toggle."""
from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST, require_safe

from jonquils.pages import redirect_after_post, safe_next, wants_fragment
from playlists import services as playlist_services

from . import page_data, selectors
from .models import Album, Artist, Genre, Track

INDEX_LETTERS = ["#", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ"]


def _page(request, template: str, context: dict, *, fragment: str | None = None, target: str | None = None):
    """The full page, or only `fragment` when htmx asks for the part `target` (Vary keeps caches apart)."""
    chosen = fragment if fragment and target and wants_fragment(request, target) else template
    response = render(request, chosen, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_safe
def home(request):
    """New releases, popular this week, recently played (mine), genres."""
    context = page_data.home(user=request.user)
    return _page(request, "catalog/home.html", context)


@require_safe
def browse(request):
    return _page(request, "catalog/browse.html", {"genres": list(selectors.genre_list())})


@require_safe
def browse_artists(request):
    letter = (request.GET.get("letter") or "").upper()[:1] or None
    page = selectors.artist_browse(letter=letter, cursor=request.GET.get("after"), user=request.user)
    context = {"page": page, "letter": letter, "letters": INDEX_LETTERS}
    return _page(request, "catalog/browse_artists.html", context,
                 fragment="catalog/partials/_artist_page.html", target="artist-more")


@require_safe
def browse_albums(request):
    order = request.GET.get("order", "newest")
    order = order if order in selectors.ALBUM_ORDERS else "newest"
    years = selectors.album_years() if order == "year" else []
    try:
        year = int(request.GET.get("year") or (years[0] if years else 0)) or None
    except ValueError:
        year = None
    page = selectors.album_browse(order=order, cursor=request.GET.get("after"), year=year, user=request.user)
    context = {"page": page, "order": order, "year": year, "year_text": str(year or ""), "years": years}
    return _page(request, "catalog/browse_albums.html", context,
                 fragment="catalog/partials/_album_page.html", target="album-more")


@require_safe
def browse_genres(request):
    return _page(request, "catalog/browse_genres.html", {"genres": list(selectors.genre_list())})


@require_safe
def artist(request, artist_id: int):
    try:
        context = page_data.artist(artist_id=artist_id, user=request.user)
    except Artist.DoesNotExist:
        raise Http404
    return _page(request, "catalog/artist.html", context)


@require_safe
def album(request, album_id: int):
    try:
        context = page_data.album(album_id=album_id, user=request.user)
    except Album.DoesNotExist:
        raise Http404
    return _page(request, "catalog/album.html", context)


@require_safe
def genre(request, genre_id: int):
    try:
        context = page_data.genre(genre_id=genre_id, user=request.user)
    except Genre.DoesNotExist:
        raise Http404
    return _page(request, "catalog/genre.html", context)


@require_safe
def track(request, track_id: int):
    try:
        context = page_data.track(track_id=track_id, user=request.user)
    except Track.DoesNotExist:
        raise Http404
    return _page(request, "catalog/track.html", context)


@require_POST
def track_favourite(request, track_id: int):
    """Like or unlike a track (the playlists favourite services); htmx gets the new button back."""
    if not request.user.is_authenticated:
        return redirect_to_login(safe_next(request, request.path))
    try:
        if request.POST.get("favourite") == "off":
            playlist_services.favorite_remove(user=request.user, track_id=track_id)
        else:
            playlist_services.favorite_add(user=request.user, track_id=track_id)
        track_row = page_data.track(track_id=track_id, user=request.user)["track"]
    except Track.DoesNotExist:
        raise Http404
    if request.htmx and not request.htmx.boosted:
        return render(request, "catalog/partials/_favourite.html", {"track": track_row})
    return redirect_after_post(request, safe_next(request, f"/tracks/{track_id}"))
