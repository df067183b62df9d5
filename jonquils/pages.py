"""What every listener page shares: the theme and language context, the theme switch, the CSP header."""
from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

THEME_COOKIE = "jonquils_theme"
THEMES = ("light", "dark", "auto")
# Paths that are not listener pages: the API answers JSON, and the admin and the API docs
# ship inline scripts and styles of their own.
NOT_PAGES = ("/api/", "/rest/", "/admin/", "/docs", "/redoc", "/static/", "/health")


def ui_context(request) -> dict:
    """The theme the listener chose (a cookie, so the server renders it and nothing flashes), and the
    page's own path for `next` fields: `here` (the template escapes it) and `here_quoted` (URL-quoted
    as the `urlencode` filter does). Cached track rows carry markers in their place
    (catalog/templatetags/track_rows.py)."""
    theme = request.COOKIES.get(THEME_COOKIE, "auto")
    path = request.get_full_path()
    return {"ui_theme": theme if theme in THEMES else "auto", "here": path, "here_quoted": quote(path, safe="/")}


def safe_next(request, fallback: str = "/") -> str:
    """The `next` the form or query names, if it stays on this site; else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return fallback


def redirect_after_post(request, target: str):
    """Redirect after a form post: HX-Location for htmx (no full page load stops the music), 303 otherwise."""
    if getattr(request, "htmx", False):
        from django_htmx.http import HttpResponseLocation

        return HttpResponseLocation(target, target="body", swap="innerHTML")
    return HttpResponseRedirect(target)


def wants_fragment(request, target_id: str) -> bool:
    """True when htmx asks for one part of the page (not a boosted navigation, not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request and htmx.target == target_id


@require_POST
def theme_set(request):
    """Remember light, dark or auto for a year (the JS switch sets the same cookie without a request)."""
    theme = request.POST.get("theme", "auto")
    response = redirect_after_post(request, safe_next(request))
    response.set_cookie(THEME_COOKIE, theme if theme in THEMES else "auto", max_age=365 * 24 * 3600,
                        samesite="Lax", secure=request.is_secure())
    return response


# The CSP middleware moved to jonquils/security.py (issue 16: every response, the admin and the docs too).
from jonquils.security import ContentSecurityPolicyMiddleware  # noqa: E402,F401
