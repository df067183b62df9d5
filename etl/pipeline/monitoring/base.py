"""What a monitoring check returns: a report (kept in the job's details) and its findings (alerts)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One condition that should be an open alert while it lasts; `key` tells conditions of one check apart."""

    message: str
    key: str = ""
    severity: str = "warning"
    details: dict = field(default_factory=dict)


@dataclass
class CheckResult:
    """A check's outcome. `complete` False: the check could not look (a store was down), so its open
    alerts are neither resolved nor refreshed; the runner raises a `monitoring` alert instead."""

    report: dict
    findings: list[Finding] = field(default_factory=list)
    complete: bool = True
