"""Session fixtures: each real service starts once per test run, from jonquils.embedded.

PostgreSQL and Redis are the ones named by DATABASE_URL / REDIS_URL when set, otherwise
embedded servers under var/test (tests.environment sets JONQUILS_VAR_DIR before Django
reads its settings).
"""
from __future__ import annotations

import os
import subprocess
import time
from urllib.parse import quote

import pytest
from django.apps import apps as django_apps
from django.conf import settings

from jonquils.embedded.paths import embedded_paths
from jonquils.embedded.services import EmbeddedStack, celery_command, stop_process


@pytest.fixture(scope="session")
def embedded_services():
    """Start the embedded PostgreSQL and Redis unless the environment names servers."""
    stack = EmbeddedStack(embedded_paths())
    stack.start()
    if settings.DATABASE_EMBEDDED:
        # The socket directory is known for sure only once the server runs.
        settings.DATABASES["default"]["HOST"] = str(stack.paths.postgres_socket_dir())
    yield stack
    from django.db import connections

    connections.close_all()
    stack.stop()


# Argon2 with small parameters: the same code path at ~1 ms a hash instead of ~0.5 s.
FAST_TEST_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_TEST_HASHERS):
        yield


def pytest_collection_modifyitems(items):
    """Let tests with real transactions clean up: flush with TRUNCATE ... CASCADE.

    Django's flush only sees tables on the search path, so it truncates `tracks` but not
    `etl.s3_file_registry` and `staging.track_uploads`, which reference it, and PostgreSQL
    refuses. With `available_apps` set, Django's flush cascades into them.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and marker.kwargs.get("available_apps") is None:
            kwargs = {**marker.kwargs, "available_apps": [app.name for app in django_apps.get_app_configs()]}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(embedded_services):
    """Make pytest-django create the test database only once the server runs."""


@pytest.fixture(autouse=True)
def _services_and_clean_cache(embedded_services):
    from django.core.cache import cache

    cache.clear()
    yield


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    host = db.get("HOST") or ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    if host.startswith("/"):
        # django-environ does not unquote a %2F-encoded socket path in the host part; psycopg takes
        # the socket directory as the `host` option instead (as jonquils.embedded.paths does).
        return f"postgres://{auth}@/{db['NAME']}?host={quote(host, safe='/')}"
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker process consuming the test broker and using the test database."""
    from jonquils.celery import app

    env = dict(os.environ, DATABASE_URL=_test_database_url(), PYTHONUNBUFFERED="1")
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    hostname = f"test-{os.getpid()}@localhost"
    app.control.purge()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            celery_command("worker", var_run_dir=embedded_paths().run_dir, concurrency=2, hostname=hostname),
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")
    yield process
    stop_process(process, timeout=20)


# --- storage: one real S3 server for the whole run, started on first use ---------------------
@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A SeaweedFS server (jonquils.embedded.seaweedfs) on free ports; stopped at the end of the run."""
    from jonquils.embedded.seaweedfs import EmbeddedSeaweedFS

    server = EmbeddedSeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    yield server
    server.stop()
# --- end storage
# --- analytics owner (issue 7): the one process holding chDB, draining the event buffer -----
@pytest.fixture(scope="session")
def analytics_owner(embedded_services, tmp_path_factory):
    """The analytics owner process of the test run (chDB under var/test/clickhouse), shared by all tests."""
    from jonquils.embedded.analytics_owner import AnalyticsOwnerProcess

    log_path = tmp_path_factory.mktemp("analytics") / "owner.log"
    owner = AnalyticsOwnerProcess(embedded_paths(), env=dict(os.environ, PYTHONUNBUFFERED="1"), log_path=log_path)
    owner.start()
    yield owner
    owner.stop()
# --- end analytics owner


# --- pages: Debian's Chromium through Playwright (jonquils.embedded.browser) -------------------
@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per test module.

    Playwright's sync API keeps an asyncio loop on the test thread while it lives, and Django
    then refuses database calls there (the test's own setup and flush), so they are allowed
    for this module only, as Playwright's documentation advises for Django.
    """
    from playwright.sync_api import sync_playwright

    from jonquils.embedded.browser import launch_chromium

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (no cookies, no storage) and page per test."""
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()
    # Leave every page first, and give the live server a moment: the player saves its queue on a
    # timer and by sendBeacon on pagehide, and a save still running while the next test's flush
    # TRUNCATEs the tables deadlocks that flush.
    for open_page in context.pages:
        try:
            open_page.goto("about:blank", timeout=5_000)
        except Exception:  # noqa: BLE001 - a page that cannot leave is closed below anyway
            pass
    if context.pages:
        context.pages[0].wait_for_timeout(750)
    context.close()
