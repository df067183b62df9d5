"""Tracks whose audio object is missing.

`missing_objects` is the one place that decides a ready track lost its audio (a stream or a
download only answers 404/503 and changes nothing): the tracks bucket is listed, every ready
track whose key is not listed is re-checked object by object (`MISSING_RECHECKS` rounds,
`MISSING_RECHECK_PAUSE_S` apart), and only a track missing in every round is flagged failed.
A storage error on the way flags nothing, and so does a mass disappearance (a wrong bucket or
prefix looks exactly like that): it is reported for a person to look at.
"""
from __future__ import annotations

import logging
import time

from botocore.exceptions import BotoCoreError, ClientError

from catalog.media import track_flag_missing_file
from catalog.models import ProcessingStatus, Track
from jonquils.storage import bucket_storage, list_keys, object_stat

logger = logging.getLogger("jonquils.etl")

MISSING_RECHECKS = 2
MISSING_RECHECK_PAUSE_S = 1.0
# Above both (or when every ready track of several is missing), missing objects are taken for a
# storage misconfiguration, not for lost files.
MASS_MISSING_MIN = 20
MASS_MISSING_FRACTION = 0.5
_STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


def missing_objects(*, rechecks: int = MISSING_RECHECKS, pause_s: float = MISSING_RECHECK_PAUSE_S) -> dict:
    """Flag ready tracks whose object is confirmed missing (see the module docstring); report what was found."""
    storage = bucket_storage("tracks")
    report = {"checked": False, "ready_tracks": 0, "missing": 0, "flagged_ids": [], "flagged": 0,
              "unverified": 0, "suspected_misconfiguration": False}
    ready = Track.objects.filter(processing_status=ProcessingStatus.READY).exclude(file_path="")
    try:
        listed = set(list_keys(storage))
    except _STORAGE_ERRORS as exc:
        logger.warning("missing_objects: could not list the tracks bucket: %s: %s", type(exc).__name__, exc)
        report["error"] = f"The tracks bucket could not be listed ({type(exc).__name__}); nothing was flagged."
        return report
    candidates = {pk: path for pk, path in ready.values_list("pk", "file_path").iterator() if path not in listed}
    report["checked"], report["ready_tracks"] = True, ready.count()
    total, lost = report["ready_tracks"], len(candidates)
    if (lost >= MASS_MISSING_MIN and lost > MASS_MISSING_FRACTION * total) or (lost == total > 1):
        report["missing"], report["suspected_misconfiguration"] = lost, True
        return report
    unverified: set[int] = set()
    for round_number in range(max(1, rechecks)):
        if not candidates:
            break
        if round_number:
            time.sleep(pause_s)
        for pk, path in list(candidates.items()):
            try:
                present = object_stat(storage, path) is not None
            except _STORAGE_ERRORS:
                present = False
                unverified.add(pk)
            if present:
                del candidates[pk]  # listed late (stored while we listed) or back again
    flagged = [pk for pk, path in sorted(candidates.items())
               if pk not in unverified and track_flag_missing_file(track_id=pk, file_path=path)]
    report.update(missing=len(candidates), flagged=len(flagged), flagged_ids=flagged[:20],
                  unverified=len(unverified & set(candidates)))
    return report
