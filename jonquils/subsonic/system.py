"""System methods: ping, getLicense, getOpenSubsonicExtensions, getScanStatus, startScan."""
from __future__ import annotations

from accounts.permissions import user_is_admin

from .envelope import NOT_AUTHORIZED, SubsonicError
from .registry import method

# (name, versions): what this server implements of OpenSubsonic's extensions.
EXTENSIONS = (("formPost", [1]), ("apiKeyAuthentication", [1]), ("songLyrics", [1]), ("transcodeOffset", [1]))  # tokenInfo: apiKey


@method("ping")
def ping(ctx):
    return {}


@method("getLicense")
def get_license(ctx):
    return {"license": {"valid": True}}


@method("getOpenSubsonicExtensions", auth=False)
def get_extensions(ctx):
    return {"openSubsonicExtensions": [{"name": name, "versions": versions} for name, versions in EXTENSIONS]}


def _scan_status() -> dict:
    from catalog.models import Track
    from etl.models import EtlJob, JobStatus
    from etl.pipeline.run import PIPELINE

    scanning = EtlJob.objects.filter(job_name=PIPELINE, status=JobStatus.RUNNING).exists()
    return {"scanStatus": {"scanning": scanning, "count": Track.objects.playable().count()}}


@method("getScanStatus")
def get_scan_status(ctx):
    return _scan_status()


@method("startScan")
def start_scan(ctx):
    """Queue one run of the ETL pipeline (the hourly sweep of the tracks bucket); admins only."""
    from django.db import transaction

    from etl.tasks import music_etl_pipeline_task

    if not user_is_admin(ctx.user):
        raise SubsonicError(NOT_AUTHORIZED, "Only admins may start a scan.")
    transaction.on_commit(lambda: music_etl_pipeline_task.delay())
    status = _scan_status()
    status["scanStatus"]["scanning"] = True
    return status


@method("tokenInfo")
def token_info(ctx):
    """Whose API key this is (apiKeyAuthentication extension)."""
    return {"tokenInfo": {"username": ctx.user.username}}
