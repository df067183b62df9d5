from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        # Every way a track disappears (API, admin, an artist's cascade) must drop its objects;
        # post_delete is the one place that sees them all.
        from django.db.models.signals import post_delete

        from catalog.media import on_track_deleted
        from catalog.models import Track

        post_delete.connect(on_track_deleted, sender=Track, dispatch_uid="catalog.track_media_delete")
