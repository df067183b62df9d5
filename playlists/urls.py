from django.urls import path

from . import views

app_name = "playlists"

urlpatterns = [
    path("playlists/", views.playlist_list, name="list"),
    path("playlists/new", views.playlist_create, name="create"),
    path("playlists/<int:playlist_id>", views.playlist_detail, name="detail"),
    path("playlists/<int:playlist_id>/edit", views.playlist_edit, name="edit"),
    path("playlists/<int:playlist_id>/delete", views.playlist_delete, name="delete"),
    path("playlists/<int:playlist_id>/tracks/add", views.track_add, name="track-add"),
    path("playlists/new/tracks/add", views.track_add, name="track-add-new"),
    path("playlists/<int:playlist_id>/tracks/remove", views.track_remove, name="track-remove"),
    path("playlists/<int:playlist_id>/tracks/move", views.track_move, name="track-move"),
    path("tracks/add-to-playlist", views.add_menu, name="add-menu"),
]
