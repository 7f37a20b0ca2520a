"""What the user tells the tool never reaches logs, warnings, errors or temp files."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ibp_rules import AssessmentError, Engine, parse_assessment
from ibp_rules.cli.main import cli

SENTINEL = "ZZSENTINEL7Q"

VALID_WITH_SECRETS = {
    "bolig": {"situasjon": "uten_fast_bolig"},
    "helse": {"psykisk": "betydelig", "rus": "aktiv", "tjenester": []},
    "mal": {"onsker": ["eie"], "fritekst": f"{SENTINEL} wants a garden", "ressurser": [f"{SENTINEL} plays piano"]},
}
INVALID_WITH_SECRETS = [
    {"bolig": {"situasjon": SENTINEL}},
    {"helse": {"rus": SENTINEL}},
    {"okonomi": {"inntektskilder": ["aap", SENTINEL]}},
    {"okonomi": {"gjeld": SENTINEL}},
    {"bolig": {"ar_i_boligen": SENTINEL}},
    {"husholdning": {"barn_alder": [SENTINEL]}},
    {"tiltak_mottatt": [SENTINEL.lower()]},
    {"tiltak_mottatt": [SENTINEL]},
    {"mal": {"onsker": [SENTINEL]}},
    {"mal": {"fritekst": SENTINEL * 500}},
    {"malgrupper": SENTINEL},
]


@pytest.fixture()
def everything_captured(caplog: pytest.LogCaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    caplog.set_level(logging.DEBUG)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return tmp


def _assert_clean(text: str, where: str) -> None:
    assert SENTINEL not in text and SENTINEL.lower() not in text, f"assessment content leaked into {where}"


def test_library_leaks_nothing(everything_captured: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    engine = Engine.default()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        strategy = engine.assess(VALID_WITH_SECRETS)
        _assert_clean(strategy.to_json(), "the strategy (free text is never echoed)")
        for data in INVALID_WITH_SECRETS:
            with pytest.raises(AssessmentError) as exc:
                engine.assess(data)
            _assert_clean(str(exc.value), "an exception message")
            _assert_clean(exc.value.render("nb"), "a Norwegian error message")
            _assert_clean(repr(exc.value.problems), "problem records")
            try:  # the catalogue check of tiltak_mottatt happens in the engine, not here
                parse_assessment(json.dumps(data).encode())
            except AssessmentError as exc2:
                _assert_clean(str(exc2), "an exception message (from bytes)")
    out, err = capfd.readouterr()
    _assert_clean(out + err, "stdout/stderr")
    _assert_clean(caplog.text, "logs")
    _assert_clean(" ".join(str(w.message) for w in caught), "warnings")
    assert list(everything_captured.iterdir()) == []


def test_cli_leaks_nothing(everything_captured: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runner = CliRunner()
    work = tmp_path / "work"
    work.mkdir()
    case = work / "case.json"
    cases: list[dict[str, Any]] = [VALID_WITH_SECRETS, *INVALID_WITH_SECRETS]
    case.write_text("{}", encoding="utf-8")
    before = sorted(os.listdir(work))
    for data in cases:
        case.write_text(json.dumps(data), encoding="utf-8")
        for fmt in ("text", "json", "markdown"):
            for lang in ("nb", "en"):
                r = runner.invoke(cli, ["assess", str(case), "--format", fmt, "--lang", lang])
                assert r.exit_code in (0, 2)
                _assert_clean(r.stderr, "CLI stderr")
                if r.exit_code == 2:
                    _assert_clean(r.output, "CLI error output")
        r = runner.invoke(cli, ["assess", "-"], input=json.dumps(data))
        _assert_clean(r.stderr, "CLI stderr (stdin)")
    assert sorted(os.listdir(work)) == before, "the CLI wrote a file nobody asked for"
    _assert_clean(caplog.text, "logs")
    assert list(everything_captured.iterdir()) == []


def test_engine_errors_do_not_carry_input(broken_engine: Engine) -> None:
    """Even an internal failure names no assessment value."""
    from ibp_rules import EngineError

    with pytest.raises(EngineError) as exc:
        broken_engine.assess(VALID_WITH_SECRETS)
    _assert_clean(str(exc.value), "an engine error")
