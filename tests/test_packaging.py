"""The installed package carries the default rulesets and no bare top-level 'cli'."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
from pathlib import Path

import pytest

import ibp_rules
from ibp_rules.resources import default_ruleset_path

REPO = Path(__file__).resolve().parent.parent


def _installed_files() -> list[str]:
    try:
        files = md.files("ibp-rules") or []
    except md.PackageNotFoundError:
        pytest.skip("ibp-rules is not installed")
    return [str(f) for f in files]


def test_default_rulesets_are_found_and_complete() -> None:
    root = default_ruleset_path()
    assert (root / "ruleset.yaml").is_file()
    shipped = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml"))
    in_repo = sorted(p.relative_to(REPO / "rulesets").as_posix() for p in (REPO / "rulesets").rglob("*.yaml"))
    assert shipped == in_repo


def test_wheel_layout() -> None:
    files = _installed_files()
    if not any(f.startswith("ibp_rules/rulesets/") for f in files):
        pytest.skip("an editable install: the wheel layout is checked on a plain install (as CI does)")
    assert "ibp_rules/rulesets/ruleset.yaml" in files
    assert "ibp_rules/cli/main.py" in files
    assert "ibp_rules/py.typed" in files
    assert "ibp_rules/examples/cases.yaml" in files and "ibp_rules/labels/assessment.yaml" in files
    assert any(f.startswith("ibp_rules/templates/") and f.endswith(".j2") for f in files)
    shipped_templates = {Path(f).name for f in files if f.startswith("ibp_rules/templates/")}
    assert {p.name for p in (REPO / "ibp_rules" / "templates").iterdir()} <= shipped_templates, "every template and style ships"
    assert "ibp_rules/labels/output.yaml" in files
    assert not any(f.startswith("cli/") or f == "cli.py" for f in files)
    # the tests run against the installed copy, not the checkout
    assert Path(ibp_rules.__file__).resolve().parent != REPO / "ibp_rules"


def test_cli_is_a_subpackage() -> None:
    """The click app is importable as ibp_rules.cli (the wheel's RECORD is checked above)."""
    assert importlib.util.find_spec("ibp_rules.cli.main") is not None


def test_console_script_is_declared() -> None:
    try:
        eps = md.entry_points(group="console_scripts")
    except md.PackageNotFoundError:  # pragma: no cover
        pytest.skip("not installed")
    ibp = [ep for ep in eps if ep.name == "ibp"]
    if not ibp:
        pytest.skip("ibp-rules is not installed")
    assert ibp[0].value == "ibp_rules.cli.main:main"
