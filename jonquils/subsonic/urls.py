"""Routes of /rest/: every method with and without `.view`; anything else answers the error envelope."""
from django.urls import re_path

from . import views

app_name = "subsonic"

urlpatterns = [
    re_path(r"^(?P<name>[^/]*?)(?:\.view)?/?$", views.dispatch, name="method"),
    re_path(r"^(?P<name>.*)$", views.dispatch, name="unknown"),
]
