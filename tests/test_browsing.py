"""A browser test that cannot start its browser fails in CI and skips elsewhere."""

from __future__ import annotations

import pytest
from browsing import launched


def test_no_browser_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("browsing.CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI"):
        next(launched())
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="chromium did not start"):
        next(launched())
    monkeypatch.setattr("browsing.CHROMIUM", None)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        next(launched())
