from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from catalog import views as catalog_views

from . import metrics, pages, views

# Non-API paths answer the site's HTML pages (templates/404.html, 403.html, 500.html); /api/ keeps JSON.
handler404 = "jonquils.api.errors.json_not_found"
handler500 = "jonquils.api.errors.json_server_error"
handler403 = "jonquils.api.errors.json_permission_denied"

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("health", views.health, name="health"),
    path("health/live", views.health_live, name="health-live"),
    path("health/ready", views.health_ready, name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/", include(("jonquils.api.urls", "api"), namespace="api")),
    path("rest/", include("jonquils.subsonic.urls")),  # the Subsonic / OpenSubsonic API (issue 15)
    # API documentation (issue 4): the OpenAPI 3 schema, Swagger UI and ReDoc, assets served locally.
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="api-schema"),
    re_path(r"^docs/?$", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),  # no inline script (CSP)
    re_path(r"^redoc/?$", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # The listener pages.
    path("i18n/setlang/", set_language, name="set_language"),
    path("settings/theme", pages.theme_set, name="ui-theme"),
    path("accounts/", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("playlists.urls")),
    path("", include("search.urls")),
    path("", include("analytics.urls")),
    path("", include("catalog.studio_urls")),
]
