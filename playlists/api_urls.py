from django.urls import re_path

from catalog.api import ID_REGEX
from jonquils.api.routers import OptionalSlashRouter

from . import api

router = OptionalSlashRouter()
router.register("playlists", api.PlaylistViewSet, basename="playlists")

urlpatterns = [
    *router.urls,
    re_path(rf"^tracks/(?P<track_id>{ID_REGEX})/favorite/?$", api.FavoriteTrackView.as_view(), name="track-favorite"),
    re_path(r"^me/play-queue/?$", api.MyPlayQueueView.as_view(), name="my-play-queue"),
    re_path(r"^me/play-queue/tracks/?$", api.MyPlayQueueTracksView.as_view(), name="my-play-queue-tracks"),
    re_path(r"^me/favorites/?$", api.MyFavoritesView.as_view(), name="my-favorites"),
]
