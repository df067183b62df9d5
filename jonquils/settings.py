"""JONQUILS settings: every integration is configured here and switched by environment variables.

With nothing set, the embedded default applies: PostgreSQL and Redis started from pip
packages with their data under `var/` (see jonquils/embedded). Set DATABASE_URL, REDIS_URL,
... to use existing servers instead.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from jonquils.embedded.paths import (
    BASE_DIR,
    EMBEDDED_DATABASE_NAME,
    EMBEDDED_DATABASE_USER,
    embedded_paths,
    embedded_redis_url,
    redis_db_url,
)

env = environ.Env()
EMBEDDED = embedded_paths()
VAR_DIR: Path = EMBEDDED.var_dir


DEBUG = env.bool("DEBUG", default=False)
# Services mode: the database is an existing server, shared by several processes and machines.
SERVICES_MODE = bool(env.str("DATABASE_URL", default=""))
PLACEHOLDER_MARK = "replace-me"  # every placeholder of .env.example holds it; settings refuse it
_KNOWN_SECRETS = {"change-me-in-production", "build-only", "changeme", "secret", "jonquils", "jonquils-secret"}
_KEY_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def _embedded_secret(name: str) -> str:
    """Return a key kept under var/ for the embedded default, created once (mode 600) by the first process."""
    key_file = VAR_DIR / name
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _weakness(value: str) -> str | None:
    if PLACEHOLDER_MARK in value or "change-me" in value or value in _KNOWN_SECRETS or value.startswith("django-insecure-"):
        return "is a placeholder that anyone can read"
    if len(value) < 50 or len(set(value)) < 5:
        return "is too short (it needs at least 50 characters, 5 of them different)"
    return None


def _signing_secret(name: str, *, file_name: str) -> str:
    """A signing key from the environment; refused when missing in services mode, or weak with DEBUG off."""
    value = env.str(name, default="")
    if not value:
        if SERVICES_MODE:
            raise ImproperlyConfigured(
                f"{name} is not set: with DATABASE_URL set (services mode) every process must share the same "
                f"{name}, so set it in .env to a random value from `{_KEY_HINT}`."
            )
        return _embedded_secret(file_name)
    weakness = None if DEBUG else _weakness(value)
    if weakness:
        raise ImproperlyConfigured(f"{name} {weakness}: set it to a random value from `{_KEY_HINT}`.")
    return value


SECRET_KEY = _signing_secret("SECRET_KEY", file_name="secret-key")
# Signs the JWTs: a key of its own, so that a leak of one does not forge the other.
JWT_SIGNING_KEY = _signing_secret("JWT_SIGNING_KEY", file_name="jwt-signing-key")
if JWT_SIGNING_KEY == SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must differ from SECRET_KEY: give each its own random value.")
if not DEBUG:
    for _name in ("DATABASE_URL", "REDIS_URL", "CLICKHOUSE_URL", "CELERY_BROKER_URL", "S3_ACCESS_KEY_ID",
                  "S3_SECRET_ACCESS_KEY", "JONQUILS_ADMIN_PASSWORD"):
        if PLACEHOLDER_MARK in env.str(_name, default=""):
            raise ImproperlyConfigured(
                f"{_name} still holds a '{PLACEHOLDER_MARK}' placeholder of .env.example: set the real value in .env."
            )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "accounts.admin_config.JonquilsAdminConfig",  # django.contrib.admin, its login throttled
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
    "corsheaders",
    "accounts",
    "catalog",
    "playlists",
    "analytics",
    "search",
    "etl",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "catalog.cache.CatalogVersionPerRequest",  # one catalog-version read from Redis per request
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware: answers preflights on /api/
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jonquils.security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "jonquils.urls"
WSGI_APPLICATION = "jonquils.wsgi.application"
ASGI_APPLICATION = "jonquils.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login"

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
                "jonquils.pages.ui_context",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "jonquils.db"  # the same backend, its health check without a round trip
# Bounded waits. Web processes (jonquils.wsgi) set DB_STATEMENT_TIMEOUT_MS on each new connection;
# migrations, ETL, Celery and manage.py may run longer statements: DB_WORKER_STATEMENT_TIMEOUT_MS (0: none).
DB_CONNECT_TIMEOUT_S = env.int("DB_CONNECT_TIMEOUT_S", default=5)
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)
DB_WORKER_STATEMENT_TIMEOUT_MS = env.int("DB_WORKER_STATEMENT_TIMEOUT_MS", default=0)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT_S)
if DB_WORKER_STATEMENT_TIMEOUT_MS > 0:
    _db_options["options"] = f"{_db_options.get('options', '')} -c statement_timeout={DB_WORKER_STATEMENT_TIMEOUT_MS}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, sessions, throttling, Celery broker ---------------------------------
REDIS_URL = env.str("REDIS_URL", default="") or embedded_redis_url(EMBEDDED)
REDIS_EMBEDDED = not env.str("REDIS_URL", default="")


def _celery_broker_url(url: str, db: int) -> str:
    if url.startswith("unix://"):
        return f"redis+socket://{url[len('unix://'):].split('?')[0]}?virtual_host={db}"
    return redis_db_url(url, db)


CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_db_url(REDIS_URL, 0),
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
# A task killed with its worker (SIGKILL at shutdown, a crash) goes back to the queue (acks_late above).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# On a cold shutdown (SIGQUIT, what `make run` sends) running tasks get this long, then go back to the queue.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT_S", default=2.0)
# Every task has bounded time; the heavy ETL ones get longer limits (jonquils/celery.py).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT_S", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT_S", default=360)
CELERY_ETL_SOFT_TIME_LIMIT = env.int("CELERY_ETL_SOFT_TIME_LIMIT_S", default=3000)
CELERY_ETL_TIME_LIMIT = env.int("CELERY_ETL_TIME_LIMIT_S", default=3300)

# --- Files -------------------------------------------------------------------------------
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(EMBEDDED.media_dir))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Storage buckets, upload limits and streaming (jonquils/settings_storage.py, reads MEDIA_ROOT above).
from jonquils.settings_storage import *  # noqa: E402,F403
from jonquils.settings_storage import S3_ENDPOINT_URL, STORAGES  # noqa: E402 - used below

# --- Auth -------------------------------------------------------------------------------
# One sign-in rule for the API, the admin and the pages: username or email in one field.
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
# Password hashes at once per process (Argon2 takes ~100 MB each), and how long one waits for a slot.
PASSWORD_HASH_MAX_CONCURRENT = env.int("PASSWORD_HASH_MAX_CONCURRENT", default=2)
PASSWORD_HASH_WAIT_S = env.float("PASSWORD_HASH_WAIT_S", default=10.0)
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
JONQUILS_DEMO_PASSWORD = env.str("JONQUILS_DEMO_PASSWORD", default="listen-to-jonquils")
# Below this probability the genre model leaves a track without genre (etl/audio/genre_model.py).
GENRE_CONFIDENCE_THRESHOLD = env.float("GENRE_CONFIDENCE_THRESHOLD", default=0.6)

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
    # Search results, suggestions and clicks share one "entity" choice set: one named enum.
    "ENUM_NAME_OVERRIDES": {"SearchEntityEnum": "search.backends.base.ENTITIES", "CreditRoleEnum": "catalog.models.CreditRole",
                            "UserRoleEnum": "accounts.models.Role"},
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
# Every check runs at once, each for at most this long; one still running then counts as down.
HEALTH_CHECK_TIMEOUT_S = env.float("HEALTH_CHECK_TIMEOUT_S", default=3.0)

# --- Search (search app) ------------------------------------------------------------
# PostgreSQL (default: tsvector + pg_trgm, kept by the database) or Elasticsearch.
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="postgres")
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
INSTALLED_APPS += ["django_elasticsearch_dsl"]
# The client connects lazily: no network at start-up, none at all on the PostgreSQL backend.
ELASTICSEARCH_DSL = {"default": {"hosts": ELASTICSEARCH_URL or "http://localhost:9200"}}
ELASTICSEARCH_DSL_AUTOSYNC = False  # indexing runs in batches from Celery (search.tasks)
ELASTICSEARCH_DSL_AUTO_REFRESH = False
ELASTICSEARCH_DSL_SIGNAL_PROCESSOR = "django_elasticsearch_dsl.signals.BaseSignalProcessor"
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="jonquils")
SEARCH_MAX_RESULTS = env.int("SEARCH_MAX_RESULTS", default=500)  # ranked hits a query can page through
SEARCH_CANDIDATE_LIMIT = env.int("SEARCH_CANDIDATE_LIMIT", default=200)  # rows ranked per candidate set
SEARCH_RANK_POOL = env.int("SEARCH_RANK_POOL", default=1000)  # matches ranked when there is no index order to walk
SEARCH_FUZZY_BELOW = env.int("SEARCH_FUZZY_BELOW", default=10)  # typo matching when fewer word matches
SEARCH_TRGM_THRESHOLD = env.float("SEARCH_TRGM_THRESHOLD", default=0.4)
SEARCH_SUGGEST_PER_ENTITY = env.int("SEARCH_SUGGEST_PER_ENTITY", default=4)
SEARCH_SUGGEST_CANDIDATES = env.int("SEARCH_SUGGEST_CANDIDATES", default=40)
SEARCH_SUGGEST_CACHE_SECONDS = env.int("SEARCH_SUGGEST_CACHE_SECONDS", default=60)  # writes invalidate at once; this bounds popularity drift
SEARCH_INDEX_BATCH = env.int("SEARCH_INDEX_BATCH", default=500)
HEALTH_CHECKS += [("search", "search.services.search_health", False)]
# --- end of search ----------------------------------------------------------------------
# --- Analytics (ClickHouse) ---------------------------------------------------------------
# CLICKHOUSE_URL (clickhouse://user:pass@host:9000/db) selects a server over the native
# protocol; without it chDB runs embedded under var/clickhouse, owned by one process (the
# analytics owner) that the other processes ask over a Unix socket. Events reach ClickHouse
# through a bounded Redis stream (ANALYTICS_BUFFER_URL), drained in batches by that owner.
CLICKHOUSE_URL = env.str("CLICKHOUSE_URL", default="")
CLICKHOUSE_CHDB_PATH = env.str("CLICKHOUSE_CHDB_PATH", default=str(VAR_DIR / "clickhouse"))
ANALYTICS_OWNER_SOCKET = env.str("ANALYTICS_OWNER_SOCKET", default=str(EMBEDDED.run_dir / "analytics.sock"))
ANALYTICS_BUFFER_URL = env.str("ANALYTICS_BUFFER_URL", default="") or redis_db_url(REDIS_URL, 3)
ANALYTICS_BUFFER_MAX_EVENTS = env.int("ANALYTICS_BUFFER_MAX_EVENTS", default=1_000_000)
# Events per drain pass (one chDB insert): an insert costs ≈ 55 ms of fixed work plus ≈ 2.5 ms per
# 1,000 rows here, so 5,000 a pass spent most of a catch-up in per-insert work.
ANALYTICS_BATCH_SIZE = env.int("ANALYTICS_BATCH_SIZE", default=20_000)
ANALYTICS_DEDUP_EVERY_BATCH = env.bool("ANALYTICS_DEDUP_EVERY_BATCH", default=False)
# Bounded waits on ClickHouse: a dead or hung store answers 503 in seconds instead of holding a
# worker for clickhouse-driver's default 300 s. The owner's socket gets the same two bounds.
CLICKHOUSE_CONNECT_TIMEOUT_S = env.float("CLICKHOUSE_CONNECT_TIMEOUT_S", default=5.0)
CLICKHOUSE_SEND_RECEIVE_TIMEOUT_S = env.float("CLICKHOUSE_SEND_RECEIVE_TIMEOUT_S", default=30.0)
ANALYTICS_OWNER_CONNECT_TIMEOUT_S = env.float("ANALYTICS_OWNER_CONNECT_TIMEOUT_S", default=5.0)
ANALYTICS_QUERY_TIMEOUT_S = env.float("ANALYTICS_QUERY_TIMEOUT_S", default=30.0)
# A batch ClickHouse refuses this many times is split (by month, then in halves); single events
# it still refuses go to the dead-letter stream (manage.py analytics_dead_letters), capped here.
ANALYTICS_POISON_AFTER_ATTEMPTS = env.int("ANALYTICS_POISON_AFTER_ATTEMPTS", default=3)
ANALYTICS_DEAD_LETTER_MAX_EVENTS = env.int("ANALYTICS_DEAD_LETTER_MAX_EVENTS", default=100_000)
# /health reports analytics not ok past these: a stuck or lagging drain, a deep buffer, dead letters.
ANALYTICS_HEALTH_MAX_LAG_S = env.float("ANALYTICS_HEALTH_MAX_LAG_S", default=120.0)
ANALYTICS_HEALTH_MAX_BUFFERED = env.int("ANALYTICS_HEALTH_MAX_BUFFERED", default=100_000)
ANALYTICS_HEALTH_MAX_DEAD_LETTERS = env.int("ANALYTICS_HEALTH_MAX_DEAD_LETTERS", default=0)
# Listens: how far ahead (client clock skew) and how far back (offline scrobbles) played_at may be,
# and how listens of one user may overlap (see analytics/services.py).
LISTEN_MAX_CLOCK_SKEW_S = env.int("LISTEN_MAX_CLOCK_SKEW_S", default=300)
LISTEN_MAX_AGE_DAYS = env.int("LISTEN_MAX_AGE_DAYS", default=30)
LISTEN_MIN_SPAN_MS = env.int("LISTEN_MIN_SPAN_MS", default=1_500)
LISTEN_OVERLAP_TOLERANCE_MS = env.int("LISTEN_OVERLAP_TOLERANCE_MS", default=1_000)
ANALYTICS_CACHE_SECONDS = env.int("ANALYTICS_CACHE_SECONDS", default=60)
ANALYTICS_MAX_PERIOD_DAYS = env.int("ANALYTICS_MAX_PERIOD_DAYS", default=366)
MIDDLEWARE += ["analytics.middleware.RequestLogMiddleware"]
HEALTH_CHECKS += [("analytics", "analytics.health.check_analytics", False)]
# --- end analytics ----------------------------------------------------------------------

# --- Internationalisation ------------------------------------------------------------
LANGUAGE_CODE = "en"
# The listener pages speak English and Russian, chosen from Accept-Language or the switch (a cookie).
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Content-Security-Policy of the pages (not /api/, /admin/, the API docs); empty sends none.
# The page tests set "default-src 'self'"; production may set it too (the pages need nothing more).
PAGES_CSP = env.str("PAGES_CSP", default="")
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
SECURE_REFERRER_POLICY = env.str("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# One Content-Security-Policy for every response (jonquils/security.py): nothing inline, no framing.
# Streams and covers on S3 redirect to presigned URLs: that origin is allowed for media and images.
_S3_ORIGIN = ""
if S3_ENDPOINT_URL:
    from urllib.parse import urlsplit as _urlsplit

    _s3 = _urlsplit(S3_ENDPOINT_URL)
    _S3_ORIGIN = f" {_s3.scheme}://{_s3.netloc}"
CSP_POLICY = env.str("CSP_POLICY", default=(
    f"default-src 'self'; img-src 'self' data:{_S3_ORIGIN}; media-src 'self' blob:{_S3_ORIGIN}; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"))
# CORS (django-cors-headers): only these origins, only on /api/, bearer tokens (no cookies) across origins.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_PREFLIGHT_MAX_AGE = env.int("CORS_PREFLIGHT_MAX_AGE", default=600)
CORS_EXPOSE_HEADERS = ["Content-Range", "Accept-Ranges", "ETag", "X-Request-ID", "Retry-After"]
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

# === accounts & API (issue 4: auth, throttling, OpenAPI docs) =========================
INSTALLED_APPS += ["rest_framework_simplejwt.token_blacklist", "drf_spectacular_sidecar"]
SIMPLE_JWT.update({
    # Each refresh returns a new refresh token; the used one is blacklisted (accounts.tokens).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": JWT_SIGNING_KEY,
})
# Rates "N/period" (period s, min, h, day, or e.g. 15m), read on every request by
# accounts.throttling. auth_* are the strict limits on login/register (per IP, per account).
API_THROTTLE_RATES = {
    "anon": env.str("API_THROTTLE_ANON", default="300/min"),
    "user": env.str("API_THROTTLE_USER", default="1200/min"),
    "auth_ip": env.str("API_THROTTLE_AUTH_IP", default="20/min"),
    "auth_account": env.str("API_THROTTLE_AUTH_ACCOUNT", default="5/min"),
}
REST_FRAMEWORK.update({
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.AnonThrottle", "accounts.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
    # Client IP for throttling: REMOTE_ADDR unless this many proxies put X-Forwarded-For in front.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "jonquils.api.schema.AutoSchema",
})
SPECTACULAR_SETTINGS.update({
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
})
# === end accounts & API ==================================================================

# === ETL pipeline (issue 6) ============================================================
# Who runs the hourly music_etl_pipeline: Celery beat ("celery", the embedded default) or Airflow.
ETL_SCHEDULER = env.str("ETL_SCHEDULER", default="celery")
if ETL_SCHEDULER not in ("celery", "airflow"):
    raise environ.ImproperlyConfigured(f"ETL_SCHEDULER must be 'celery' or 'airflow', not {ETL_SCHEDULER!r}")
# Objects younger than this wait for the next extract (an upload registers its object just after storing it).
ETL_EXTRACT_MIN_AGE_S = env.float("ETL_EXTRACT_MIN_AGE_S", default=120.0)
# An upload pending this long with no live claim is queued again by the sweep (its task was lost).
UPLOAD_REQUEUE_AFTER_S = env.float("UPLOAD_REQUEUE_AFTER_S", default=300.0)
# === end ETL pipeline ==================================================================

# Subsonic API (/rest/): credential keys and transcode caps (jonquils/settings_subsonic.py).
from jonquils.settings_subsonic import *  # noqa: E402,F403

# Operations: monitoring thresholds, alerts, health, metrics, backups (jonquils/settings_operations.py).
from jonquils.settings_operations import *  # noqa: E402,F403

MIDDLEWARE.insert(0, "jonquils.metrics.MetricsMiddleware")
MIDDLEWARE.insert(1, "jonquils.outages.OutageMiddleware")  # a store down: 503 in the error format
