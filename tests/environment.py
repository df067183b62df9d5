"""Loaded with `-p` before pytest-django reads settings: the suite keeps its own var/test.

The test run never touches the data of `make run` (var/), and both can run at once.
"""
import os
import secrets
import shutil
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
_SUITE_VAR = _ROOT / "var" / "test"
if "JONQUILS_VAR_DIR" not in os.environ and "MEDIA_ROOT" not in os.environ:
    # The test database starts empty each run and its ids restart, so media keyed by id
    # (tracks/<id>/cover-300.jpg) left by an earlier run would pass for this run's files.
    shutil.rmtree(_SUITE_VAR / "media", ignore_errors=True)
os.environ.setdefault("JONQUILS_VAR_DIR", str(_SUITE_VAR))
os.environ.setdefault("LOG_DIR", str(_ROOT / "var" / "test" / "logs"))
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
# WhiteNoise warns at every request when STATIC_ROOT is missing; the suite never collects.
os.environ.setdefault("STATIC_ROOT", str(_ROOT / "var" / "test" / "staticfiles"))
Path(os.environ["STATIC_ROOT"]).mkdir(parents=True, exist_ok=True)
# Processes the suite starts with DATABASE_URL (Celery worker, Airflow, etl_run) run in services
# mode, which needs the signing keys given: one random pair per test run, shared by all of them.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("JWT_SIGNING_KEY", secrets.token_urlsafe(50))
