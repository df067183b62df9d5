"""Storage buckets, upload limits and streaming settings; jonquils/settings.py imports them all.

MEDIA_ROOT comes from the environment or the embedded var dir, as in settings.py.
"""
import environ
from django.core.exceptions import ImproperlyConfigured

from jonquils.embedded.paths import embedded_paths
from jonquils.storage import build_storages

env = environ.Env()
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(embedded_paths().media_dir))

# --- Storage, upload and streaming ---------------------------------------------------------
# Buckets tracks/covers/playlists/temp: directories under MEDIA_ROOT, or S3 buckets when
# S3_ENDPOINT_URL and keys are set (jonquils/storage.py: bucket_storage("tracks")).

S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")
S3_SETTINGS = {
    "endpoint_url": S3_ENDPOINT_URL,
    "access_key": env.str("S3_ACCESS_KEY_ID", default=""),
    "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=""),
    "region_name": env.str("S3_REGION", default="us-east-1"),
    "bucket_prefix": env.str("S3_BUCKET_PREFIX", default=""),
    "presign_ttl_s": env.int("S3_PRESIGNED_TTL_S", default=600),
    # Bounded waits: botocore's defaults (60 s a read, retried) hang a stream or /health for minutes.
    "connect_timeout_s": env.float("S3_CONNECT_TIMEOUT_S", default=2.0),
    "read_timeout_s": env.float("S3_READ_TIMEOUT_S", default=5.0),
    "max_attempts": env.int("S3_MAX_ATTEMPTS", default=2),
} if S3_ENDPOINT_URL else None
if S3_SETTINGS and not (S3_SETTINGS["access_key"] and S3_SETTINGS["secret_key"]):
    raise ImproperlyConfigured("S3_ENDPOINT_URL is set: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY too.")
STORAGES = build_storages(media_root=MEDIA_ROOT, s3=S3_SETTINGS)
# WhiteNoise serves static files from gunicorn itself (no nginx needed); hashed names
# need `collectstatic` first, which `make run` does; the test suite turns them off.
STORAGES["staticfiles"] = {
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if env.bool("STATIC_MANIFEST", default=True)
    else "whitenoise.storage.CompressedStaticFilesStorage"
}
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
UPLOAD_COVER_MAX_BYTES = env.int("UPLOAD_COVER_MAX_BYTES", default=10 * 1024 * 1024)
COVER_MAX_PIXELS = env.int("COVER_MAX_PIXELS", default=40_000_000)
COVER_SIZES = (64, 300, 600)
STREAM_S3_REDIRECT = env.bool("STREAM_S3_REDIRECT", default=True)  # False: proxy S3 through Django
STREAM_PRESIGNED_TTL_S = env.int("STREAM_PRESIGNED_TTL_S", default=600)
STREAM_TOKEN_TTL_S = env.int("STREAM_TOKEN_TTL_S", default=3600)
# Behind nginx: local objects are handed over with X-Accel-Redirect under this internal location
# (deploy/nginx/jonquils.conf maps it onto MEDIA_ROOT); empty: Django sends the bytes itself.
STREAM_X_ACCEL_PREFIX = env.str("STREAM_X_ACCEL_PREFIX", default="")
# Behind nginx with its secure_link module: a stream of an original on local disk answers a 302 to
# PREFIX/<key>?md5=&expires= signed with SECRET (valid STREAM_PRESIGNED_TTL_S, like an S3 presigned
# URL), and nginx sends every Range of it by sendfile without asking the app again. Both or neither.
STREAM_SECURE_LINK_PREFIX = env.str("STREAM_SECURE_LINK_PREFIX", default="")
STREAM_SECURE_LINK_SECRET = env.str("STREAM_SECURE_LINK_SECRET", default="")
if bool(STREAM_SECURE_LINK_PREFIX) != bool(STREAM_SECURE_LINK_SECRET):
    raise ImproperlyConfigured("Set STREAM_SECURE_LINK_PREFIX and STREAM_SECURE_LINK_SECRET together (or neither).")
if STREAM_SECURE_LINK_SECRET and len(STREAM_SECURE_LINK_SECRET) < 32:
    raise ImproperlyConfigured("STREAM_SECURE_LINK_SECRET must be at least 32 characters: it is all that guards the links.")
TRANSCODE_MAX_CONCURRENT = env.int("TRANSCODE_MAX_CONCURRENT", default=2)
TRANSCODE_WAIT_S = env.float("TRANSCODE_WAIT_S", default=30.0)
URL_FETCH_TIMEOUT_S = env.float("URL_FETCH_TIMEOUT_S", default=30.0)
URL_FETCH_MAX_REDIRECTS = env.int("URL_FETCH_MAX_REDIRECTS", default=5)
# Networks the server-side URL fetch may reach although they are not public (empty: none).
URL_FETCH_ALLOWED_NETWORKS = env.list("URL_FETCH_ALLOWED_NETWORKS", default=[])
# --- end storage --------------------------------------------------------------------------
