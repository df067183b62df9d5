from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("library/", views.library, name="index"),
    path("library/favourites", views.favourites, name="favourites"),
    path("library/history", views.history, name="history"),
    path("library/stats", views.stats, name="stats"),
]
