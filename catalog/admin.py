from django.contrib import admin

from .models import Album, Artist, Genre, Track


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "user", "created_at")
    search_fields = ("name",)
    list_filter = ("country",)
    raw_id_fields = ("user",)


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("title", "artist", "release_date")
    search_fields = ("title", "artist__name")
    list_select_related = ("artist",)
    raw_id_fields = ("artist",)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("title", "artist", "album", "genre", "duration_ms", "popularity", "processing_status")
    list_filter = ("processing_status", "genre")
    search_fields = ("title", "artist__name", "album__title")
    list_select_related = ("artist", "album", "genre")
    raw_id_fields = ("artist", "album")
    readonly_fields = ("checksum", "file_size", "mime_type", "created_at", "updated_at")
