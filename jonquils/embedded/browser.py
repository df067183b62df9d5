"""A headless Chromium for the page tests: Debian's `chromium`, driven by Playwright.

Playwright's own browser download needs the network, which this project may not use, so
`make test` installs Debian's package and every launch names its binary. The flags keep
Chromium from the background traffic (updates, sync, metrics) that a closed network refuses.
"""
from __future__ import annotations

import os
from pathlib import Path

from .services import EmbeddedServiceError

DEBIAN_CHROMIUM = "/usr/bin/chromium"  # where `make test` installs it (Makefile: CHROMIUM)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--metrics-recording-only",
]


def chromium_binary() -> Path:
    """Return Chromium's path (CHROMIUM_PATH, else Debian's); raise one clear sentence when absent."""
    path = Path(os.environ.get("CHROMIUM_PATH") or DEBIAN_CHROMIUM)
    if not path.exists():
        raise EmbeddedServiceError(
            f"Chromium is missing at {path}: `make test` installs Debian's package `chromium` (as root); "
            "or set CHROMIUM_PATH."
        )
    return path


def launch_chromium(playwright):
    """Start a headless Chromium through a Playwright instance (sync API); the caller closes it."""
    return playwright.chromium.launch(executable_path=str(chromium_binary()), headless=True, args=CHROMIUM_ARGS)
