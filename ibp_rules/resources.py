"""Where the bundled rulesets and templates live, installed or in a checkout.

In the wheel the top-level ``rulesets/`` folder is installed as
``ibp_rules/rulesets``; in a source checkout (or an editable install) it
sits beside the package. Looking in both keeps one code path for users and
developers.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(folder: str, marker: str) -> Path:
    installed = _PACKAGE_DIR / folder
    if (installed / marker).is_file():
        return installed
    checkout = _PACKAGE_DIR.parent / folder
    if (checkout / marker).is_file():
        return checkout
    raise FileNotFoundError(f"bundled {folder} are missing (looked in {installed} and {checkout})")


def default_ruleset_path() -> Path:
    """The folder of the default rulesets shipped with ibp-rules."""
    return _bundled("rulesets", "ruleset.yaml")


def examples_path() -> Path:
    """The folder of the worked cases (training and regression tests)."""
    return _bundled("examples", "cases.yaml")
