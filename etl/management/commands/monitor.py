"""manage.py monitor: run the monitoring checks once, print the findings and the open alerts."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from etl.models import Alert, JobStatus
from etl.pipeline.monitoring import CHECKS, run_monitoring


class Command(BaseCommand):
    help = "Run the system_monitoring checks once (as the DAG and Celery beat do); exit 1 when something was found."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="append", choices=[name for name, _ in CHECKS],
                            help="run only this check (repeatable)")
        parser.add_argument("--json", action="store_true", help="print the job's details as JSON")

    def handle(self, *args, check=None, json=False, **options):
        job = run_monitoring(only=check)
        if json:
            self.stdout.write(_dumps({"etl_job_id": job.pk, "status": job.status, "details": job.details}))
        else:
            self.stdout.write(f"system_monitoring #{job.pk}: {job.status}")
            for alert in Alert.objects.filter(resolved_at__isnull=True).order_by("source", "key"):
                self.stdout.write(f"  [{alert.severity}] {alert.source}{':' + alert.key if alert.key else ''} "
                                  f"{alert.message} (seen {alert.count}x)")
        if job.status != JobStatus.SUCCESS:
            raise CommandError(job.error_message or job.status, returncode=1)


def _dumps(value) -> str:
    return json.dumps(value, default=str, indent=2)
