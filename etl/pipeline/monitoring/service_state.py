"""Service state: every /health component (PostgreSQL, Redis, storage, search, Celery workers by a ping
task, ClickHouse and the analytics drain's buffer depth and oldest event) with its latency."""
from __future__ import annotations

from .base import CheckResult, Finding


def check_services() -> CheckResult:
    """One finding per component that is down: critical when required, a warning when optional."""
    from jonquils.health import run_checks

    status, components = run_checks()
    findings = []
    for name, result in components.items():
        if result.get("ok"):
            continue
        required = result.get("required", False)
        findings.append(Finding(
            f"{name} is down: {result.get('error', 'no answer')}", key=name,
            severity="critical" if required else "warning",
            details={k: v for k, v in result.items() if k not in ("ok", "error")}))
    return CheckResult({"status": status, "components": components}, findings)
