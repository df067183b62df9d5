"""Operations settings (issue 16): monitoring thresholds, alerts, health, metrics, backups.

Read from the environment like the rest; jonquils/settings.py imports them all.
"""
import environ

env = environ.Env()

MONITORING_STUCK_AFTER_S = env.int("MONITORING_STUCK_AFTER_S", default=3600)
MONITORING_FAILED_WINDOW_S = env.int("MONITORING_FAILED_WINDOW_S", default=3600)
MONITORING_LISTEN_LAG_S = env.int("MONITORING_LISTEN_LAG_S", default=600)  # a listen not in ClickHouse after this
MONITORING_LISTEN_WINDOW_S = env.int("MONITORING_LISTEN_WINDOW_S", default=86_400)
MONITORING_LISTEN_SAMPLE = env.int("MONITORING_LISTEN_SAMPLE", default=2000)
MONITORING_PERF_WINDOW_S = env.int("MONITORING_PERF_WINDOW_S", default=900)
MONITORING_PERF_MIN_REQUESTS = env.int("MONITORING_PERF_MIN_REQUESTS", default=20)
MONITORING_ERROR_RATE_MAX = env.float("MONITORING_ERROR_RATE_MAX", default=0.05)
MONITORING_P95_MS_MAX = env.float("MONITORING_P95_MS_MAX", default=2000.0)
# Alerts are POSTed here (JSON) by a Celery task, under the upload-from-URL SSRF rules.
ALERT_WEBHOOK_URL = env.str("ALERT_WEBHOOK_URL", default="")
ALERT_WEBHOOK_TIMEOUT_S = env.float("ALERT_WEBHOOK_TIMEOUT_S", default=5.0)
# /health details for staff or `Authorization: Bearer <HEALTH_TOKEN>`; /health/ready cached this long.
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")
HEALTH_READY_CACHE_S = env.float("HEALTH_READY_CACHE_S", default=5.0)
# /metrics: only these networks (REMOTE_ADDR), or `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
POSTGRES_BIN_DIR = env.str("POSTGRES_BIN_DIR", default="")  # pg_dump/pg_restore (manage.py backup); empty: the embedded server's
