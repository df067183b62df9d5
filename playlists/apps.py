from django.apps import AppConfig


class PlaylistsConfig(AppConfig):
    name = "playlists"
    verbose_name = "Playlists"
