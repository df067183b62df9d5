"""The admin site of the project: Django's, with the sign-in limits of the API on its login form."""
from __future__ import annotations

from django.contrib import admin

from .views import login_throttled_response
from .throttling import login_attempt_wait


class JonquilsAdminSite(admin.AdminSite):
    site_header = "JONQUILS administration"
    site_title = "JONQUILS admin"

    def login(self, request, extra_context=None):
        """Count every posted login like an API login (per IP, per account); 429 page when over the limit.

        The check comes before the form, so a refused attempt costs no password hash.
        """
        if request.method == "POST":
            login = request.POST.get("username")
            wait = login_attempt_wait(request, login=login if isinstance(login, str) else None)
            if wait is not None:
                return login_throttled_response(request, wait=wait, template_name="admin/login_throttled.html",
                                                context={**self.each_context(request), "title": "Too many attempts"})
        return super().login(request, extra_context)
