"""Shared fixtures: a real headless Chromium for the explorer page's tests (tests/test_explore_browser.py).

Chromium is Debian's `chromium` package (`make test` installs it when missing and running as
root); Playwright's Python package drives it through `executable_path`, so no browser is ever
downloaded. One browser per session and one tab, reused: each test opens its page from `file://`,
and afterwards the tab must have made no request but for that file and raised no script error.
The tab prefers reduced motion (the page then moves its view at once and animates no step), so
that what a test reads is where the page is going; the animation's own test asks for motion.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

# Known to work headless as root on a 2-core machine; no network, no first-run or background services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """$CHAINRULE_CHROMIUM, else Debian's chromium on the PATH."""
    given = os.environ.get("CHAINRULE_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Tab:
    """The session's one browser tab, with every request and script error it saw."""

    def __init__(self, page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.url: str | None = None
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))

    def check(self) -> None:
        """The page open so far made no request but for its own file, and raised no script error."""
        assert self.errors == [], f"script errors on the page: {self.errors}"
        others = [u for u in self.requests if u != self.url]
        assert others == [], f"the page made requests (it must make none): {others}"

    def open(self, path: Path | str, fragment: str = ""):
        """Open a saved page from file:// (with `#fragment`: a link to a state) and wait until its script
        is ready; returns the Playwright page.

        The page open before is checked first (see `check`), so every page a test opens is."""
        self.check()
        self.requests.clear()
        self.errors.clear()
        self.url = Path(path).resolve().as_uri() if not str(path).startswith("file:") else str(path).split("#")[0]
        if self.page.url.split("#")[0] == self.url:
            self.page.goto("about:blank")  # a new document, not a jump within this one
        self.page.goto(self.url + (f"#{fragment}" if fragment else ""))
        self.wait("() => !!(window.chainrule && window.chainrule.ready)")
        return self.page

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def wait(self, expression: str, timeout: float = 15.0, frame=None) -> None:
        """Poll `expression` (a JS function) until it returns true. (Playwright's wait_for_function
        evaluates strings inside the page, which the page's Content-Security-Policy forbids.)"""
        target = frame or self.page
        deadline = time.monotonic() + timeout
        while not target.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout} s for {expression}")
            self.page.wait_for_timeout(20)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    given = os.environ.get("CHAINRULE_CHROMIUM")
    if path is None and given:
        pytest.fail(
            f"CHAINRULE_CHROMIUM={given} is not an executable file: point it at a Chromium binary", pytrace=False
        )
    if path is None:
        pytest.fail(
            "chromium is not installed, and the explorer page's tests run in a real browser. Run `make test` "
            "(as root it installs Debian's chromium) or install it yourself: `sudo apt-get install chromium`; "
            "or point CHAINRULE_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # a fresh, temporary profile (Playwright's launch() makes one per browser)
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def _session_tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(15_000)
    tab = Tab(page)
    context.on("request", lambda r: tab.requests.append(r.url))  # any frame, any page of the context
    yield tab
    context.close()


@pytest.fixture
def tab(_session_tab):
    """The browser tab; after the test: no request but the page's own file, no script error."""
    _session_tab.page.set_viewport_size({"width": 1280, "height": 800})
    _session_tab.page.emulate_media(reduced_motion="reduce")
    _session_tab.requests.clear()
    _session_tab.errors.clear()
    yield _session_tab
    _session_tab.check()
