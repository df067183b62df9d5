"""Django's per-request state (active language, time zone, URL prefix and urlconf, cache clients) in plain thread locals in the WSGI server.

Django keeps that state in `asgiref.local.Local()`, which serialises every read through one
process-wide RLock so that async code can share it. A page reads it thousands of times (every
`{% translate %}`, every localized number, every `{% url %}`, every cache read), and under gunicorn's threads the
lock became a convoy: py-spy put 62 % of a loaded worker's samples in
`_DefaultLocal.__getattr__`'s acquire, and the big playlist page served 4.6 req/s with 16
threads against 29 with 2. The WSGI server runs each request start to end in one thread with no
event loop, where `Local(thread_critical=True)` is exactly a `threading.local` and takes no
lock. Only the web server (jonquils.wsgi) swaps them; everything else keeps Django's.
"""
from __future__ import annotations

from asgiref.local import Local


def use_thread_locals_for_request_state() -> None:
    """Swap the Locals before the first request (their state is empty then: nothing to carry over)."""
    from django.core.cache import caches
    from django.urls import base as url_state
    from django.utils import timezone
    from django.utils.translation import trans_real

    trans_real._active = Local(thread_critical=True)
    timezone._active = Local(thread_critical=True)
    url_state._prefixes = Local(thread_critical=True)
    url_state._urlconfs = Local(thread_critical=True)
    caches._connections = Local(thread_critical=True)  # each thread keeps its own client, as before
