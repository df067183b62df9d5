"""Routes of the accounts API under /api/v1/; each answers with and without the trailing slash."""
from django.urls import re_path

from jonquils.api.routers import OptionalSlashRouter

from . import api

router = OptionalSlashRouter()
router.register("users", api.UserAdminViewSet, basename="users")
router.register("audit", api.AuditEventViewSet, basename="audit")

urlpatterns = [
    re_path(r"^auth/register/?$", api.RegisterView.as_view(), name="auth-register"),
    re_path(r"^auth/login/?$", api.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", api.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", api.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/me/?$", api.MeView.as_view(), name="auth-me"),
    re_path(r"^auth/me/subsonic-credentials/?$", api.SubsonicCredentialsView.as_view(),
            name="auth-me-subsonic-credentials"),
    *router.urls,
]
