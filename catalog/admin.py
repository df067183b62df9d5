"""Staff curation of the catalog. Every save, delete and action goes through catalog.curation
(which reuses catalog.services' save path), so search, the API cache and playlists stay consistent with what the API and pages do."""
from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_site import FastChangelist, confirm_action

from . import curation
from .models import Album, Artist, Genre, Track


MAX_MERGE = 50  # duplicates are found a few at a time; "select all" of a big table is a mistake


def _thumb(url: str | None, alt: str = ""):
    if not url:
        return "—"
    return format_html('<img class="jq-thumb" src="{}" alt="{}" loading="lazy" width="40" height="40">', url, alt)


def _track_cover_url(track_id: int, size: int = 64) -> str:
    return reverse("api:v1:tracks-cover", kwargs={"pk": track_id}) + f"?size={size}"


class ServiceBackedAdmin(FastChangelist, admin.ModelAdmin):
    """Saves and deletes through the catalog services (validation, cache, search, playlists)."""

    def save_model(self, request, obj, form, change):
        try:
            curation.catalog_object_staff_save(actor=request.user, obj=obj,
                                               changed=list(form.changed_data) if change else None)
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None

    def delete_model(self, request, obj):
        curation.catalog_object_staff_delete(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                curation.catalog_object_staff_delete(actor=request.user, obj=obj)

    @admin.action(description=_("Re-index selected in search"))
    def reindex_selected(self, request, queryset):
        entity = self.model._meta.model_name

        def perform(objects, data):
            curation.catalog_reindex(actor=request.user, entity=entity, ids=objects)
            return ngettext("Re-indexed %d object in search.", "Re-indexed %d objects in search.", len(objects)) % len(objects)

        return confirm_action(self, request, queryset, title=_("Re-index in search"), perform=perform,
                              summary=_("The search entries of these objects are rebuilt from the database now."))


# --- filters -----------------------------------------------------------------------------------


class HasFeaturesFilter(admin.SimpleListFilter):
    title = _("audio features")
    parameter_name = "has_features"

    def lookups(self, request, model_admin):
        return (("yes", _("measured")), ("no", _("missing")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(tempo__isnull=False)
        if self.value() == "no":
            return queryset.filter(tempo__isnull=True)
        return queryset


class HasCoverFilter(admin.SimpleListFilter):
    title = _("cover")
    parameter_name = "has_cover"

    def lookups(self, request, model_admin):
        return (("yes", _("has a cover")), ("no", _("no cover")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(cover_image="")
        if self.value() == "no":
            return queryset.filter(cover_image="")
        return queryset


class HasAccountFilter(admin.SimpleListFilter):
    title = _("account")
    parameter_name = "has_account"

    def lookups(self, request, model_admin):
        return (("yes", _("linked to an account")), ("no", _("no account")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(user__isnull=False)
        if self.value() == "no":
            return queryset.filter(user__isnull=True)
        return queryset


# --- action forms ------------------------------------------------------------------------------


class KeepForm(forms.Form):
    """Which of the selected rows survives a merge."""

    keep = forms.ModelChoiceField(queryset=None, widget=forms.RadioSelect, empty_label=None, label=_("Keep"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = choices


class GenreForm(forms.Form):
    genre = forms.ModelChoiceField(queryset=Genre.objects.order_by("name"), required=False, label=_("Genre"),
                                   help_text=_("Empty: no genre."))


class AlbumForm(forms.Form):
    album = forms.ModelChoiceField(queryset=Album.objects.all(), label=_("Album"),
                                   widget=AutocompleteSelect(Track._meta.get_field("album"), admin.site))


# --- genres, artists, albums ---------------------------------------------------------------------


@admin.register(Genre)
class GenreAdmin(ServiceBackedAdmin):
    list_display = ("name", "description")
    search_fields = ("name",)
    ordering = ("name",)


class AlbumTrackInline(admin.TabularInline):
    """An album's tracks in order (disc, number); edits happen on the track's own page."""

    model = Track
    fields = ("disc_number", "track_number", "title", "duration_ms", "processing_status", "hidden")
    readonly_fields = fields
    ordering = ("disc_number", "track_number", "id")
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(Artist)
class ArtistAdmin(ServiceBackedAdmin):
    list_display = ("name", "country", "user", "alias_list", "created_at")
    list_filter = ("country", HasAccountFilter)
    search_fields = ("name",)
    sortable_by = ("name", "created_at")
    ordering = ("name", "id")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ("aliases", "created_at", "updated_at")
    actions = ["merge_artists", "reindex_selected"]

    @admin.display(description=_("aliases"))
    def alias_list(self, obj):
        return ", ".join(obj.aliases) or "—"

    @admin.action(description=_("Merge selected duplicate artists"))
    def merge_artists(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, _("Select at least two artists to merge."), messages.WARNING)
            return None
        if queryset.count() > MAX_MERGE:
            self.message_user(request, _("Merge at most %d artists at once.") % MAX_MERGE, messages.WARNING)
            return None

        def perform(objects, data):
            keep = data["keep"]
            curation.artist_merge(actor=request.user, keep=keep, duplicates=[o for o in objects if o.pk != keep.pk])
            self.log_change(request, keep, f"Merged {len(objects) - 1} duplicate artist(s) into this one")
            return _("Merged %(n)d artists into “%(keep)s”; their names are kept as aliases.") % {
                "n": len(objects) - 1, "keep": keep.name}

        return confirm_action(
            self, request, queryset, title=_("Merge duplicate artists"), perform=perform, form_class=KeepForm,
            form_kwargs={"choices": queryset.order_by("pk")},
            summary=_("The albums and tracks of every other selected artist move to the one you keep; their "
                      "names become its aliases (search still finds them) and they are deleted."))


@admin.register(Album)
class AlbumAdmin(ServiceBackedAdmin):
    list_display = ("cover_thumb", "title", "artist", "release_date")
    list_display_links = ("title",)
    list_filter = (("release_date", admin.DateFieldListFilter), HasCoverFilter)
    search_fields = ("title", "artist__name")
    sortable_by = ("title", "release_date")
    ordering = ("-id",)
    list_select_related = ("artist",)
    autocomplete_fields = ("artist",)
    readonly_fields = ("cover_preview", "created_at", "updated_at")
    inlines = [AlbumTrackInline]
    actions = ["merge_albums", "reindex_selected"]

    @admin.display(description=_("cover"))
    def cover_thumb(self, obj):
        return _thumb(obj.cover_image.url if obj.cover_image else None, "")

    @admin.display(description=_("cover preview"))
    def cover_preview(self, obj):
        if not obj.cover_image:
            return "—"
        return format_html('<img class="jq-cover" src="{}" alt="{}">', obj.cover_image.url, obj.title)

    @admin.action(description=_("Merge selected duplicate albums"))
    def merge_albums(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, _("Select at least two albums to merge."), messages.WARNING)
            return None
        if queryset.count() > MAX_MERGE:
            self.message_user(request, _("Merge at most %d albums at once.") % MAX_MERGE, messages.WARNING)
            return None

        def perform(objects, data):
            keep = data["keep"]
            curation.album_merge(actor=request.user, keep=keep, duplicates=[o for o in objects if o.pk != keep.pk])
            self.log_change(request, keep, f"Merged {len(objects) - 1} duplicate album(s) into this one")
            return _("Merged %(n)d albums into “%(keep)s”.") % {"n": len(objects) - 1, "keep": keep.title}

        return confirm_action(
            self, request, queryset, title=_("Merge duplicate albums"), perform=perform, form_class=KeepForm,
            form_kwargs={"choices": queryset.select_related("artist").order_by("pk")},
            summary=_("The tracks of every other selected album move to the one you keep, which takes their "
                      "cover and date if it has none; the others are deleted. All must be of one artist."))


# --- tracks ------------------------------------------------------------------------------------


@admin.register(Track)
class TrackAdmin(ServiceBackedAdmin):
    list_display = ("cover_thumb", "title", "artist", "album", "genre", "duration_ms", "popularity",
                    "processing_status", "hidden", "created_at")
    list_display_links = ("title",)
    list_filter = ("processing_status", "hidden", HasFeaturesFilter, "genre")
    search_fields = ("title", "artist__name")
    sortable_by = ("title", "popularity", "created_at")
    ordering = ("-id",)
    list_select_related = ("artist", "album", "genre")
    autocomplete_fields = ("artist", "album", "genre")
    readonly_fields = ("cover_preview", "tempo", "energy", "valence", "loudness_db", "genre_confidence",
                       "audio_format", "checksum", "file_path", "file_size", "mime_type", "processing_status",
                       "processing_error", "hidden", "popularity", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("cover_preview", "title", "artist", "album", "genre", "disc_number",
                           "track_number", "duration_ms")}),
        (_("Audio features and genre model"), {"fields": ("tempo", "energy", "valence", "loudness_db",
                                                          "genre_confidence")}),
        (_("Tags"), {"classes": ("collapse",), "fields": ("isrc", "musicbrainz_recording_id", "album_artist_name",
                                                          "is_compilation", "lyrics", "synced_lyrics")}),
        (_("File and processing"), {"fields": ("processing_status", "processing_error", "hidden", "audio_format",
                                               "file_path", "file_size", "mime_type", "checksum", "popularity",
                                               "created_at", "updated_at")}),
    )
    actions = ["reprocess", "reindex_selected", "set_genre", "move_to_album", "hide", "show"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from catalog.streaming import stream_token_make

        extra_context = dict(extra_context or {})
        # A signed stream link (catalog.streaming) for the page's <audio>: one user, one track, expiring.
        if object_id and str(object_id).isdigit():
            track_id = int(object_id)
            token = stream_token_make(user=request.user, track_id=track_id)
            extra_context["stream_url"] = (reverse("api:v1:tracks-stream", kwargs={"pk": track_id})
                                           + "?" + urlencode({"token": token}))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("cover"))
    def cover_thumb(self, obj):
        return _thumb(_track_cover_url(obj.pk), "")

    @admin.display(description=_("cover"))
    def cover_preview(self, obj):
        if obj.pk is None:
            return "—"
        return format_html('<img class="jq-cover" src="{}" alt="{}">', _track_cover_url(obj.pk, 300), obj.title)

    @admin.action(description=_("Re-run processing of selected tracks"))
    def reprocess(self, request, queryset):
        def perform(objects, data):
            n = curation.tracks_reprocess_enqueue(actor=request.user, track_ids=objects)
            return ngettext("Queued %d track for re-processing.", "Queued %d tracks for re-processing.", n) % n

        return confirm_action(self, request, queryset, title=_("Re-run processing"), perform=perform,
                              summary=_("Each file is read again: tags (title, number, genre), duration, audio "
                                        "features and the genre model's guess. Tracks whose file is gone end failed."))

    @admin.action(description=_("Set genre of selected tracks"))
    def set_genre(self, request, queryset):
        def perform(objects, data):
            n = curation.tracks_genre_set(actor=request.user, track_ids=objects, genre=data["genre"])
            return ngettext("Set the genre of %(n)d track to %(g)s.", "Set the genre of %(n)d tracks to %(g)s.", n) % {
                "n": n, "g": data["genre"] or "—"}

        return confirm_action(self, request, queryset, title=_("Set genre"), perform=perform, form_class=GenreForm,
                              summary=_("The genre you choose replaces the tag's or the model's; the model's "
                                        "confidence is cleared."))

    @admin.action(description=_("Move selected tracks to another album"))
    def move_to_album(self, request, queryset):
        def perform(objects, data):
            n = curation.tracks_move_to_album(actor=request.user, track_ids=objects, album=data["album"])
            return ngettext("Moved %(n)d track to “%(a)s”.", "Moved %(n)d tracks to “%(a)s”.", n) % {
                "n": n, "a": data["album"].title}

        return confirm_action(self, request, queryset, title=_("Move to album"), perform=perform, form_class=AlbumForm,
                              summary=_("The tracks leave their albums for the one you choose (of the same artist)."))

    @admin.action(description=_("Hide selected tracks"))
    def hide(self, request, queryset):
        def perform(objects, data):
            n = curation.tracks_hidden_set(actor=request.user, track_ids=objects, hidden=True)
            return ngettext("Hid %d track.", "Hid %d tracks.", n) % n

        return confirm_action(self, request, queryset, title=_("Hide tracks"), perform=perform,
                              summary=_("Hidden tracks leave listings, search and Subsonic for everyone but admins "
                                        "and their artist; playlists keep their entries."))

    @admin.action(description=_("Show selected tracks again"))
    def show(self, request, queryset):
        def perform(objects, data):
            n = curation.tracks_hidden_set(actor=request.user, track_ids=objects, hidden=False)
            return ngettext("Showed %d track again.", "Showed %d tracks again.", n) % n

        return confirm_action(self, request, queryset, title=_("Show tracks"), perform=perform,
                              summary=_("The tracks come back into listings and search."))
