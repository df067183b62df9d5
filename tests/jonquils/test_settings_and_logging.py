import json
import logging
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-Wa", "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_system_check_is_clean_and_migrations_are_complete():
    check = _manage("check")
    assert check.returncode == 0 and "no issues" in check.stdout, check.stderr
    migrations = _manage("makemigrations", "--check", "--dry-run")
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr


def test_deploy_check_passes_with_production_variables():
    production = {
        "SECRET_KEY": "x" * 64 + "-production-secret-from-the-environment",
        "ALLOWED_HOSTS": "music.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SESSION_COOKIE_SECURE": "true",
        "CSRF_COOKIE_SECURE": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra=production)
    assert result.returncode == 0, result.stdout + result.stderr


def test_logs_are_json_lines_on_stdout_and_in_a_rotating_file(settings, capsys):
    handler = logging.getLogger().handlers
    file_handlers = [h for h in handler if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert file_handlers and file_handlers[0].maxBytes > 0 and file_handlers[0].backupCount > 0
    assert Path(file_handlers[0].baseFilename).parent == Path(settings.LOG_DIR)

    logging.getLogger("jonquils.test").warning("hello %s", "logs", extra={"track_id": 42})
    for h in file_handlers:
        h.flush()
    last = Path(file_handlers[0].baseFilename).read_text().strip().splitlines()[-1]
    record = json.loads(last)
    assert record["message"] == "hello logs" and record["level"] == "WARNING" and record["track_id"] == 42
    assert record["logger"] == "jonquils.test" and "time" in record
