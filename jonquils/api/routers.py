from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """Every route answers with and without the trailing slash (no redirect that drops a POST body)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"
