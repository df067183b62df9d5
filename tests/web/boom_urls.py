"""The project's URLs plus a page that fails on purpose, for the HTML 500 test."""
from django.urls import path

from jonquils.urls import handler403, handler404, handler500, urlpatterns as project_urlpatterns  # noqa: F401


def failing_page(request):
    raise RuntimeError("page exploded near SELECT * FROM users")


urlpatterns = [path("boom-page", failing_page), *project_urlpatterns]
