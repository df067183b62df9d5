"""The Celery application; the beat schedule lives here and nowhere else."""
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")

app = Celery("jonquils")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one beat schedule of the project (Airflow takes over the ETL entries when ETL_SCHEDULER=airflow).
app.conf.beat_schedule = {
    "accounts-flush-expired-tokens": {"task": "accounts.flush_expired_tokens", "schedule": crontab(hour=4, minute=17)},
}


@app.task(name="jonquils.ping")
def ping() -> str:
    """Answer so that health checks and tests can see a worker consuming the queue."""
    return "pong"
