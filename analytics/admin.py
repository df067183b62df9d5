from django.contrib import admin

from accounts.admin_site import FastChangelist

from .models import ListeningHistory


@admin.register(ListeningHistory)
class ListeningHistoryAdmin(FastChangelist, admin.ModelAdmin):
    list_display = ("user", "track", "played_at", "play_duration_ms", "completion_percentage", "platform", "device_type")
    list_filter = ("platform", "device_type")
    list_select_related = ("user", "track")
    autocomplete_fields = ("user", "track")
    date_hierarchy = "played_at"
