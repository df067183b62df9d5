from django.urls import path

from analytics import views as analytics_views

from . import studio_views as views

app_name = "studio"

urlpatterns = [
    path("studio/", views.upload, name="upload"),
    path("studio/uploads/<int:upload_id>/status", views.upload_status, name="upload-status"),
    path("studio/uploads/from-url", views.upload_from_url, name="upload-from-url"),
    path("studio/tracks", views.tracks, name="tracks"),
    path("studio/tracks/<int:track_id>/edit", views.track_edit, name="track-edit"),
    path("studio/tracks/<int:track_id>/cover", views.track_cover, name="track-cover"),
    path("studio/tracks/<int:track_id>/delete", views.track_delete, name="track-delete"),
    path("studio/albums", views.albums, name="albums"),
    path("studio/albums/new", views.album_create, name="album-create"),
    path("studio/albums/<int:album_id>/edit", views.album_edit, name="album-edit"),
    path("studio/albums/<int:album_id>/delete", views.album_delete, name="album-delete"),
    path("studio/audience", analytics_views.audience, name="audience"),
]
