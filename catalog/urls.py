from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("browse/", views.browse, name="browse"),
    path("browse/artists", views.browse_artists, name="browse-artists"),
    path("browse/albums", views.browse_albums, name="browse-albums"),
    path("browse/genres", views.browse_genres, name="browse-genres"),
    path("artists/<int:artist_id>", views.artist, name="artist"),
    path("albums/<int:album_id>", views.album, name="album"),
    path("genres/<int:genre_id>", views.genre, name="genre"),
    path("tracks/<int:track_id>", views.track, name="track"),
    path("tracks/<int:track_id>/favourite", views.track_favourite, name="track-favourite"),
]
