"""The Celery application; the beat schedule lives here and nowhere else."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jonquils.settings")

app = Celery("jonquils")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="jonquils.ping")
def ping() -> str:
    """Answer so that health checks and tests can see a worker consuming the queue."""
    return "pong"
