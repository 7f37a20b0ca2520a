"""The ibp command line: output, exit codes, errors a person can act on, help everywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from ibp_rules import strategy_json_schema
from ibp_rules.cli.main import cli

CASE = str(EXAMPLES / "uforetrygd-til-startlan.yaml")


def run(runner: CliRunner, *args: str, **kw: Any) -> Any:
    return runner.invoke(cli, list(args), catch_exceptions=False, **kw)


def test_assess_text_in_norwegian(runner: CliRunner) -> None:
    r = run(runner, "assess", CASE)
    assert r.exit_code == 0
    assert "IBP – forslag til strategi" in r.output and "ikke vedtak" in r.output
    assert "Startlån (trinn 3, etter Uføretrygd)" in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 100
    full = run(runner, "assess", CASE, "--full")
    assert "Trinn 3" in full.output and "Startlån" in full.output and "etter: Uføretrygd" in full.output
    assert "[regel startlan-innen-rekkevidde" in full.output and "regel" not in r.output
    assert max(len(line) for line in full.output.splitlines()) <= 100


def test_assess_text_in_english(runner: CliRunner) -> None:
    r = run(runner, "assess", CASE, "--lang", "en")
    assert r.exit_code == 0
    assert "IBP – suggested strategy" in r.output and "Start-up loan" in r.output and "not decisions" in r.output


def test_assess_json_follows_the_contract(runner: CliRunner) -> None:
    r = run(runner, "assess", CASE, "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    jsonschema.validate(data, strategy_json_schema())
    assert data["ruleset"]["version"] and len(data["ruleset"]["sha256"]) == 64
    startlan = next(m for m in data["measures"] if m["id"] == "startlan")
    assert startlan["requires"] == ["uforetrygd"] and startlan["stage"] == 2
    assert startlan["why"][0]["relation"]["from"] == "okonomi"
    assert {"id", "title", "pillar", "phase", "stage", "requires", "partners", "why"} <= startlan.keys()
    assert run(runner, "assess", CASE, "--format", "json").output == r.output


def test_assess_markdown_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "plan.md"
    r = run(runner, "assess", CASE, "--format", "markdown", "-o", str(out))
    assert r.exit_code == 0 and r.output == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Individuell boligplan – handlingsplan")
    assert "## Mål og ønsker" in text and "| Delmål |" in text and "| Startlån |" in text
    assert "regel" not in text and "ibp " not in text


def test_assess_from_stdin_json(runner: CliRunner) -> None:
    r = run(runner, "assess", "-", "--format", "json", input='{"bolig": {"situasjon": "uten_fast_bolig"}}')
    assert r.exit_code == 0
    assert "midlertidig_botilbud" in {m["id"] for m in json.loads(r.output)["measures"]}


def test_bad_assessment_exits_2_with_field_and_line(runner: CliRunner, tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("bolig:\n  situasjon: slott\nokonomi:\n  gjld: true\n", encoding="utf-8")
    r = run(runner, "assess", str(p))
    assert r.exit_code == 2
    assert f"{p}:2: bolig.situasjon: ukjent verdi" in r.output
    assert f"{p}:4: okonomi: ukjent felt; mente du gjeld?" in r.output  # the unknown key itself is not repeated
    assert "Traceback" not in r.output
    r_en = run(runner, "assess", str(p), "--lang", "en")
    assert r_en.exit_code == 2 and "Error: invalid assessment (2 problems)" in r_en.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"bolig: [1, 2\n", "ikke gyldig YAML/JSON"),
        (b"\xff\xfe\x00", "UTF-8"),
        (b"!!python/object/apply:os.system ['true']\n", "ikke tillatt"),
    ],
)
def test_unreadable_assessment_exits_2(runner: CliRunner, tmp_path: Path, content: bytes, words: str) -> None:
    p = tmp_path / "case.yaml"
    p.write_bytes(content)
    r = run(runner, "assess", str(p))
    assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output


def test_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    r = run(runner, "assess", str(tmp_path / "nope.yaml"))
    assert r.exit_code == 2 and "nope.yaml" in r.output


def test_bad_rules_exit_2_with_rule_id(runner: CliRunner, ruleset_copy: Path) -> None:
    (ruleset_copy / "rules" / "bolig.yaml").write_text(
        (ruleset_copy / "rules" / "bolig.yaml").read_text(encoding="utf-8").replace("suggest: bostotte", "suggest: bostote"),
        encoding="utf-8")
    for args in (["rules", "validate", str(ruleset_copy)], ["assess", CASE, "--rules", str(ruleset_copy)]):
        r = run(runner, *args)
        assert r.exit_code == 2
        assert "regel 'hoye-boutgifter'" in r.output and "Mente du: 'bostotte'" in r.output


def test_internal_error_exits_1_and_debug_shows_it(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from ibp_rules import Engine

    def boom(self: Any, a: Any) -> Any:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(Engine, "assess", boom)
    r = run(runner, "assess", CASE)
    assert r.exit_code == 1 and "Intern feil (RuntimeError)" in r.output and "--debug" in r.output
    r = runner.invoke(cli, ["--debug", "assess", CASE])
    assert isinstance(r.exception, RuntimeError)


def test_rules_list_and_validate(runner: CliRunner) -> None:
    r = run(runner, "rules", "list")
    assert r.exit_code == 0 and "varig-nedsatt-arbeidsevne" in r.output
    data = json.loads(run(runner, "rules", "list", "--format", "json", "--lang", "en").output)
    assert any(row["id"] == "startlan-innen-rekkevidde" and "startlan" in row["then"] for row in data)
    r = run(runner, "rules", "validate")
    assert r.exit_code == 0 and "OK: ibp_standard" in r.output and "sha256: " in r.output


def test_schema_commands(runner: CliRunner) -> None:
    for what in ("assessment", "strategy"):
        r = run(runner, "schema", what)
        assert r.exit_code == 0
        jsonschema.Draft202012Validator.check_schema(json.loads(r.output))


def test_graph_commands(runner: CliRunner) -> None:
    mermaid = run(runner, "graph").output
    assert mermaid.startswith("graph LR") and mermaid.count("<--") == 6
    dot = run(runner, "graph", "--format", "dot", "--lang", "en").output
    assert dot.startswith("graph ibp_pillars {") and dot.count(" -- ") == 6 and "Housing" in dot


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        out.append((prefix + (name,), cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, prefix + (name,))
    return out


@pytest.mark.parametrize(("path", "cmd"), _commands(cli), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_with_an_example(runner: CliRunner, path: tuple[str, ...], cmd: click.Command) -> None:
    assert cmd.help, f"{' '.join(path)} has no help"
    r = run(runner, *path, "--help")
    assert r.exit_code == 0 and ("Eksemp" in r.output), f"{' '.join(path)} --help shows no example"


def test_version(runner: CliRunner) -> None:
    from ibp_rules import __version__

    assert __version__ in run(runner, "--version").output


def test_validate_prints_the_hash_every_strategy_records(runner: CliRunner) -> None:
    from ibp_rules import __version__

    sha = next(line.split()[-1] for line in run(runner, "rules", "validate").output.splitlines() if "sha256:" in line)
    data = json.loads(run(runner, "assess", CASE, "--format", "json").output)
    assert data["ruleset"]["sha256"] == sha
    assert data["engine"] == {"name": "ibp-rules", "version": __version__}
    assert data["ruleset"]["overrides"] == []


def test_colour_only_on_a_terminal(engine: Any) -> None:
    from ibp_rules import read_assessment
    from ibp_rules.render import render

    s = engine.assess(read_assessment(CASE))
    coloured = render(s, engine.ruleset, "text", "nb", color=True)
    plain = render(s, engine.ruleset, "text", "nb", color=False)
    assert "\x1b[" in coloured and "\x1b[" not in plain
    assert click.unstyle(coloured) == plain
    # CliRunner's stdout is not a terminal: no colour codes
    assert "\x1b[" not in run(CliRunner(), "assess", CASE).output
