from jonquils.api.routers import OptionalSlashRouter

from etl.api import UploadViewSet

router = OptionalSlashRouter()
router.register("uploads", UploadViewSet, basename="uploads")

urlpatterns = router.urls
