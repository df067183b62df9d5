from django.contrib import admin

from accounts.admin_site import FastChangelist

from .models import Favorite, Playlist, PlaylistTrack


class PlaylistTrackInline(admin.TabularInline):
    model = PlaylistTrack
    autocomplete_fields = ("track",)
    ordering = ("position",)
    extra = 0


@admin.register(Playlist)
class PlaylistAdmin(FastChangelist, admin.ModelAdmin):
    list_display = ("title", "owner", "is_public", "updated_at")
    list_filter = ("is_public",)
    search_fields = ("title", "owner__username")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    inlines = [PlaylistTrackInline]


@admin.register(Favorite)
class FavoriteAdmin(FastChangelist, admin.ModelAdmin):
    list_display = ("user", "track", "created_at")
    list_select_related = ("user", "track")
    autocomplete_fields = ("user", "track")
