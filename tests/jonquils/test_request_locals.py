"""The web server's per-request state in plain thread locals (jonquils.request_locals): no lock, and no leak between threads."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import base as url_state
from django.utils import timezone
from django.utils.translation import trans_real

from jonquils.request_locals import use_thread_locals_for_request_state

ROOT = Path(__file__).resolve().parents[2]
SWAPPED = [(trans_real, "_active"), (timezone, "_active"), (url_state, "_prefixes"), (url_state, "_urlconfs"),
           (caches, "_connections")]


@pytest.fixture
def thread_locals():
    """The swap as the WSGI server does it, undone afterwards (the rest of the suite keeps Django's Locals)."""
    saved = [getattr(module, name) for module, name in SWAPPED]
    use_thread_locals_for_request_state()
    yield
    for (module, name), value in zip(SWAPPED, saved):
        setattr(module, name, value)


def test_the_web_server_module_swaps_every_request_state_local_for_a_lock_free_one():
    """Loading jonquils.wsgi (what gunicorn does) swaps them; a plain django.setup() (Celery, commands) does not."""
    probe = ("import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jonquils.settings'); {load}; "
             "from django.core.cache import caches; from django.urls import base; from django.utils import timezone; "
             "from django.utils.translation import trans_real; "
             "print([type(x).__name__ for x in (trans_real._active, timezone._active, base._prefixes, "
             "base._urlconfs, caches._connections)])")

    def kinds(load: str) -> str:
        result = subprocess.run([sys.executable, "-c", probe.format(load=load)], cwd=ROOT, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout.strip().splitlines()[-1]

    assert kinds("import jonquils.wsgi") == str(["_ThreadCriticalLocal"] * 5)
    assert kinds("django.setup()") == str(["_DefaultLocal"] * 5)


def test_concurrent_requests_each_answer_in_their_own_language(thread_locals):
    """16 threads, each sending 20 requests in English or Russian at once: every page is in the language asked for."""
    wrong, start = [], threading.Barrier(16)

    def listener(index: int) -> None:
        client, language = Client(), ("ru" if index % 2 else "en")
        expected = {"ru": ('<html lang="ru"', "Такой страницы нет"), "en": ('<html lang="en"', "This page isn’t here")}[language]
        start.wait()
        for n in range(20):
            body = client.get(f"/no-such-page-{index}-{n}", headers={"Accept-Language": language}).content.decode()
            if not all(text in body for text in expected):
                wrong.append((index, n, language, body[:200]))

    threads = [threading.Thread(target=listener, args=(index,)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert trans_real.get_language().startswith("en")  # and the test's own thread was never switched
