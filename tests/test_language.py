"""One language at a time on the command line: help, click's own words, prompts, IBP_LANG."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ibp_rules.cli.language import commands, help_nb, option_help_nb
from ibp_rules.cli.main import cli

# words that only click's or our English help would print
ENGLISH = ("Usage:", "Options:", "Show this message", "Commands:", "Examples:", "Language", "Ruleset folder")
NORWEGIAN = ("Bruk:", "Valg:", "Vis denne hjelpen", "Eksempler", "Språk:", "Regelsett-mappe")


def _english_help(command: click.Command) -> str | None:
    return command.__dict__.get("_ibp_english", {}).get("help", command.help)


def test_every_command_and_option_has_its_bokmal_help() -> None:
    CliRunner().invoke(cli, ["--help"])  # the tree as the user meets it
    catalogue = help_nb()["commands"]
    missing = []
    for path, command in commands(cli):
        own = catalogue.get(path) or {}
        if _english_help(command) and not own.get("help"):
            missing.append(path or "ibp")
        english_options = {p.name for p in command.params if isinstance(p, click.Option)
                           and command.__dict__.get("_ibp_english", {}).get("params", {}).get(p.name)}
        missing += [f"{path} --{name}" for name in sorted(english_options)
                    if option_help_nb(path, next(p for p in command.params if p.name == name)) is None]
        stale = set(own.get("options") or {}) - {p.name for p in command.params}
        assert not stale, f"{path}: the catalogue names options the command does not have: {stale}"
    assert not missing, f"help without bokmål: {missing}"
    assert set(catalogue) <= {path for path, _ in commands(cli)}


@pytest.mark.parametrize("args", [["--help"], ["assess", "--help"], ["rules", "list", "--help"], ["batch", "--help"],
                                  ["intake", "--help"], ["decide", "--help"]])
def test_help_speaks_one_language(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IBP_LANG", raising=False)
    nb = CliRunner().invoke(cli, args)
    assert nb.exit_code == 0 and "Bruk:" in nb.output and "Vis denne hjelpen og avslutt." in nb.output
    assert not [w for w in ENGLISH if w in nb.output], nb.output
    for en in (CliRunner().invoke(cli, [*args, "--lang", "en"]) if args != ["--help"] else None,
               CliRunner(env={"IBP_LANG": "en"}).invoke(cli, args)):
        if en is None:
            continue
        assert en.exit_code == 0 and "Usage:" in en.output and "Show this message and exit." in en.output
        assert not [w for w in NORWEGIAN if w in en.output], en.output
    again = CliRunner().invoke(cli, args)  # and back: nothing of the English run sticks
    assert again.output == nb.output


def test_ibp_lang_applies_to_every_command(tmp_path: Path) -> None:
    missing = tmp_path / "finnes-ikke.yaml"
    runner = CliRunner(env={"IBP_LANG": "en"})
    r = runner.invoke(cli, ["assess", str(missing)])
    assert r.exit_code == 2 and "Error: invalid assessment" in r.stderr and "cannot read the file: the file does not exist" in r.stderr
    r = runner.invoke(cli, ["measures", "bostøtte"])
    assert r.exit_code == 0 and "Housing allowance" in r.output and "Bostøtte" not in r.output
    r = runner.invoke(cli, ["assess", str(missing), "--lang", "nb"])  # the option wins over the variable
    assert "Feil: ugyldig kartlegging" in r.stderr
    r = CliRunner(env={"IBP_LANG": "de"}).invoke(cli, ["assess", str(missing)])  # not a language we speak: bokmål
    assert "Feil:" in r.stderr


def test_click_usage_errors_are_norwegian() -> None:
    r = CliRunner().invoke(cli, ["assess"])
    assert r.exit_code == 2 and "Feil: Mangler argument 'FILE'." in r.stderr and "assess --help' for hjelp." in r.stderr
    r = CliRunner().invoke(cli, ["asses"])
    assert "Ingen kommando heter 'asses'" in r.stderr and "Mente du" in r.stderr
    r = CliRunner().invoke(cli, ["assess", "x.yaml", "--format", "pdf"])
    assert "Ugyldig verdi for '--format'" in r.stderr and "er ikke en av" in r.stderr
    r = CliRunner().invoke(cli, ["assess", "--lang", "en"])
    assert "Error: Missing argument 'FILE'." in r.stderr
    r = CliRunner().invoke(cli, ["batch", "finnes-ikke.jsonl", "-o", "ut.jsonl"])
    assert "Ugyldig verdi for 'SOURCE': Sti 'finnes-ikke.jsonl' finnes ikke." in r.stderr
    r = CliRunner().invoke(cli, ["batch", "finnes-ikke.jsonl", "-o", "ut.jsonl", "--lang", "en"])
    assert "Invalid value for 'SOURCE': Path 'finnes-ikke.jsonl' does not exist." in r.stderr
    r = CliRunner().invoke(cli, ["simulate", "--population", "x"])
    assert "'x' er ikke et gyldig heltall" in r.stderr
    assert "--workers HELTALL" in CliRunner().invoke(cli, ["batch", "--help"]).output
    assert "--workers INTEGER RANGE" in CliRunner().invoke(cli, ["batch", "--help", "--lang", "en"]).output
    r = CliRunner().invoke(cli, ["train", "finnes-ikke"])
    assert "ukjent eksempelsak 'finnes-ikke'" in r.stderr


def test_ctrl_c_or_end_of_input_at_a_prompt_says_avbrutt() -> None:
    r = CliRunner().invoke(cli, ["train", "uforetrygd-til-startlan"], input="")
    assert r.exit_code == 1 and "Avbrutt!" in r.stderr and "Aborted" not in r.output + r.stderr
    r = CliRunner().invoke(cli, ["train", "uforetrygd-til-startlan", "--lang", "en"], input="")
    assert "Aborted!" in r.stderr


def test_yes_no_prompts_are_j_n_in_norwegian(tmp_path: Path) -> None:
    """An existing file: 'Skrive over? [j/N]' takes j; in English [y/N] takes y."""
    existing = tmp_path / "sak.yaml"
    existing.write_text("{}\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["intake", "--no-strategy"], input=f"{existing}\nj\n")
    assert "Skrive over? [j/N]" in r.output and "svar j (ja)" not in r.output and "[y/N]" not in r.output
    r = CliRunner().invoke(cli, ["intake", "--no-strategy", "--lang", "en"], input=f"{existing}\ny\n")
    assert "Overwrite? [y/N]" in r.output and "answer y (yes)" not in r.output
