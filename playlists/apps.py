from django.apps import AppConfig


class PlaylistsConfig(AppConfig):
    name = "playlists"
    verbose_name = "Playlists"

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_delete

        from .cache import on_playlist_changed
        from .models import Playlist, PlaylistTrack
        from .services import on_entry_post_delete, on_entry_pre_delete, on_playlist_pre_delete

        # Dense positions whatever removes entries (artist, album, track or user deletions cascade).
        pre_delete.connect(on_entry_pre_delete, sender=PlaylistTrack, dispatch_uid="playlists.entry-lock")
        post_delete.connect(on_entry_post_delete, sender=PlaylistTrack, dispatch_uid="playlists.entry-recompact")
        pre_delete.connect(on_playlist_pre_delete, sender=Playlist, dispatch_uid="playlists.playlist-deleted")
        # A playlist's cached public row (playlists.cache) is dropped by any save or delete.
        post_save.connect(on_playlist_changed, sender=Playlist, dispatch_uid="playlists.row-cache-save")
        post_delete.connect(on_playlist_changed, sender=Playlist, dispatch_uid="playlists.row-cache-delete")
