"""Pages of accounts: the pieces a sign-in page shares (the admin's today, the web login next)."""
from __future__ import annotations

import math

from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from .throttling import login_attempt_wait  # noqa: F401 - the check a sign-in page calls first


@never_cache
def login_throttled_response(request, *, wait: float, template_name: str = "accounts/login_throttled.html",
                             context: dict | None = None) -> TemplateResponse:
    """429 page saying when to try again, with Retry-After; `wait` from `login_attempt_wait`."""
    seconds = max(1, math.ceil(wait))
    response = TemplateResponse(request, template_name, {**(context or {}), "retry_after_s": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response
