"""Debian's Chromium driven by Playwright's sync API, without `playwright install`.

Playwright's own browser download needs network access the machines do not have, so the
system Chromium is launched by path with flags that keep it off the network.
"""

from __future__ import annotations

import atexit
import os
import time

from playwright.sync_api import Browser, Playwright, sync_playwright

from ._lifecycle import Lifecycle
from .errors import missing

CHROMIUM = "/usr/bin/chromium"
APT_PACKAGE = "chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def launch_args() -> dict[str, object]:
    """Keyword arguments for `playwright.chromium.launch` (also for pytest-playwright's
    `browser_type_launch_args` fixture)."""
    if not os.path.exists(CHROMIUM):
        raise missing(CHROMIUM, APT_PACKAGE)
    return {"executable_path": CHROMIUM, "args": list(CHROMIUM_ARGS), "headless": True}


class ChromiumBrowser(Lifecycle):
    """Owns the Playwright driver and one Chromium process for the whole test session."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self.start_seconds = 0.0

    def start(self) -> ChromiumBrowser:
        began = time.monotonic()
        options = launch_args()
        atexit.register(self.stop)
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(**options)  # type: ignore[arg-type]
        self.start_seconds = time.monotonic() - began
        return self

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            raise RuntimeError("ChromiumBrowser.start() has not been called")
        return self._browser

    def stop(self) -> None:
        atexit.unregister(self.stop)
        browser, self._browser = self._browser, None
        playwright, self._playwright = self._playwright, None
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
