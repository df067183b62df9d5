"""The artists' studio pages: upload (files and URLs), my tracks, my albums. Thin: forms parse, the
catalog/etl services write, the catalog selectors read (the artist's own rows only: another artist's
id answers 404, as in the API)."""
from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from etl.models import TrackUpload, UploadStatus
from etl.services import upload_from_url_create
from jonquils.pages import redirect_after_post, wants_fragment

from . import selectors, services
from .covers import CoverRejected
from .models import Album, Track
from .studio_forms import AlbumForm, CoverForm, TrackEditForm, UrlUploadForm

RECENT_UPLOADS = 10


def studio_view(view):
    """Signed in, artist or admin role, with an artist profile: the view gets `artist` as a keyword."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        artist = selectors.studio_artist(user=request.user)
        if artist is None:
            raise PermissionDenied(_("The studio is for artists with an artist profile."))
        return view(request, *args, artist=artist, **kwargs)

    return wrapper


def _render(request, template: str, context: dict, *, status: int = 200, fragment: str | None = None,
            target: str | None = None):
    chosen = fragment if fragment and target and wants_fragment(request, target) else template
    response = render(request, chosen, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [message for items in exc.message_dict.values() for message in items]
    return list(exc.messages)


# --- upload ------------------------------------------------------------------------------------------

def _uploads_of(user):
    return TrackUpload.objects.filter(uploader=user).select_related("track", "track__genre", "track__album")


def upload_state(upload: TrackUpload) -> dict:
    """What a row shows of one upload: its state word, whether to keep polling, the track once playable."""
    meta = upload.metadata or {}
    fetch = meta.get("fetch") or {}
    track = upload.track
    if upload.status == UploadStatus.FAILED:
        state = "failed"
    elif upload.status == UploadStatus.DONE and meta.get("duplicate_of_track"):
        state = "duplicate"
    elif upload.status == UploadStatus.DONE and track is not None and track.processing_status == "ready":
        state = "done"
    elif upload.status == UploadStatus.DONE:
        state = "failed" if track is None or track.processing_status == "failed" else "processing"
    elif upload.status == UploadStatus.PROCESSING:
        state = "processing"
    elif fetch and fetch.get("state") in ("queued", "downloading"):
        state = "downloading" if fetch.get("state") == "downloading" else "queued"
    else:
        state = "queued"
    percent = None
    if state == "downloading" and fetch.get("bytes_expected"):
        percent = min(100, int(100 * (fetch.get("bytes_received") or 0) / fetch["bytes_expected"]))
    reason = upload.error_message or (track.processing_error if track is not None else "")
    return {"upload": upload, "track": track, "state": state, "final": state in ("done", "failed", "duplicate"),
            "fetch_percent": percent, "reason": reason}


@require_safe
@studio_view
def upload(request, *, artist):
    uploads = [upload_state(item) for item in _uploads_of(request.user).order_by("-created_at", "-id")[:RECENT_UPLOADS]]
    return _render(request, "studio/upload.html", {"artist": artist, "uploads": uploads, "url_form": UrlUploadForm(),
                                                   "tab": "upload"})


@require_safe
@studio_view
def upload_status(request, upload_id: int, *, artist):
    """The status fragment of one of the user's uploads; htmx polls it until the upload is final."""
    item = _uploads_of(request.user).filter(pk=upload_id).first()
    if item is None:
        raise Http404
    context = {**upload_state(item), "also_in_flight": request.GET.get("duplicate") == "1"}
    response = render(request, "studio/partials/_upload_status.html", context)
    patch_vary_headers(response, ("HX-Request",))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@studio_view
def upload_from_url(request, *, artist):
    """Queue a download from a URL (the API's service and SSRF guard); htmx gets the new row."""
    form = UrlUploadForm(request.POST)
    error = None
    if form.is_valid():
        try:
            created = upload_from_url_create(uploader=request.user, url=form.cleaned_data["url"].strip())
        except ValidationError as exc:
            error = " ".join(_messages_of(exc))
        else:
            if request.htmx and not request.htmx.boosted:
                return render(request, "studio/partials/_upload_row.html", upload_state(created))
            messages.success(request, _("The download has been queued."))
            return redirect_after_post(request, reverse("studio:upload"))
    else:
        error = " ".join(message for errors in form.errors.values() for message in errors)
    if request.htmx and not request.htmx.boosted:
        response = render(request, "studio/partials/_url_error.html", {"error": error}, status=400)
        response["HX-Retarget"], response["HX-Reswap"] = "#url-error", "innerHTML"  # the reason goes under the box
        return response
    uploads = [upload_state(item) for item in _uploads_of(request.user).order_by("-created_at", "-id")[:RECENT_UPLOADS]]
    return _render(request, "studio/upload.html", {"artist": artist, "uploads": uploads, "url_form": form,
                                                   "url_error": error, "tab": "upload"}, status=400)


# --- my tracks -----------------------------------------------------------------------------------------

@require_safe
@studio_view
def tracks(request, *, artist):
    page = selectors.studio_track_page(user=request.user, artist=artist, cursor=request.GET.get("after"))
    return _render(request, "studio/tracks.html", {"artist": artist, "page": page, "tab": "tracks"},
                   fragment="studio/partials/_track_page.html", target="studio-track-more")


def _own_track(request, artist, track_id: int) -> Track:
    try:
        return selectors.studio_track_get(user=request.user, artist=artist, track_id=track_id)
    except Track.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "HEAD", "POST"])
@studio_view
def track_edit(request, track_id: int, *, artist):
    track = _own_track(request, artist, track_id)
    initial = {"title": track.title, "album": track.album_id, "genre": track.genre_id,
               "track_number": track.track_number, "disc_number": track.disc_number}
    form = TrackEditForm(request.POST or None, initial=initial, artist=artist)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.track_update(actor=request.user, track=track, **form.changes())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved “%(title)s”.") % {"title": track.title})
                return redirect_after_post(request, reverse("studio:tracks"))
        status = 400
    return _render(request, "studio/track_edit.html", {"artist": artist, "track": track, "form": form,
                                                       "cover_form": CoverForm(), "tab": "tracks"}, status=status)


@require_POST
@studio_view
def track_cover(request, track_id: int, *, artist):
    track = _own_track(request, artist, track_id)
    form = CoverForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.track_cover_set(actor=request.user, track=track, data=form.cleaned_data["cover"].read())
        except CoverRejected as exc:
            form.add_error("cover", str(exc))
        else:
            messages.success(request, _("The cover of “%(title)s” was replaced.") % {"title": track.title})
            return redirect_after_post(request, reverse("studio:track-edit", args=[track.pk]))
    initial = {"title": track.title, "album": track.album_id, "genre": track.genre_id,
               "track_number": track.track_number, "disc_number": track.disc_number}
    return _render(request, "studio/track_edit.html", {
        "artist": artist, "track": track, "form": TrackEditForm(initial=initial, artist=artist),
        "cover_form": form, "tab": "tracks"}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@studio_view
def track_delete(request, track_id: int, *, artist):
    track = _own_track(request, artist, track_id)
    if request.method == "POST":
        title = track.title
        services.track_delete(actor=request.user, track=track)
        messages.success(request, _("Deleted “%(title)s”.") % {"title": title})
        return redirect_after_post(request, reverse("studio:tracks"))
    impact = selectors.delete_impact(track_ids=[track.pk])
    return _render(request, "studio/delete.html", {"artist": artist, "track": track, "impact": impact,
                                                   "cancel_url": reverse("studio:tracks"), "tab": "tracks"})


# --- my albums -----------------------------------------------------------------------------------------

@require_safe
@studio_view
def albums(request, *, artist):
    return _render(request, "studio/albums.html", {
        "artist": artist, "albums": selectors.studio_albums(user=request.user, artist=artist), "tab": "albums"})


def _own_album(request, artist, album_id: int) -> Album:
    try:
        return selectors.studio_album_get(user=request.user, artist=artist, album_id=album_id)
    except Album.DoesNotExist:
        raise Http404 from None


def _save_album(request, form: AlbumForm, album: Album | None) -> Album | None:
    """Create or update the album, then its cover; None (with the form's errors set) when refused.

    All in one transaction: a refused cover leaves no new album behind.
    """
    from django.db import transaction

    data = form.cleaned_data
    try:
        with transaction.atomic():
            if album is None:
                album = services.album_create(actor=request.user, title=data["title"], release_date=data["release_date"])
            else:
                services.album_update(actor=request.user, album=album, title=data["title"],
                                      release_date=data["release_date"])
            if data.get("cover"):
                services.album_cover_set(actor=request.user, album=album, data=data["cover"].read())
    except CoverRejected as exc:
        form.add_error("cover", str(exc))
        return None
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    return album


@require_http_methods(["GET", "HEAD", "POST"])
@studio_view
def album_create(request, *, artist):
    form = AlbumForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        album = _save_album(request, form, None)
        if album is not None:
            messages.success(request, _("Created the album “%(title)s”.") % {"title": album.title})
            return redirect_after_post(request, reverse("studio:albums"))
    status = 400 if request.method == "POST" else 200
    return _render(request, "studio/album_form.html", {"artist": artist, "form": form, "creating": True,
                                                       "tab": "albums"}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@studio_view
def album_edit(request, album_id: int, *, artist):
    album = _own_album(request, artist, album_id)
    form = AlbumForm(request.POST or None, request.FILES or None,
                     initial={"title": album.title, "release_date": album.release_date})
    if request.method == "POST" and form.is_valid():
        if _save_album(request, form, album) is not None:
            messages.success(request, _("Saved the album “%(title)s”.") % {"title": album.title})
            return redirect_after_post(request, reverse("studio:albums"))
    status = 400 if request.method == "POST" else 200
    return _render(request, "studio/album_form.html", {"artist": artist, "form": form, "album": album,
                                                       "tab": "albums"}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@studio_view
def album_delete(request, album_id: int, *, artist):
    album = _own_album(request, artist, album_id)
    if request.method == "POST":
        title = album.title
        services.album_delete(actor=request.user, album=album)
        messages.success(request, _("Deleted the album “%(title)s”.") % {"title": title})
        return redirect_after_post(request, reverse("studio:albums"))
    impact = selectors.delete_impact(track_ids=list(Track.objects.filter(album=album).values_list("pk", flat=True)))
    return _render(request, "studio/delete.html", {"artist": artist, "album": album, "impact": impact,
                                                   "cancel_url": reverse("studio:albums"), "tab": "albums"})
