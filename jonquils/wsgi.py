import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")
application = get_wsgi_application()

if os.environ.get("WEB_LOCK_FREE_LOCALS", "1") == "1":
    from jonquils.request_locals import use_thread_locals_for_request_state

    use_thread_locals_for_request_state()


def _web_statement_timeout(sender, connection, **kwargs):
    """A request never waits on one SQL statement longer than DB_STATEMENT_TIMEOUT_MS (web processes only)."""
    from django.conf import settings

    timeout_ms = int(settings.DB_STATEMENT_TIMEOUT_MS)
    if timeout_ms > 0 and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{timeout_ms}ms"])


# Here, not in the settings: every process loads the settings (the jonquils package imports the
# Celery app), and migrations, ETL and workers may need longer statements.
from django.db.backends.signals import connection_created  # noqa: E402

connection_created.connect(_web_statement_timeout, dispatch_uid="jonquils.web_statement_timeout")
