from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
    path("password", views.password_change, name="password"),
    path("profile", views.profile, name="profile"),
    path("profile/subsonic", views.subsonic_credentials, name="subsonic-credentials"),
]
