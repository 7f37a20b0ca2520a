"""Shared fixtures: the default engine, a CLI runner, and editable ruleset copies."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ibp_rules import Engine
from ibp_rules.resources import default_ruleset_path

REPO = Path(__file__).resolve().parent.parent
#: what condition syntax looks like, which a person must never read: a dotted
#: path, a slug id, an operator or a list, "derived:"
CONDITION_SYNTAX = re.compile(r"\w\.\w|[a-z]_[a-z]|derived:|[≠≤≥=\[\]<>]|\b(?:contains|is unknown|is empty|true|false)\b")
EXAMPLES = REPO / "examples"
EXAMPLE_FILES = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "cases.yaml")


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.default()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def ruleset_copy(tmp_path: Path) -> Path:
    """A private copy of the default rulesets that a test may edit."""
    dst = tmp_path / "rulesets"
    shutil.copytree(default_ruleset_path(), dst, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return dst


@pytest.fixture()
def broken_engine(monkeypatch: pytest.MonkeyPatch) -> Engine:
    """An engine whose every rule action raises RuntimeError("boom")."""
    from ibp_rules.backend import DurableBackend

    def broken(self: DurableBackend, rule: object, branch: int) -> object:
        def action(c: object) -> None:
            raise RuntimeError("boom")
        return action

    monkeypatch.setattr(DurableBackend, "_action_for", broken)
    return Engine.from_paths(default_ruleset_path())


@pytest.fixture()
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        return p

    return _write


# -- the web service (tests/test_web*.py) ----------------------------------------------

WEB_TOKEN = "test-token-" + "k" * 40


@pytest.fixture()
def web_config(tmp_path: Path) -> Any:
    """A service configuration with a private data folder and no rate limit."""
    from ibp_rules.web.config import Limits, ServeConfig

    return ServeConfig(data=str(tmp_path / "data"), token=WEB_TOKEN, limits=Limits(rate=0))


@pytest.fixture()
def api(web_config: Any) -> Iterator[Any]:
    """An in-process client of the service, signed in with the bearer token."""
    from fastapi.testclient import TestClient

    from ibp_rules.web.app import create_app

    with TestClient(create_app(web_config), headers={"Authorization": f"Bearer {WEB_TOKEN}"}) as client:
        yield client
