"""Playlist pages and their edits; every change goes through playlists.services (dense positions under a lock)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.db import transaction
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalog.selectors import track_list
from jonquils.pages import redirect_after_post, safe_next, wants_fragment

from . import selectors, services
from .forms import AddTrackForm, MoveForm, PlaylistForm, PositionForm, parse_ids
from .models import Playlist


def _detail_url(playlist_id: int) -> str:
    return f"/playlists/{playlist_id}"


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_safe
def playlist_list(request):
    """Your playlists and public ones."""
    context = {
        "mine": selectors.playlists_owned(user=request.user),
        "public": selectors.playlists_public(user=request.user, cursor=request.GET.get("after")),
    }
    if wants_fragment(request, "playlist-more"):
        return render(request, "playlists/partials/_playlist_cards.html", {"page": context["public"]})
    response = render(request, "playlists/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_safe
def playlist_detail(request, playlist_id: int):
    try:
        context = selectors.playlist_page_data(playlist_id=playlist_id, user=request.user,
                                               after=_position_after(request))
    except Playlist.DoesNotExist:
        raise Http404
    if wants_fragment(request, "playlist-entries-more"):
        return render(request, "playlists/partials/_entry_rows.html", context)
    if wants_fragment(request, "playlist-entries"):
        return render(request, "playlists/partials/_entries.html", context)
    response = render(request, "playlists/detail.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _position_after(request) -> int | None:
    """`?after=` of a playlist page: the position its entries start after (junk: the first page)."""
    raw = request.GET.get("after", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def playlist_create(request):
    form = PlaylistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            playlist = services.playlist_create(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Playlist “%(title)s” created.") % {"title": playlist.title})
            return redirect_after_post(request, _detail_url(playlist.pk))
    return render(request, "playlists/form.html", {"form": form, "creating": True},
                  status=400 if request.method == "POST" else 200)


def _owned(request, playlist_id: int) -> Playlist:
    """The playlist if the user may edit it (the same rule the services apply): 404 unseen, 403 not owner."""
    try:
        playlist = selectors.playlist_get(playlist_id=playlist_id, user=request.user)
    except Playlist.DoesNotExist:
        raise Http404
    if not selectors.playlist_page_editable(playlist=playlist, user=request.user):
        raise PermissionDenied
    return playlist


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def playlist_edit(request, playlist_id: int):
    """Rename, describe, make public or private."""
    playlist = _owned(request, playlist_id)
    initial = {"title": playlist.title, "description": playlist.description, "is_public": playlist.is_public}
    form = PlaylistForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.playlist_update(actor=request.user, playlist_id=playlist.pk, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Playlist saved."))
            return redirect_after_post(request, _detail_url(playlist.pk))
    return render(request, "playlists/form.html", {"form": form, "playlist": playlist},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def playlist_delete(request, playlist_id: int):
    """Ask first (GET shows the confirmation), delete on POST."""
    playlist = _owned(request, playlist_id)
    if request.method == "POST":
        services.playlist_delete(actor=request.user, playlist_id=playlist.pk)
        messages.success(request, _("Playlist “%(title)s” deleted.") % {"title": playlist.title})
        return redirect_after_post(request, "/playlists/")
    return render(request, "playlists/delete.html", {"playlist": playlist})


@login_required
@require_safe
def add_menu(request):
    """The add-to-playlist menu of a track row (ids=7) or of a whole album (ids=7,8,9): your playlists, or a new one."""
    try:
        ids = parse_ids(request.GET.get("ids", ""))
    except ValueError:
        raise Http404
    tracks = list(track_list(user=request.user).filter(pk__in=ids))
    if not tracks:
        raise Http404
    context = {"tracks": tracks, "ids": ",".join(str(pk) for pk in ids if pk in {t.pk for t in tracks}),
               "playlists": selectors.playlists_owned(user=request.user), "next": safe_next(request, "") or _current_page(request)}
    if request.htmx and not request.htmx.boosted:
        return render(request, "playlists/partials/_add_menu.html", context)
    return render(request, "playlists/add.html", context)


@login_required
@require_POST
def track_add(request, playlist_id: int | None = None):
    """Add a track to a playlist (or to a new one named `new_title`)."""
    form = AddTrackForm(request.POST)
    if not form.is_valid():
        return _row_result(request, ok=False, text=_("Choose a track."), status=400)
    try:
        if playlist_id is None:
            title = form.cleaned_data["new_title"].strip() or _("New playlist")
            playlist_id = services.playlist_create(owner=request.user, title=title).pk
        with transaction.atomic():  # all of an album or none of it
            for track_id in form.cleaned_data["ids"]:
                services.playlist_track_add(actor=request.user, playlist_id=playlist_id, track_id=track_id)
        title = Playlist.objects.values_list("title", flat=True).get(pk=playlist_id)
    except Playlist.DoesNotExist:
        raise Http404
    except ValidationError as error:
        return _row_result(request, ok=False, text=_error_text(error), status=400)
    count = len(form.cleaned_data["ids"])
    text = ngettext("Added to “%(title)s”.", "%(count)d tracks added to “%(title)s”.", count) % {
        "title": title, "count": count}
    if request.htmx and not request.htmx.boosted:
        return _row_result(request, ok=True, text=text)
    messages.success(request, text)
    return redirect_after_post(request, safe_next(request, _detail_url(playlist_id)))


def _current_page(request) -> str:
    """The page the htmx request came from (path and query), where a no-JS form returns to."""
    current = getattr(request.htmx, "current_url_abs_path", None) if request.htmx else None
    return current or "/"


def _row_result(request, *, ok: bool, text: str, status: int = 200):
    if request.htmx and not request.htmx.boosted:
        return render(request, "playlists/partials/_add_result.html", {"ok": ok, "text": text}, status=status)
    if not ok:
        messages.error(request, text)
    return redirect_after_post(request, safe_next(request, "/playlists/"))


@login_required
@require_POST
def track_remove(request, playlist_id: int):
    form = PositionForm(request.POST)
    if form.is_valid():
        try:
            services.playlist_track_remove(actor=request.user, playlist_id=playlist_id,
                                           position=form.cleaned_data["position"])
        except Playlist.DoesNotExist:
            raise Http404
        except ValidationError as error:
            messages.error(request, _error_text(error))
    return _entries_or_redirect(request, playlist_id)


@login_required
@require_POST
def track_move(request, playlist_id: int):
    """Drag and drop (or the no-JS move buttons): move one entry; answer the refreshed list."""
    form = MoveForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.playlist_track_move(actor=request.user, playlist_id=playlist_id, **form.cleaned_data)
        except Playlist.DoesNotExist:
            raise Http404
        except ValidationError as error:
            messages.error(request, _error_text(error))
            status = 400
    return _entries_or_redirect(request, playlist_id, status=status)


def _entries_or_redirect(request, playlist_id: int, status: int = 200):
    if request.htmx and not request.htmx.boosted:
        context = selectors.playlist_page_data(playlist_id=playlist_id, user=request.user)
        return render(request, "playlists/partials/_entries.html", context, status=status)
    return redirect_after_post(request, _detail_url(playlist_id))
