"""Signing keys: refused when missing (services mode), known or short; generated and kept under var/ when embedded.

Each case loads the settings in a fresh process with its own environment, as a server would.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import jonquils.settings as s; print(s.SECRET_KEY); print(s.SIMPLE_JWT['SIGNING_KEY'])"
SERVICES = {"DATABASE_URL": "postgres://jonquils:pw@db.invalid:5432/jonquils"}


def _key() -> str:
    return secrets.token_urlsafe(50)


def _settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in {"SECRET_KEY", "JWT_SIGNING_KEY", "DATABASE_URL", "DEBUG", "S3_SECRET_ACCESS_KEY"}}
    base.update(JONQUILS_VAR_DIR=str(tmp_path / "var"), LOG_DIR=str(tmp_path / "logs"),
                DJANGO_SETTINGS_MODULE="jonquils.settings", **env)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120)


def _refused(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr[-2000:]
    return last.split(": ", 1)[1]


def test_embedded_mode_generates_two_different_keys_once_and_keeps_them(tmp_path):
    first = _settings(tmp_path)
    again = _settings(tmp_path)

    assert first.returncode == 0, first.stderr[-2000:]
    secret_key, jwt_key = first.stdout.split()
    assert again.stdout.split() == [secret_key, jwt_key]
    assert secret_key != jwt_key and len(secret_key) >= 50 and len(jwt_key) >= 50
    for name in ("secret-key", "jwt-signing-key"):
        assert (tmp_path / "var" / name).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("missing", ["SECRET_KEY", "JWT_SIGNING_KEY"])
def test_services_mode_refuses_to_start_without_each_key(tmp_path, missing):
    keys = {"SECRET_KEY": _key(), "JWT_SIGNING_KEY": _key()}
    del keys[missing]

    message = _refused(_settings(tmp_path, **SERVICES, **keys))

    assert message.startswith(f"{missing} is not set: with DATABASE_URL set (services mode)")
    assert not (tmp_path / "var" / "secret-key").exists()  # nothing generated per machine


@pytest.mark.parametrize(("value", "why"), [
    ("change-me-in-production", "placeholder"),  # the old docker-compose.yml value
    ("replace-me-with-a-random-secret-key-of-at-least-50-characters", "placeholder"),  # .env.example
    ("django-insecure-" + "x1y2z3" * 10, "placeholder"),
    ("short-but-random-Kq8", "too short"),
    ("a" * 80, "too short"),
])
def test_known_or_short_keys_are_refused_with_debug_off(tmp_path, value, why):
    message = _refused(_settings(tmp_path, SECRET_KEY=value))  # embedded mode too: a given key must be good
    assert message.startswith("SECRET_KEY ") and why in message, message


def test_a_weak_jwt_key_is_refused_in_services_mode(tmp_path):
    message = _refused(_settings(tmp_path, **SERVICES, SECRET_KEY=_key(), JWT_SIGNING_KEY="change-me-in-production"))
    assert message.startswith("JWT_SIGNING_KEY is a placeholder that anyone can read: set it to a random value")


def test_the_jwt_key_must_be_its_own(tmp_path):
    key = _key()
    message = _refused(_settings(tmp_path, **SERVICES, SECRET_KEY=key, JWT_SIGNING_KEY=key))
    assert message == "JWT_SIGNING_KEY must differ from SECRET_KEY: give each its own random value."


def test_other_placeholders_of_env_example_are_refused(tmp_path):
    message = _refused(_settings(tmp_path, SECRET_KEY=_key(), JWT_SIGNING_KEY=_key(),
                                 DATABASE_URL="postgres://jonquils:replace-me-db-password@postgres:5432/jonquils"))
    assert message.startswith("DATABASE_URL still holds a 'replace-me' placeholder")


def test_services_mode_starts_with_strong_keys_and_debug_allows_a_dev_key(tmp_path):
    secret_key, jwt_key = _key(), _key()
    ok = _settings(tmp_path, **SERVICES, SECRET_KEY=secret_key, JWT_SIGNING_KEY=jwt_key)
    dev = _settings(tmp_path, SECRET_KEY="dev", JWT_SIGNING_KEY="dev-jwt", DEBUG="true")

    assert ok.returncode == 0, ok.stderr[-2000:]
    assert ok.stdout.split() == [secret_key, jwt_key]  # the JWT key no longer falls back to SECRET_KEY
    assert dev.returncode == 0, dev.stderr[-2000:]


def test_env_example_is_refused_as_is_and_compose_holds_no_secret(tmp_path):
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
                   if line.strip() and not line.startswith("#"))
    # what docker-compose.yml makes of it: the placeholders reach the settings, which refuse them
    database_url = f"postgres://jonquils:{example['POSTGRES_PASSWORD']}@postgres:5432/jonquils"
    message = _refused(_settings(tmp_path, **example, DATABASE_URL=database_url))
    assert message.startswith("SECRET_KEY is a placeholder")
    message = _refused(_settings(tmp_path, **{**example, "SECRET_KEY": _key(), "JWT_SIGNING_KEY": _key()},
                                 DATABASE_URL=database_url))
    assert message.startswith("DATABASE_URL still holds")

    compose = (ROOT / "docker-compose.yml").read_text()
    assert "env_file: [.env]" in compose
    assigned = re.findall(r"^\s+([A-Z_]+):\s*(\S.*)$", compose, flags=re.MULTILINE)
    for name, value in assigned:
        if any(word in name for word in ("SECRET", "PASSWORD", "KEY")):
            assert value.strip('"').startswith("${"), (name, value)  # only ever taken from .env
    assert "change-me" not in compose and "jonquils-secret" not in compose
