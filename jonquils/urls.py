from django.contrib import admin
from django.urls import include, path

from . import views

handler404 = "jonquils.api.errors.json_not_found"
handler500 = "jonquils.api.errors.json_server_error"

urlpatterns = [
    path("health", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/", include(("jonquils.api.urls", "api"), namespace="api")),
]
