from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

handler404 = "jonquils.api.errors.json_not_found"
handler500 = "jonquils.api.errors.json_server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/", include(("jonquils.api.urls", "api"), namespace="api")),
    # API documentation (issue 4): the OpenAPI 3 schema, Swagger UI and ReDoc, assets served locally.
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="api-schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^redoc/?$", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
