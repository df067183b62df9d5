"""Shared helpers of the browser page tests (tests/web/, tests/player/).

- `csp_live_server`: pytest-django's live server with `Content-Security-Policy: default-src 'self'`
  on every page response (settings.PAGES_CSP, sent by jonquils.pages.ContentSecurityPolicyMiddleware).
- `watch_csp(page)`: records CSP violations (the `securitypolicyviolation` event and console reports);
  `assert_no_csp_violations(page)` fails with what was refused.
- `assert_accessible(page)`: runs axe-core (npm package, packed into var/npm by `make test` or on
  first use, injected through the DevTools protocol, so CSP does not block it) and fails on any
  violation of impact "serious" or "critical".
- `screenshot(page, name)`: tests/artifacts/<name>-<width>-<theme>.png at 390 and 1440 px, light and dark.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
NPM_DIR = ROOT / "var" / "npm"
AXE_VERSION = "4.11.0"
AXE_FILE = NPM_DIR / f"axe-core-{AXE_VERSION}" / "axe.min.js"
PAGE_CSP = "default-src 'self'"
WIDTHS = (390, 1440)
THEMES = ("light", "dark")

_WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || location.href}:${e.lineNumber}`));
"""


def axe_install() -> Path:
    """Pack axe-core from the npm registry into var/npm once (never fetched by a page at run time)."""
    if AXE_FILE.exists():
        return AXE_FILE
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: the page tests need it once to pack axe-core into var/npm (make test).")
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", str(NPM_DIR)],
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with tarfile.open(NPM_DIR / out) as tar:
        member = tar.getmember("package/axe.min.js")
        member.name = "axe.min.js"
        tar.extract(member, AXE_FILE.parent, filter="data")
    return AXE_FILE


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return axe_install().read_text()


@pytest.fixture
def csp_live_server(live_server, settings):
    """The live server, every listener page answered with Content-Security-Policy: default-src 'self'."""
    settings.PAGES_CSP = PAGE_CSP
    return live_server


def watch_csp(page) -> list[str]:
    """Start recording CSP violations on this page (and every page it navigates to); returns the console log."""
    reports: list[str] = []
    page.add_init_script(_WATCH_CSP)
    page.on("console", lambda message: reports.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    page._jonquils_csp_console = reports  # noqa: SLF001 - read back by assert_no_csp_violations
    return reports


def assert_no_csp_violations(page) -> None:
    seen = page.evaluate("() => window.__cspViolations || []") + getattr(page, "_jonquils_csp_console", [])
    assert not seen, "CSP violations:\n" + "\n".join(seen)


def assert_csp_header(response) -> None:
    assert response is not None and response.header_value("content-security-policy") == PAGE_CSP


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())  # through the DevTools protocol: CSP does not apply
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


def assert_accessible(page, *, where: str = "") -> None:
    bad = axe_violations(page)
    detail = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                                                             else json.dumps(node["target"]) for node in v["nodes"][:5])
        for v in bad
    ]
    assert not bad, f"axe violations on {where or page.url}:\n" + "\n".join(detail)


def set_theme(page, theme: str) -> None:
    """Render the page in `theme` the way the remembered switch does (html[data-theme])."""
    page.evaluate("t => document.documentElement.setAttribute('data-theme', t)", theme)


def screenshot(page, name: str, *, widths=WIDTHS, themes=THEMES, full_page: bool = True) -> list[Path]:
    """Write tests/artifacts/<name>-<width>-<theme>.png for each width and theme; restore the viewport."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or {"width": 1280, "height": 800}
    paths = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
        for theme in themes:
            set_theme(page, theme)
            page.wait_for_timeout(50)
            path = ARTIFACTS / f"{name}-{width}-{theme}.png"
            page.screenshot(path=str(path), full_page=full_page)
            paths.append(path)
    page.set_viewport_size(original)
    page.evaluate("() => document.documentElement.removeAttribute('data-theme')")
    return paths
