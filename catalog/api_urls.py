from jonquils.api.routers import OptionalSlashRouter

from . import api

router = OptionalSlashRouter()
router.register("tracks", api.TrackViewSet, basename="tracks")
router.register("artists", api.ArtistViewSet, basename="artists")
router.register("albums", api.AlbumViewSet, basename="albums")
router.register("genres", api.GenreViewSet, basename="genres")

urlpatterns = router.urls
