"""Debian's headless Chromium driven by Playwright (never a downloaded browser), for the specifications that render
a page: the change report and the panel. CI must have it (``.ci/run`` installs it); elsewhere they skip."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path('/usr/bin/chromium')


def browser_missing() -> str | None:
    """Why the headless browser cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "falta el paquete playwright: pip install -e '.[test]'"
    if not CHROMIUM.is_file():
        return 'falta Chromium: apt-get update && apt-get install -y chromium'
    return None


def headless_chromium(purpose: str) -> Iterator[Any]:
    """A launched Chromium for a module's fixture; under CI a missing browser fails (``CI debe <purpose>``)."""
    missing = browser_missing()
    if missing and os.environ.get('CI') == 'true':
        pytest.fail(f'CI debe {purpose} en Chromium: {missing}')
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()
