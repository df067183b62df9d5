"""Browser helpers of the page tests: sign a Playwright context in with a Django session."""
from __future__ import annotations

from importlib import import_module

from django.conf import settings


def login_context(page, live_server, user) -> None:
    """Give the page's browser context a signed-in session cookie for `user` (no login form round trip)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                               "url": live_server.url}])
