"""Debian's chromium for the browser tests, started through Playwright's ``executable_path``.

Playwright cannot download its own browsers here, so the tests drive the
system's ``/usr/bin/chromium`` with the flags that work as root without a
network. A browser that cannot start fails the test in CI (``CI`` set, as
``.ci/run`` does) and skips it on a developer's machine, saying why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

#: Debian's chromium; IBP_CHROMIUM names another binary (or a missing one, to see CI fail rather than skip)
CHROMIUM = os.environ.get("IBP_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
A4 = (595, 842)  # points


def unavailable(why: str) -> None:
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests cannot run in CI: {why} (.ci/run installs chromium and the test extra)")
    pytest.skip(why)


def launched() -> Iterator[Any]:
    """A running chromium (for a module-scoped fixture), closed when the module is done."""
    if CHROMIUM is None:
        unavailable("Debian chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        except Exception as exc:  # noqa: BLE001 - any failure to start the browser
            unavailable(f"chromium did not start: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        try:
            yield b
        finally:
            b.close()
