"""Fixtures of the ETL tests: a fresh tracks bucket (disk or SeaweedFS) to drop files into."""
from __future__ import annotations

import hashlib
import os
import time

import pytest

from jonquils.storage import bucket_storage, is_s3
from tests.storage.conftest import _use_backend


@pytest.fixture(params=["local", "s3"])
def bucket(request, settings, tmp_path):
    """The backend name; settings.STORAGES points at fresh buckets and extraction takes any age."""
    settings.ETL_EXTRACT_MIN_AGE_S = 0
    return _use_backend(request, settings, tmp_path, request.param)


@pytest.fixture
def local_bucket(request, settings, tmp_path):
    settings.ETL_EXTRACT_MIN_AGE_S = 0
    return _use_backend(request, settings, tmp_path, "local")


def drop(key: str, data: bytes, *, age_s: float = 0) -> str:
    """Put a file into the tracks bucket by hand (no upload, no registry row); return its SHA-256."""
    from django.core.files.base import ContentFile

    storage = bucket_storage("tracks")
    saved = storage.save(key, ContentFile(data))
    assert saved == key
    if age_s and not is_s3(storage):
        past = time.time() - age_s
        os.utime(storage.path(key), (past, past))
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory):
    """An Airflow installation for this run (SQLite metadata, our dags/), migrated once."""
    from etl.airflow_support import airflow_environment, airflow_prepare

    home = tmp_path_factory.mktemp("airflow")
    airflow_prepare(airflow_environment(home=home))
    return home


@pytest.fixture
def no_jobs_before(transactional_db):
    """Start without etl_jobs rows: transactional tests' flush truncates tables that reference
    `tracks` (CASCADE), but etl.etl_jobs references nothing, so earlier tests' jobs would remain."""
    from etl.models import EtlJob

    EtlJob.objects.all().delete()
