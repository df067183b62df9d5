"""Security headers every response gets: Content-Security-Policy without 'unsafe-inline' on every page,
the admin, the API and its docs (the others — X-Content-Type-Options, Referrer-Policy,
X-Frame-Options, Cross-Origin-Opener-Policy — come from Django's SecurityMiddleware and
XFrameOptionsMiddleware, configured in the settings).

Why not django-csp: the project's pages already need nothing inline, so one policy string per
response is all there is to do; the one exception is the API docs (drf-spectacular's Swagger UI and
ReDoc pages carry a fixed inline <style>), which get the SHA-256 hashes of those blocks added to
`style-src` — hashes of third-party static templates, never of anything a user wrote. Swagger's
init script is served as a file (SpectacularSwaggerSplitView), so no inline script anywhere.

The one exception, stated: ReDoc (/redoc) renders with styled-components, which inserts <style>
elements at run time; no hash can name those, so /redoc alone gets `style-src-elem 'self'
'unsafe-inline'` (styles only: its scripts stay 'self') and `worker-src blob:` for its search worker. Swagger UI at /docs needs nothing of the kind.
"""
from __future__ import annotations

import base64
import hashlib
import re

from django.conf import settings

DOCS_PATHS = ("/docs", "/redoc")
_STYLE_BLOCK = re.compile(rb"<style[^>]*>(.*?)</style>", re.S | re.I)


def _with_style_hashes(policy: str, body: bytes) -> str:
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'"
                      for block in _STYLE_BLOCK.findall(body))
    if not hashes:
        return policy
    parts = [p.strip() for p in policy.split(";") if p.strip()]
    for index, part in enumerate(parts):
        if part.startswith("style-src "):
            parts[index] = f"{part} {hashes}"
            break
    else:
        parts.append(f"style-src 'self' {hashes}")
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """Send CSP_POLICY on every response (PAGES_CSP, when set, on the listener pages instead)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from jonquils.pages import NOT_PAGES

        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        policy = settings.CSP_POLICY
        if settings.PAGES_CSP and not request.path.startswith(NOT_PAGES):
            policy = settings.PAGES_CSP
        if policy and request.path.startswith(DOCS_PATHS) and not getattr(response, "streaming", False):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            policy = _with_style_hashes(policy, response.content)
            if request.path.startswith("/redoc"):
                policy += "; style-src-elem 'self' 'unsafe-inline'; worker-src 'self' blob:"
        if policy:
            response["Content-Security-Policy"] = policy
        return response
