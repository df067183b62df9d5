"""system_monitoring: one function per check (service state, data quality, performance), a runner,
and alerts opened, refreshed and resolved from what the checks find. See runner.py."""
from .alerts import alert_acknowledge, alert_upsert, alerts_resolve, alerts_sync
from .base import CheckResult, Finding
from .missing import missing_objects
from .runner import CHECKS, MONITORING, run_monitoring

__all__ = ["CHECKS", "MONITORING", "CheckResult", "Finding", "alert_acknowledge", "alert_upsert", "alerts_resolve",
           "alerts_sync", "missing_objects", "run_monitoring"]
