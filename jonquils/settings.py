"""JONQUILS settings: every integration is configured here and switched by environment variables.

With nothing set, the embedded default applies: PostgreSQL and Redis started from pip
packages with their data under `var/` (see jonquils/embedded). Set DATABASE_URL, REDIS_URL,
... to use existing servers instead.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ

from jonquils.embedded.paths import (
    BASE_DIR,
    EMBEDDED_DATABASE_NAME,
    EMBEDDED_DATABASE_USER,
    embedded_paths,
    embedded_redis_url,
)

env = environ.Env()
EMBEDDED = embedded_paths()
VAR_DIR: Path = EMBEDDED.var_dir


def _embedded_secret_key() -> str:
    """Return the secret kept under var/ for the embedded default, creating it once."""
    key_file = VAR_DIR / "secret-key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "accounts",
    "catalog",
    "playlists",
    "analytics",
    "search",
    "etl",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "jonquils.urls"
WSGI_APPLICATION = "jonquils.wsgi.application"
ASGI_APPLICATION = "jonquils.asgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- PostgreSQL -------------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASE_EMBEDDED = False
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": EMBEDDED_DATABASE_NAME,
            "USER": EMBEDDED_DATABASE_USER,
            "HOST": str(EMBEDDED.postgres_socket_dir()),
        }
    }
    DATABASE_EMBEDDED = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, sessions, throttling, Celery broker ---------------------------------
REDIS_URL = env.str("REDIS_URL", default="") or embedded_redis_url(EMBEDDED)
REDIS_EMBEDDED = not env.str("REDIS_URL", default="")


def _redis_db_url(url: str, db: int) -> str:
    """Return the URL of another logical database on the same Redis server."""
    if url.startswith("unix://"):
        return f"{url.split('?')[0]}?db={db}"
    base, _, _ = url.rpartition("/") if url.count("/") > 2 else (url, "", "")
    return f"{base}/{db}"


def _celery_broker_url(url: str, db: int) -> str:
    if url.startswith("unix://"):
        return f"redis+socket://{url[len('unix://'):].split('?')[0]}?virtual_host={db}"
    return _redis_db_url(url, db)


CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": _redis_db_url(REDIS_URL, 0),
        "KEY_PREFIX": "jonquils",
        "TIMEOUT": 300,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or _celery_broker_url(REDIS_URL, 1)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or _celery_broker_url(REDIS_URL, 2)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}  # filled by jonquils.celery (one place for the schedule)

# --- Files (django-storages with S3 comes with the storage issue) ----------------------
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(EMBEDDED.media_dir))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Auth -------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
JONQUILS_ADMIN_USER = env.str("JONQUILS_ADMIN_USER", default="admin")
JONQUILS_ADMIN_PASSWORD = env.str("JONQUILS_ADMIN_PASSWORD", default="")

# --- DRF --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "jonquils.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "jonquils.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "JONQUILS API",
    "DESCRIPTION": "Catalog, playlists, listening and analytics for JONQUILS clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Health -----------------------------------------------------------------------------
# Each entry: (component name, dotted path of a check, required?). A required component
# that is down makes /health answer 503; an optional one makes it "degraded".
HEALTH_CHECKS = [
    ("database", "jonquils.health.check_database", True),
    ("cache", "jonquils.health.check_cache", True),
    ("storage", "jonquils.health.check_storage", True),
    ("worker", "jonquils.health.check_worker", False),
]
HEALTH_WORKER_TIMEOUT_S = env.float("HEALTH_WORKER_TIMEOUT_S", default=1.0)

# --- Analytics (ClickHouse) ---------------------------------------------------------------
# CLICKHOUSE_URL (clickhouse://user:pass@host:9000/db) selects a server over the native
# protocol; without it chDB runs embedded under var/clickhouse, owned by one process (the
# analytics owner) that the other processes ask over a Unix socket. Events reach ClickHouse
# through a bounded Redis stream (ANALYTICS_BUFFER_URL), drained in batches by that owner.
CLICKHOUSE_URL = env.str("CLICKHOUSE_URL", default="")
CLICKHOUSE_CHDB_PATH = env.str("CLICKHOUSE_CHDB_PATH", default=str(VAR_DIR / "clickhouse"))
ANALYTICS_OWNER_SOCKET = env.str("ANALYTICS_OWNER_SOCKET", default=str(EMBEDDED.run_dir / "analytics.sock"))
ANALYTICS_BUFFER_URL = env.str("ANALYTICS_BUFFER_URL", default="") or _redis_db_url(REDIS_URL, 3)
ANALYTICS_BUFFER_MAX_EVENTS = env.int("ANALYTICS_BUFFER_MAX_EVENTS", default=1_000_000)
ANALYTICS_BATCH_SIZE = env.int("ANALYTICS_BATCH_SIZE", default=5000)
ANALYTICS_DEDUP_EVERY_BATCH = env.bool("ANALYTICS_DEDUP_EVERY_BATCH", default=False)
ANALYTICS_QUERY_TIMEOUT_S = env.float("ANALYTICS_QUERY_TIMEOUT_S", default=30.0)
ANALYTICS_CACHE_SECONDS = env.int("ANALYTICS_CACHE_SECONDS", default=60)
ANALYTICS_MAX_PERIOD_DAYS = env.int("ANALYTICS_MAX_PERIOD_DAYS", default=366)
MIDDLEWARE += ["analytics.middleware.RequestLogMiddleware"]
HEALTH_CHECKS += [("analytics", "analytics.health.check_analytics", False)]
# --- end analytics ----------------------------------------------------------------------

# --- Internationalisation ------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security (safe by default; production sets the variables) -----------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# --- Logging: JSON lines to stdout and to logs/ (rotated by size) ---------------------
LOG_DIR = Path(env.str("LOG_DIR", default=str(BASE_DIR / "logs")))
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        "file": {
            "class": "logging.handlers.RotatingFileHandler",
            "formatter": "json",
            "filename": str(LOG_DIR / "jonquils.log"),
            "maxBytes": env.int("LOG_FILE_MAX_BYTES", default=10 * 1024 * 1024),
            "backupCount": env.int("LOG_FILE_BACKUPS", default=5),
            "encoding": "utf-8",
        },
    },
    "root": {"handlers": ["stdout", "file"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": "INFO"},
    },
}
