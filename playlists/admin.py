from django.contrib import admin

from .models import Favorite, Playlist, PlaylistTrack


class PlaylistTrackInline(admin.TabularInline):
    model = PlaylistTrack
    raw_id_fields = ("track",)
    ordering = ("position",)
    extra = 0


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "is_public", "updated_at")
    list_filter = ("is_public",)
    search_fields = ("title", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    inlines = [PlaylistTrackInline]


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ("user", "track", "created_at")
    list_select_related = ("user", "track")
    raw_id_fields = ("user", "track")
