from django.contrib import admin

from .cache import catalog_cache_invalidate
from .models import Album, Artist, Genre, Track


class InvalidatesApiCache(admin.ModelAdmin):
    """Staff edits change cached API answers too: drop them like the services do."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        catalog_cache_invalidate()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        catalog_cache_invalidate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        catalog_cache_invalidate()


@admin.register(Genre)
class GenreAdmin(InvalidatesApiCache):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Artist)
class ArtistAdmin(InvalidatesApiCache):
    list_display = ("name", "country", "user", "created_at")
    search_fields = ("name",)
    list_filter = ("country",)
    raw_id_fields = ("user",)


@admin.register(Album)
class AlbumAdmin(InvalidatesApiCache):
    list_display = ("title", "artist", "release_date")
    search_fields = ("title", "artist__name")
    list_select_related = ("artist",)
    raw_id_fields = ("artist",)


@admin.register(Track)
class TrackAdmin(InvalidatesApiCache):
    list_display = ("title", "artist", "album", "genre", "duration_ms", "popularity", "processing_status")
    list_filter = ("processing_status", "genre")
    search_fields = ("title", "artist__name", "album__title")
    list_select_related = ("artist", "album", "genre")
    raw_id_fields = ("artist", "album")
    readonly_fields = ("checksum", "file_size", "mime_type", "created_at", "updated_at")

    def delete_model(self, request, obj):
        from playlists.services import playlists_drop_track

        playlists_drop_track(track_id=obj.pk)  # keep playlist positions dense
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        from playlists.services import playlists_drop_track

        for track_id in queryset.values_list("pk", flat=True):
            playlists_drop_track(track_id=track_id)
        super().delete_queryset(request, queryset)
