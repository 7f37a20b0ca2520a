"""Where the bundled rulesets and templates live, installed or in a checkout.

In the wheel the top-level ``rulesets/`` folder is installed as
``ibp_rules/rulesets``; in a source checkout (or an editable install) it
sits beside the package. Looking in both keeps one code path for users and
developers.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_ruleset_path() -> Path:
    """The folder of the default rulesets shipped with ibp-rules."""
    installed = _PACKAGE_DIR / "rulesets"
    if (installed / "ruleset.yaml").is_file():
        return installed
    checkout = _PACKAGE_DIR.parent / "rulesets"
    if (checkout / "ruleset.yaml").is_file():
        return checkout
    raise FileNotFoundError(f"the default rulesets are missing (looked in {installed} and {checkout})")


def examples_path() -> Path:
    """The folder of the worked cases (training and regression tests)."""
    installed = _PACKAGE_DIR / "examples"
    if (installed / "cases.yaml").is_file():
        return installed
    checkout = _PACKAGE_DIR.parent / "examples"
    if (checkout / "cases.yaml").is_file():
        return checkout
    raise FileNotFoundError(f"the worked cases are missing (looked in {installed} and {checkout})")
